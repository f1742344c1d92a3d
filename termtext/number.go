package termtext

import "strconv"

// Thousands writes n with a comma between each group of three digits:
// "1,000,000", "-1,234"; every int64, math.MinInt64 included.
func Thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	digits := len(s)
	if n < 0 {
		digits-- // the sign is not a digit
	}
	if digits <= 3 {
		return s
	}
	out := make([]byte, 0, len(s)+(digits-1)/3)
	if n < 0 {
		out = append(out, '-')
		s = s[1:]
	}
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}
