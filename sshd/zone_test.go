package sshd

import "testing"

func TestSessionZoneFromTheClientsTZ(t *testing.T) {
	for _, tc := range []struct {
		env  []string
		want string // "" for the server's zone
	}{
		{[]string{"LANG=C", "TZ=Europe/Paris"}, "Europe/Paris"},
		{[]string{"TZ=:Asia/Tokyo"}, "Asia/Tokyo"},
		{[]string{"TZ=Not/AZone"}, ""},
		{[]string{"TZ=../../../etc/passwd"}, ""},
		{[]string{"TZ=/etc/localtime"}, ""},
		{nil, ""},
	} {
		got := sessionZone(tc.env)
		switch {
		case tc.want == "" && got != nil:
			t.Errorf("%v: zone %v, want the server's", tc.env, got)
		case tc.want != "" && (got == nil || got.String() != tc.want):
			t.Errorf("%v: zone %v, want %s", tc.env, got, tc.want)
		}
	}
}
