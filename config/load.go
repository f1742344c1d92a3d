package config

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"reflect"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
	"github.com/valkey-io/valkey-go"

	"github.com/reviewq/reviewq/styles"
)

// Problem is one thing wrong, or unwise, in a settings file, and where.
type Problem struct {
	File   string
	Line   int // 0 when the problem has no place in the file
	Column int
	Msg    string
}

// Error is the problem on one line: file:line:column: what.
func (p Problem) Error() string {
	if p.Line == 0 {
		return p.File + ": " + p.Msg
	}
	return fmt.Sprintf("%s:%d:%d: %s", p.File, p.Line, p.Column, p.Msg)
}

// Problems is every problem found in a file, in the file's order.
type Problems []Problem

// Error is the first problem, and how many more there are.
func (ps Problems) Error() string {
	s := ps[0].Error()
	if len(ps) > 1 {
		s += fmt.Sprintf(" (and %d more: reviewq config check lists them)", len(ps)-1)
	}
	return s
}

// KeyCheck checks the key overrides (action name → keys) against the
// console's key table: an unknown action, two actions on one key on the
// same screen. Its error names the actions it is about, quoted or not;
// the problem is placed on the line of the last of them in the file.
type KeyCheck func(overrides map[string][]string) error

// Load reads the settings file at path. A file that is not there is no
// settings: a File with Exists false. A file that is wrong is a
// Problems error, each problem with its line; checkKeys, when not nil,
// checks the keys section.
func Load(path string, checkKeys KeyCheck) (*File, error) {
	f := &File{Path: path}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return f, nil
	}
	if err != nil {
		return nil, fmt.Errorf("settings file: %w", err)
	}
	f.Exists = true
	l := &loader{file: f}
	root, err := l.parse(data)
	if err != nil {
		return nil, err
	}
	if root == nil {
		return f, nil
	}
	l.root = root
	if err := yaml.NodeToValue(root, f, yaml.DisallowUnknownField()); err != nil {
		return nil, Problems{l.decodeProblem(err)}
	}
	f.names = mapKeys(l.find("profiles"))
	l.check(checkKeys)
	if len(l.problems) > 0 {
		slices.SortStableFunc(l.problems, func(a, b Problem) int {
			return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
		})
		return nil, l.problems
	}
	f.Warnings = l.warnings
	return f, nil
}

// loader is one reading of a file: its syntax tree, for placing
// problems, and what it found.
type loader struct {
	file     *File
	root     ast.Node
	problems Problems
	warnings []Problem
}

// parse is the file's one document; nil when it is empty.
func (l *loader) parse(data []byte) (ast.Node, error) {
	tree, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, Problems{l.decodeProblem(err)}
	}
	var docs []*ast.DocumentNode
	for _, d := range tree.Docs {
		if d.Body != nil {
			docs = append(docs, d)
		}
	}
	switch {
	case len(docs) == 0:
		return nil, nil
	case len(docs) > 1:
		second := docs[1].Start
		if second == nil {
			second = docs[1].Body.GetToken()
		}
		return nil, Problems{l.at(second, "one document only: a second one starts here")}
	}
	root := unwrap(docs[0].Body)
	if _, ok := root.(ast.MapNode); !ok {
		return nil, Problems{l.at(root.GetToken(), "the file is a mapping of defaultProfile, profiles, keys and theme, not "+describe(root))}
	}
	return root, nil
}

func (l *loader) at(tok *token.Token, msg string) Problem {
	p := Problem{File: l.file.Path, Msg: msg}
	if tok != nil {
		p.Line, p.Column = tok.Position.Line, tok.Position.Column
	}
	return p
}

func (l *loader) problem(place int, msg string, path ...string) {
	l.problems = append(l.problems, l.at(l.token(place, path...), strings.Join(path, ".")+": "+msg))
}

// The part of a mapping entry a problem is placed on.
const (
	keyOf = iota
	valueOf
)

// token is where the entry at path is written: its key or its value.
func (l *loader) token(place int, path ...string) *token.Token {
	if place == keyOf {
		if mv := l.entry(path...); mv != nil {
			return mv.Key.GetToken()
		}
	} else if n := l.find(path...); n != nil {
		return n.GetToken()
	}
	if len(path) > 1 {
		return l.token(keyOf, path[:len(path)-1]...)
	}
	return nil
}

// entry is the mapping entry at path, nil when it is not written.
func (l *loader) entry(path ...string) *ast.MappingValueNode {
	node := l.root
	var found *ast.MappingValueNode
	for _, name := range path {
		m, ok := unwrap(node).(ast.MapNode)
		if !ok {
			return nil
		}
		found = nil
		for it := m.MapRange(); it.Next(); {
			if it.Key().GetToken().Value == name {
				found = it.KeyValue()
			}
		}
		if found == nil {
			return nil
		}
		node = found.Value
	}
	return found
}

// find is the value at path, nil when it is not written.
func (l *loader) find(path ...string) ast.Node {
	if mv := l.entry(path...); mv != nil {
		return unwrap(mv.Value)
	}
	return nil
}

// unwrap is the node an anchor or a tag is put on.
func unwrap(n ast.Node) ast.Node {
	for {
		switch v := n.(type) {
		case *ast.AnchorNode:
			n = v.Value
		case *ast.TagNode:
			n = v.Value
		default:
			return n
		}
	}
}

// mapKeys is a mapping's keys in the file's order.
func mapKeys(n ast.Node) []string {
	m, ok := n.(ast.MapNode)
	if !ok {
		return nil
	}
	var keys []string
	for it := m.MapRange(); it.Next(); {
		keys = append(keys, it.Key().GetToken().Value)
	}
	return keys
}

// decodeProblem is a parser's or decoder's error said the way the other
// problems are: where, which setting, what is wrong.
func (l *loader) decodeProblem(err error) Problem {
	var ne *nodeError
	if errors.As(err, &ne) {
		return l.at(ne.node.GetToken(), l.pathOf(ne.node.GetToken())+": "+ne.msg)
	}
	var ye yaml.Error
	if !errors.As(err, &ye) {
		return l.at(nil, err.Error())
	}
	tok := ye.GetToken()
	path := l.pathOf(tok)
	msg := ye.GetMessage()
	var (
		unknown  *yaml.UnknownFieldError
		mismatch *yaml.TypeError
		overflow *yaml.OverflowError
		shape    *yaml.UnexpectedNodeTypeError
	)
	switch {
	case errors.As(err, &unknown):
		parent := strings.Split(path, ".")
		parent = parent[:len(parent)-1]
		msg = fmt.Sprintf("no setting named %q", tok.Value)
		if near := nearest(tok.Value, knownKeys(parent)); near != "" {
			msg += fmt.Sprintf(" (did you mean %s?)", near)
		}
	case errors.As(err, &mismatch):
		msg = fmt.Sprintf("want %s, not %s", kindOf(mismatch.DstType), quoteToken(tok))
	case errors.As(err, &overflow):
		msg = fmt.Sprintf("%s is too large", quoteToken(tok))
	case errors.As(err, &shape):
		want := nodeKind(shape.Expected)
		if shape.Expected == ast.SequenceType {
			want += " such as [c, space]"
		}
		msg = fmt.Sprintf("want %s, not %s", want, nodeKind(shape.Actual))
	}
	if path == "" {
		return l.at(tok, msg)
	}
	return l.at(tok, path+": "+msg)
}

// quoteToken is how a problem quotes the value a token starts.
func quoteToken(tok *token.Token) string {
	switch {
	case tok == nil:
		return "nothing"
	case tok.Type == token.MappingStartType:
		return "a mapping"
	case tok.Type == token.SequenceStartType || tok.Type == token.SequenceEntryType:
		return "a list"
	}
	return strconv.Quote(tok.Value)
}

// nodeKind is a kind of node in the words of a settings file.
func nodeKind(t ast.NodeType) string {
	switch t {
	case ast.MappingType, ast.MappingValueType:
		return "a mapping"
	case ast.SequenceType:
		return "a list"
	case ast.StringType, ast.LiteralType:
		return "a text"
	}
	return "a " + t.YAMLName()
}

// kindOf is what a Go type wants, in the words of a settings file.
func kindOf(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int64:
		return "a whole number"
	case reflect.String:
		return "a text"
	case reflect.Slice:
		return "a list such as [c, space]"
	case reflect.Map, reflect.Struct:
		return "a mapping"
	}
	return t.String()
}

// pathOf is where the token is, as a setting's path ("profiles.prod.url",
// "keys.claim[1]"); "" when it is not found.
func (l *loader) pathOf(tok *token.Token) string {
	if tok == nil || l.root == nil {
		return ""
	}
	var walk func(n ast.Node, path string) (string, bool)
	walk = func(n ast.Node, path string) (string, bool) {
		n = unwrap(n)
		if n == nil {
			return "", false
		}
		if n.GetToken() == tok {
			return path, true
		}
		switch v := n.(type) {
		case ast.MapNode:
			for it := v.MapRange(); it.Next(); {
				kv := it.KeyValue()
				p := strings.TrimPrefix(path+"."+kv.Key.GetToken().Value, ".")
				if kv.Key.GetToken() == tok {
					return p, true
				}
				if found, ok := walk(kv.Value, p); ok {
					return found, true
				}
			}
		case *ast.SequenceNode:
			for i, item := range v.Values {
				if found, ok := walk(item, fmt.Sprintf("%s[%d]", path, i)); ok {
					return found, true
				}
			}
		}
		return "", false
	}
	// A parse error comes before there is a tree: then only the line.
	if p, ok := walk(l.root, ""); ok {
		return p
	}
	return ""
}

// knownKeys is the settings a mapping at path may hold.
func knownKeys(path []string) []string {
	var t reflect.Type
	switch {
	case len(path) == 0:
		t = reflect.TypeFor[File]()
	case len(path) == 2 && path[0] == "profiles":
		t = reflect.TypeFor[Profile]()
	case len(path) == 3 && path[0] == "profiles" && path[2] == "tls":
		t = reflect.TypeFor[TLS]()
	case len(path) == 1 && path[0] == "theme":
		t = reflect.TypeFor[Theme]()
	default:
		return nil
	}
	return yamlKeys(t)
}

// yamlKeys is the names a struct's fields have in the file.
func yamlKeys(t reflect.Type) []string {
	var keys []string
	for i := range t.NumField() {
		if tag := t.Field(i).Tag.Get("yaml"); tag != "" && tag != "-" {
			keys = append(keys, tag)
		}
	}
	return keys
}

// nearest is the known name a mistyped one most likely meant, "" when
// none is close.
func nearest(name string, known []string) string {
	best, bestDist := "", 3
	for _, k := range known {
		if d := distance(strings.ToLower(name), strings.ToLower(k)); d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

// distance is the Levenshtein distance between a and b.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur := make([]int, len(rb)+1)
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(rb)]
}

var (
	profileName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	envName     = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// check finds what the decoder cannot: settings that are wrong together,
// names that name nothing, values out of range.
func (l *loader) check(checkKeys KeyCheck) {
	f := l.file
	if f.DefaultProfile != "" {
		if _, ok := f.Profiles[f.DefaultProfile]; !ok {
			l.problem(valueOf, fmt.Sprintf("no profile named %q%s", f.DefaultProfile, l.profileList()), "defaultProfile")
		}
	}
	for _, name := range f.names {
		if !profileName.MatchString(name) {
			l.problem(keyOf, fmt.Sprintf("%q is not a profile name: use letters, digits, '.', '_' and '-'", name), "profiles", name)
		}
		l.checkProfile(name, f.Profiles[name])
	}
	l.checkTheme()
	l.checkKeys(checkKeys)
}

func (l *loader) profileList() string {
	if len(l.file.names) == 0 {
		return " (the file has no profiles)"
	}
	return " (profiles: " + strings.Join(l.file.names, ", ") + ")"
}

func (l *loader) checkProfile(name string, p Profile) {
	at := func(place int, msg string, keys ...string) {
		l.problem(place, msg, append([]string{"profiles", name}, keys...)...)
	}
	embedded := p.Embedded != nil && *p.Embedded
	switch {
	case p.URL != "" && p.Endpoint != "":
		at(keyOf, "give url or endpoint, not both", "endpoint")
	case embedded && (p.URL != "" || p.Endpoint != ""):
		at(keyOf, "the embedded server is its own server: drop url and endpoint, or embedded", "embedded")
	}
	if p.URL != "" {
		if _, err := valkey.ParseURL(p.URL); err != nil {
			at(valueOf, fmt.Sprintf("not a server URL (valkey://, valkeys://, redis:// or rediss://): %v", err), "url")
		} else if p.TLS != nil && !strings.HasPrefix(p.URL, "rediss://") && !strings.HasPrefix(p.URL, "valkeys://") {
			at(keyOf, "TLS with a url is said by its scheme: write rediss:// or valkeys://", "tls")
		}
	}
	if p.Endpoint != "" {
		if strings.Contains(p.Endpoint, "://") {
			at(valueOf, "an endpoint is host:port; a URL goes in url", "endpoint")
		} else if _, _, err := net.SplitHostPort(p.Endpoint); err != nil && strings.Contains(p.Endpoint, ":") {
			at(valueOf, fmt.Sprintf("not host:port: %v", err), "endpoint")
		}
	}
	if p.TLS != nil && !embedded && p.URL == "" && p.Endpoint == "" {
		at(keyOf, "tls needs the profile's server: a rediss:// url or an endpoint", "tls")
	}
	var secrets []string // in the file's order
	for _, key := range mapKeys(l.find("profiles", name)) {
		switch {
		case key == "passwordEnv" && p.PasswordEnv != "", key == "passwordCommand" && p.PasswordCommand != "",
			key == "password" && p.Password != "", key == "url" && urlHasPassword(p.URL):
			secrets = append(secrets, key)
		}
	}
	if len(secrets) > 1 {
		at(keyOf, "give the password one way: "+strings.Join(secrets, " and ")+" each give one", secrets[len(secrets)-1])
	}
	if p.PasswordEnv != "" && !envName.MatchString(p.PasswordEnv) {
		at(valueOf, fmt.Sprintf("%q is not an environment variable's name", p.PasswordEnv), "passwordEnv")
	}
	if len(secrets) > 0 && !p.HasServer() {
		at(keyOf, "a password needs the profile's server: a url or an endpoint", secrets[0])
	}
	if embedded && len(secrets) > 0 {
		at(keyOf, "the embedded server takes no password", secrets[0])
	}
	positive := map[string]*Duration{"reclaimAfter": p.ReclaimAfter, "timeout": p.Timeout}
	for key, d := range positive {
		if d != nil && *d <= 0 {
			at(valueOf, "must be longer than 0s", key)
		}
	}
	for key, d := range map[string]*Duration{"retryBackoff": p.RetryBackoff, "retryBackoffMax": p.RetryBackoffMax, "retention": p.Retention} {
		if d != nil && *d < 0 {
			at(valueOf, "cannot be negative (0 turns it off)", key)
		}
	}
	for key, n := range map[string]*int64{"maxDeliveries": intp(p.MaxDeliveries), "maxLen": p.MaxLen, "waitReplicas": intp(p.WaitReplicas)} {
		if n != nil && *n < 0 {
			at(valueOf, "cannot be negative", key)
		}
	}
	if p.Password != "" || urlHasPassword(p.URL) {
		l.warnMode(name, p)
	}
}

func intp(n *int) *int64 {
	if n == nil {
		return nil
	}
	v := int64(*n)
	return &v
}

// warnMode warns when the file holds a password that others can read.
func (l *loader) warnMode(name string, p Profile) {
	if runtime.GOOS == "windows" {
		return // file modes there say nothing of who can read
	}
	st, err := os.Stat(l.file.Path)
	if err != nil || st.Mode().Perm()&0o077 == 0 {
		return
	}
	key := "password"
	if p.Password == "" {
		key = "url"
	}
	path := []string{"profiles", name, key}
	l.warnings = append(l.warnings, l.at(l.token(keyOf, path...), fmt.Sprintf(
		"%s: a password is written in this file, which others can read (mode %04o): chmod 600 %s, or use passwordEnv or passwordCommand",
		strings.Join(path, "."), st.Mode().Perm(), l.file.Path)))
}

func (l *loader) checkTheme() {
	t := l.file.Theme
	switch t.Mode {
	case "", "auto", "dark", "light":
	default:
		path := []string{"theme"}
		if _, long := l.find("theme").(ast.MapNode); long {
			path = append(path, "mode")
		}
		l.problem(valueOf, fmt.Sprintf("%q is not a theme: dark, light or auto", t.Mode), path...)
	}
	known := styles.ColorNames()
	for _, name := range mapKeys(l.find("theme", "colors")) {
		if !slices.Contains(known, name) {
			msg := fmt.Sprintf("no colour named %q (colours: %s)", name, strings.Join(known, ", "))
			l.problem(keyOf, msg, "theme", "colors", name)
			continue
		}
		if _, err := styles.ParseColor(t.Colors[name]); err != nil {
			l.problem(valueOf, err.Error(), "theme", "colors", name)
		}
	}
}

func (l *loader) checkKeys(checkKeys KeyCheck) {
	order := mapKeys(l.find("keys"))
	shaped := true
	for _, action := range order {
		keys := l.file.Keys[action]
		if len(keys) == 0 {
			l.problem(keyOf, "no key given: write a list such as [c, space]", "keys", action)
			shaped = false
		}
		for i, k := range keys {
			if strings.TrimSpace(k) == "" {
				l.problems = append(l.problems, l.at(l.token(keyOf, "keys", action), fmt.Sprintf("keys.%s[%d]: an empty key", action, i)))
				shaped = false
			}
		}
	}
	if checkKeys == nil || !shaped || len(order) == 0 {
		return
	}
	if err := checkKeys(l.file.Keys); err != nil {
		// The last action the error names, in the file's order, is the
		// one that made the clash.
		place := l.token(keyOf, "keys")
		for _, action := range order {
			if mentions(err.Error(), action) {
				place = l.token(keyOf, "keys", action)
			}
		}
		l.problems = append(l.problems, l.at(place, err.Error()))
	}
}

// mentions tells whether msg names the action as a word of its own: ack
// is not mentioned by "ack-and-claim".
func mentions(msg, action string) bool {
	isNamePart := func(r byte) bool {
		return r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
	}
	for i := 0; ; {
		j := strings.Index(msg[i:], action)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(action)
		if (start == 0 || !isNamePart(msg[start-1])) && (end == len(msg) || !isNamePart(msg[end])) {
			return true
		}
		i = start + 1
	}
}
