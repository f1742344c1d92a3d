package cli

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"charm.land/bubbles/v2/progress"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"github.com/reviewq/reviewq/form"
	"github.com/reviewq/reviewq/queue"
	"github.com/reviewq/reviewq/termtext"
)

// addFrom reads JSON lines ({"name":…,"email":…,"message":…} per line, and
// an optional "idempotencyKey" and "notBefore"), validates every one of
// them first, so a bad line adds nothing at all (fix the file and run it
// again), then adds them in the file's order through queue.AddContacts'
// pipeline. With --json it writes the web example's add shape per line, in
// order ("duplicate":true for a line whose key had added a message already;
// {"scheduledId":…,"notBefore":…} for one added for later); on a terminal
// stderr shows a progress bar.
func (a *app) addFrom(cmd *cobra.Command, from string) error {
	var data []byte
	var err error
	if from == "-" {
		data, err = io.ReadAll(a.stdin)
	} else {
		data, err = os.ReadFile(from)
	}
	if err != nil {
		return usageError{fmt.Errorf("reading %s: %w", from, err)}
	}
	workers := runtime.GOMAXPROCS(0)
	if len(data) < 1<<20 {
		workers = 1
	}
	msgs, problems := parseContactLines(string(data), workers)
	data = nil
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(a.stderr, p)
		}
		return userErrorf("%s; nothing was added", termtext.Plural(int64(len(problems)), "invalid line", "invalid lines"))
	}
	return a.withClient(cmd, func(s *session) error {
		out := bufio.NewWriterSize(a.stdout, 64<<10)
		defer out.Flush()
		bar := a.newProgressBar(len(msgs))
		done, dups, later := 0, 0, 0
		n, err := s.client.AddContacts(cmd.Context(), msgs, func(batch []queue.Added) {
			for _, r := range batch {
				if r.Duplicate {
					dups++
				} else if r.ScheduledID != "" {
					later++
				}
			}
			if a.json {
				for _, r := range batch {
					if r.ScheduledID != "" {
						line, _ := json.Marshal(addedJSON(r))
						out.Write(append(line, '\n'))
						continue
					}
					// IDs and toISOString times need no JSON escaping.
					out.WriteString(`{"streamMessageId":"`)
					out.WriteString(r.ID)
					out.WriteString(`","timestamp":"`)
					out.WriteString(r.Timestamp)
					if r.Duplicate {
						out.WriteString(`","duplicate":true}` + "\n")
					} else {
						out.WriteString("\"}\n")
					}
				}
			}
			done += len(batch)
			bar.show(done)
		})
		bar.finish()
		if err != nil {
			return fmt.Errorf("added %d of %d, then: %w", n-dups, len(msgs), err)
		}
		if !a.json {
			fmt.Fprintf(out, "added %s\n", termtext.Plural(int64(n-dups), "message", "messages"))
			if later > 0 {
				fmt.Fprintf(out, "of which %d for later (notBefore): scheduled, not in the stream until then\n", later)
			}
			if dups > 0 {
				fmt.Fprintf(out, "skipped %s whose idempotency key had added a message within %s\n", termtext.Plural(int64(dups), "line", "lines"), shortDuration(queue.IdempotencyWindow))
			}
		}
		return nil
	})
}

// parseContactLines parses and validates every non-blank line, spread over
// workers goroutines (the server waits for all of it anyway), and returns
// the messages in order, or every problem found, in line order. Each worker
// writes its messages straight into its part of one slice (a million lines
// are about 90 MB of NewContact, not worth copying again).
func parseContactLines(text string, workers int) ([]queue.NewContact, []string) {
	type chunk struct {
		text      string
		firstLine int
		off, n    int // its part of msgs, and how many it filled
		problems  []string
	}
	chunks := make([]*chunk, 0, workers)
	line, lines := 1, 0
	for rest := text; rest != ""; {
		cut := len(rest)
		if want := len(text) / workers; cut > want && len(chunks) < workers-1 {
			if i := strings.IndexByte(rest[want:], '\n'); i >= 0 {
				cut = want + i + 1
			}
		}
		newlines := strings.Count(rest[:cut], "\n")
		chunks = append(chunks, &chunk{text: rest[:cut], firstLine: line, off: lines})
		lines += newlines + 1
		line += newlines
		rest = rest[cut:]
	}
	msgs := make([]queue.NewContact, lines)
	var wg sync.WaitGroup
	for _, c := range chunks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out := msgs[c.off:c.off]
			n := c.firstLine
			for rest := c.text; rest != ""; n++ {
				l := rest
				if i := strings.IndexByte(rest, '\n'); i >= 0 {
					l, rest = rest[:i], rest[i+1:]
				} else {
					rest = ""
				}
				l = strings.TrimSpace(l)
				if l == "" {
					continue
				}
				line, err := parseContactLine(l)
				if err != nil {
					c.problems = append(c.problems, fmt.Sprintf("line %d: not a JSON object with name, email, message (%v)", n, err))
					continue
				}
				if errs := form.ValidateAll(line.Contact); len(errs) > 0 {
					c.problems = append(c.problems, fmt.Sprintf("line %d: %s", n, joinErrors(errs)))
					continue
				}
				if line.IdempotencyKey != "" || line.hasKey {
					if err := checkIdempotencyKey(line.IdempotencyKey); err != nil {
						c.problems = append(c.problems, fmt.Sprintf("line %d: %s", n, strings.ReplaceAll(err.Error(), "--idempotency-key", "idempotencyKey")))
						continue
					}
				}
				var notBefore time.Time
				if line.NotBefore != "" || line.hasNotBefore {
					t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(line.NotBefore))
					if err != nil {
						c.problems = append(c.problems, fmt.Sprintf("line %d: notBefore %q is not an RFC 3339 time (2026-11-24T09:00:00Z)", n, line.NotBefore))
						continue
					}
					notBefore = t
				}
				ct := line.Contact.Trimmed()
				out = append(out, queue.NewContact{Name: ct.Name, Email: ct.Email, Message: ct.Message,
					IdempotencyKey: line.IdempotencyKey, NotBefore: notBefore})
			}
			c.n = len(out)
		}()
	}
	wg.Wait()
	var problems []string
	for _, c := range chunks {
		problems = append(problems, c.problems...)
	}
	if len(problems) > 0 {
		return nil, problems
	}
	// Close the gaps blank lines left between the parts, in place.
	total := 0
	for _, c := range chunks {
		if c.off != total {
			copy(msgs[total:], msgs[c.off:c.off+c.n])
		}
		total += c.n
	}
	clear(msgs[total:])
	return msgs[:total:total], nil
}

// contactLine is one line of a bulk add.
type contactLine struct {
	form.Contact
	IdempotencyKey string `json:"idempotencyKey"`
	// NotBefore adds it for later, an RFC 3339 time (see
	// queue.AddContactLater); one in the past adds it at once.
	NotBefore string `json:"notBefore"`
	// hasKey and hasNotBefore say the line has those keys (empty or not).
	hasKey, hasNotBefore bool
}

// lineIdempotencyKey and lineNotBefore are contactLine's keys for
// IdempotencyKey and NotBefore.
const (
	lineIdempotencyKey = "idempotencyKey"
	lineNotBefore      = "notBefore"
)

// parseContactLine reads one line as encoding/json would into a
// contactLine with unknown fields refused and nothing after the object.
// The common line (lower-case keys, strings without escapes) is read by
// plainContact without reflection or copies; anything else goes to
// encoding/json, so both give the same result (FuzzPlainContact).
func parseContactLine(line string) (contactLine, error) {
	if c, ok := plainContact(line); ok {
		return c, nil
	}
	return jsonContactLine(line)
}

// jsonContactLine is parseContactLine with encoding/json.
func jsonContactLine(line string) (contactLine, error) {
	var c contactLine
	dec := json.NewDecoder(strings.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return contactLine{}, err
	}
	if rest := strings.TrimSpace(line[dec.InputOffset():]); rest != "" {
		return contactLine{}, fmt.Errorf("more after the object: %.20q", rest)
	}
	// A key may be written with escapes, or in another case (encoding/json
	// matches keys without regard to case): as before, its name anywhere
	// on the line counts.
	c.hasKey = strings.Contains(line, `"`+lineIdempotencyKey+`"`)
	c.hasNotBefore = strings.Contains(line, `"`+lineNotBefore+`"`)
	return c, nil
}

// plainContact reads {"name":"…","email":"…","message":"…"} and an optional
// "idempotencyKey" and "notBefore" (any order, any subset, JSON white space) whose keys are
// exactly those and whose values are strings without escapes, control
// characters or invalid UTF-8: the values are then the line's own bytes.
// ok is false for anything else.
func plainContact(s string) (c contactLine, ok bool) {
	i := skipSpace(s, 0)
	if i == len(s) || s[i] != '{' {
		return c, false
	}
	for i++; ; {
		key, j, ok := plainString(s, skipSpace(s, i))
		if !ok {
			return c, false
		}
		if i = skipSpace(s, j); i == len(s) || s[i] != ':' {
			return c, false
		}
		val, j, ok := plainString(s, skipSpace(s, i+1))
		if !ok {
			return c, false
		}
		switch key {
		case form.FieldName:
			c.Name = val
		case form.FieldEmail:
			c.Email = val
		case form.FieldMessage:
			c.Message = val
		case lineIdempotencyKey:
			c.IdempotencyKey, c.hasKey = val, true
		case lineNotBefore:
			c.NotBefore, c.hasNotBefore = val, true
		default:
			return c, false
		}
		if i = skipSpace(s, j); i == len(s) {
			return c, false
		}
		switch s[i] {
		case ',':
			i++
		case '}':
			return c, skipSpace(s, i+1) == len(s)
		default:
			return c, false
		}
	}
}

func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	return i
}

// plainString reads a JSON string at s[i] that needs no unescaping and
// returns it and the index after its closing quote.
func plainString(s string, i int) (string, int, bool) {
	if i >= len(s) || s[i] != '"' {
		return "", 0, false
	}
	ascii := true
	for j := i + 1; j < len(s); j++ {
		switch b := s[j]; {
		case b == '"':
			v := s[i+1 : j]
			if !ascii && !utf8.ValidString(v) {
				return "", 0, false
			}
			return v, j + 1, true
		case b == '\\' || b < 0x20:
			return "", 0, false
		case b >= utf8.RuneSelf:
			ascii = false
		}
	}
	return "", 0, false
}

// progressBar draws a bubbles progress bar on stderr while a bulk add runs,
// when stderr is a terminal; otherwise it does nothing.
type progressBar struct {
	w     io.Writer
	bar   progress.Model
	total int
	last  int
}

func (a *app) newProgressBar(total int) *progressBar {
	return a.progressBarFrom(total, addProgressMin)
}

// progressBarFrom is a progress bar for work of total steps, when stderr is
// a terminal and total is at least least.
func (a *app) progressBarFrom(total, least int) *progressBar {
	f, ok := a.stderr.(*os.File)
	if !ok || !term.IsTerminal(f.Fd()) || total < least || total <= 0 {
		return &progressBar{}
	}
	return &progressBar{
		w:     colorprofile.NewWriter(f, os.Environ()),
		bar:   progress.New(progress.WithDefaultBlend(), progress.WithWidth(40)),
		total: total,
		last:  -1,
	}
}

// addProgressMin is the smallest add worth a progress bar.
const addProgressMin = 5_000

func (p *progressBar) show(done int) {
	if p.w == nil {
		return
	}
	pct := min(float64(done)/float64(p.total), 1)
	if int(pct*100) == p.last {
		return
	}
	p.last = int(pct * 100)
	fmt.Fprintf(p.w, "\r%s %s/%s", p.bar.ViewAs(pct), termtext.Thousands(int64(done)), termtext.Thousands(int64(p.total)))
}

func (p *progressBar) finish() {
	if p.w != nil && p.last >= 0 {
		fmt.Fprintln(p.w)
	}
}
