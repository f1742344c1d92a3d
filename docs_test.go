package main

import (
	"bufio"
	"image/png"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// The README and docs/ are read on GitHub and in an editor: every picture
// they show and every page or section they link to must be there. A
// picture is made by `make screenshots` and committed; this notices one
// that was renamed, moved or never made, without needing Chromium.
func TestDocsLinksResolve(t *testing.T) {
	pages := markdownPages(t)
	shown := map[string]bool{}
	for _, page := range pages {
		for _, l := range links(t, page) {
			target, fragment, _ := strings.Cut(l.target, "#")
			file := page
			if target != "" {
				file = path.Join(path.Dir(page), target)
			}
			where := page + ":" + l.line
			info, err := os.Stat(filepath.FromSlash(file))
			if err != nil {
				t.Errorf("%s: link %s: %s is missing", where, l.target, file)
				continue
			}
			if strings.EqualFold(path.Ext(file), ".png") {
				shown[file] = true
				if !info.Mode().IsRegular() || !isPNG(file) {
					t.Errorf("%s: %s is not a PNG picture", where, file)
				}
			}
			if fragment != "" && path.Ext(file) == ".md" && !slices.Contains(anchors(t, file), fragment) {
				t.Errorf("%s: link %s: no heading of %s has the anchor #%s", where, l.target, file, fragment)
			}
		}
	}
	// A picture no page shows is one a page stopped showing: delete it,
	// or show it again.
	made, _ := filepath.Glob("docs/img/*.png")
	for _, f := range made {
		if !shown[filepath.ToSlash(f)] {
			t.Errorf("%s is shown by no page", f)
		}
	}
	if len(made) == 0 {
		t.Error("docs/img has no pictures")
	}
}

// The README is the front page a newcomer reads in two minutes: it starts
// with the two commands they need, and the rest lives in docs/.
func TestREADMEIsAFrontPage(t *testing.T) {
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if len(lines) > 250 {
		t.Errorf("README.md has %d lines, at most 250: move the detail to docs/", len(lines))
	}
	_, rest, _ := strings.Cut(string(b), "```sh\n")
	first, _, _ := strings.Cut(rest, "```")
	if !strings.HasPrefix(first, "make run") || !strings.Contains(first, "\nmake test") {
		t.Errorf("README.md's first code block is %q, want make run, then make test", first)
	}
}

func markdownPages(t *testing.T) []string {
	t.Helper()
	docs, err := filepath.Glob("docs/*.md")
	if err != nil || len(docs) == 0 {
		t.Fatalf("docs/*.md: %v %v", docs, err)
	}
	for i := range docs {
		docs[i] = filepath.ToSlash(docs[i])
	}
	return append([]string{"README.md"}, docs...)
}

type link struct{ line, target string }

var (
	// [text](target) and ![alt](target), with an optional "title"
	inlineLink = regexp.MustCompile(`!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)`)
	// [name]: target
	refLink = regexp.MustCompile(`^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)`)
	// <img src="…"> and <a href="…">
	htmlLink = regexp.MustCompile(`(?i)<(?:img|a)\s[^>]*?(?:src|href)="([^"]+)"`)
	codeSpan = regexp.MustCompile("`+[^`]*`+")
	scheme   = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9+.-]*:`)
)

// links are the page's relative links, outside code.
func links(t *testing.T, page string) []link {
	t.Helper()
	var out []link
	eachLine(t, page, func(n int, line string) {
		line = codeSpan.ReplaceAllString(line, "")
		var targets []string
		for _, re := range []*regexp.Regexp{inlineLink, refLink, htmlLink} {
			for _, m := range re.FindAllStringSubmatch(line, -1) {
				targets = append(targets, m[1])
			}
		}
		for _, target := range targets {
			if !scheme.MatchString(target) {
				out = append(out, link{line: strconv.Itoa(n), target: target})
			}
		}
	})
	return out
}

// anchors are the fragments GitHub gives the page's headings: lower case,
// punctuation dropped, spaces as hyphens, a repeated one numbered.
func anchors(t *testing.T, page string) []string {
	t.Helper()
	var out []string
	seen := map[string]int{}
	eachLine(t, page, func(_ int, line string) {
		text, ok := strings.CutPrefix(line, "#")
		if !ok {
			return
		}
		text = strings.TrimLeft(text, "#")
		if text == "" || text[0] != ' ' {
			return
		}
		var b strings.Builder
		for _, r := range strings.ToLower(strings.TrimSpace(text)) {
			switch {
			case r == ' ':
				b.WriteRune('-')
			case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
				b.WriteRune(r)
			}
		}
		a := b.String()
		if n := seen[a]; n > 0 {
			seen[a]++
			a += "-" + strconv.Itoa(n)
		} else {
			seen[a] = 1
		}
		out = append(out, a)
	})
	return out
}

// eachLine calls f with each line of the page outside fenced code blocks.
func eachLine(t *testing.T, page string, f func(n int, line string)) {
	t.Helper()
	file, err := os.Open(filepath.FromSlash(page))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	s := bufio.NewScanner(file)
	s.Buffer(nil, 1<<20)
	fence := ""
	for n := 1; s.Scan(); n++ {
		line := s.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case fence != "":
			if strings.HasPrefix(trimmed, fence) {
				fence = ""
			}
			continue
		case strings.HasPrefix(trimmed, "```"), strings.HasPrefix(trimmed, "~~~"):
			fence = trimmed[:3]
			continue
		}
		f(n, line)
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
}

func isPNG(file string) bool {
	f, err := os.Open(filepath.FromSlash(file))
	if err != nil {
		return false
	}
	defer f.Close()
	_, err = png.DecodeConfig(f)
	return err == nil
}
