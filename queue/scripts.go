package queue

import (
	"context"
	"crypto/sha1"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/valkey-io/valkey-go"
)

// Every change that takes more than one command is a Lua script: atomic, and
// one round trip. Scripts never call TIME; the caller passes "now" so tests
// can fix the clock and replicas see the same value.
//
// Each script is a file of its own in lua/, its KEYS, ARGV and reply
// written in its header; the Go variable that runs it sits beside the
// method that calls it and names the preludes it runs after: files of
// helper functions shared by several scripts (lua/ids.lua, group.lua,
// record_lookup.lua, records.lua, dead_letter.lua, waiting.lua). The server gets the
// preludes and the script joined in that order, and an error's line is
// mapped back to the file it is in (see scriptError).

//go:embed lua/*.lua
var luaFiles embed.FS

// The reply tags and modes the scripts and the Go side share (see
// luaConstants). A tagged reply's first part says its shape.
const (
	tagOK         = "ok"
	tagNotPending = "notpending"
	tagHeld       = "held"
	tagDeleted    = "deleted" // still pending, but deleted from the stream
	tagGone       = "gone"    // neither pending nor in the stream
	tagMissing    = "missing" // no such dead letter
	tagEmpty      = "empty"   // a dead letter without content; a claim with nothing to claim
	tagRegroup    = "regroup" // the stream's groups are not those the caller named

	// A claim's kinds, besides tagEmpty.
	claimNew       = "new"
	claimReclaimed = "reclaimed"
	claimReleased  = "released"

	// touch.lua's modes, and replay.lua's.
	modeKeep    = "keep"
	modeRelease = "release"
	modeCount   = "count"
	modeCopy    = "copy"

	// trim.lua's and trim_dead.lua's mode besides modeCount; lock.lua's
	// modes besides modeRelease.
	modeTrim  = "trim"
	modeTake  = "take"
	modeRenew = "renew"
)

// luaConstants are the strings and numbers the scripts share with the Go
// side: the scripts are composed with each written where __NAME__ stands in
// their source (a Lua name, so that every file parses as Lua on its own),
// so each is typed once, here, and the two sides cannot drift apart.
var luaConstants = map[string]string{
	"KIND_CLAIMED":            strconv.Quote(recordClaimed),
	"KIND_RELEASED":           strconv.Quote(recordReleased),
	"KIND_ACKED":              strconv.Quote(recordAcked),
	"KIND_DEAD":               strconv.Quote(recordDead),
	"KIND_SNOOZED":            strconv.Quote(recordSnoozed),
	"KIND_WAITING":            strconv.Quote(recordWaiting),
	"ACT_SNOOZES":             strconv.Quote(activitySnoozes),
	"ACT_RETRIES":             strconv.Quote(activityRetries),
	"ACT_ACKS":                strconv.Quote(activityAcks),
	"ACT_DEAD":                strconv.Quote(activityDead),
	"ACT_ACK":                 strconv.Quote(activityAck),
	"ACT_DEAD_BY":             strconv.Quote(activityDeadBy),
	"ACTIVITY_TTL_MS":         strconv.FormatInt(activityTTL.Milliseconds(), 10),
	"HIST_SUB":                strconv.Itoa(histogramSteps),
	"REASON_DELETED":          strconv.Quote(ReasonDeleted),
	"REASON_MAX_DELIVERIES":   strconv.Quote(ReasonMaxDeliveries),
	"RELEASED_STALE_MAX":      strconv.Itoa(releasedStaleMax),
	"TRIM_EVERY":              strconv.Itoa(outcomeTrimEvery),
	"RECORDS_PER_BUCKET":      strconv.Itoa(recordsPerBucket),
	"RECORD_BUCKET_VALUE":     strconv.Itoa(recordBucketValue),
	"TRIM_STEP":               strconv.Itoa(outcomeTrimStep),
	"CLAIM_UNUSABLE":          strconv.Itoa(claimBudget),
	"CLAIM_HEAD_ROWS":         strconv.Itoa(claimHeadRows),
	"CLAIM_BUDGET":            strconv.Itoa(claimSweepSteps),
	"CLAIM_WINDOW":            strconv.Itoa(claimWindow),
	"CLAIM_CURSOR_TTL_MS":     strconv.FormatInt(claimCursorTTL.Milliseconds(), 10),
	"PROMOTE_BATCH":           strconv.Itoa(promoteBatch),
	"FIELD_NAME":              strconv.Quote(FieldName),
	"FIELD_EMAIL":             strconv.Quote(FieldEmail),
	"FIELD_MESSAGE":           strconv.Quote(FieldMessage),
	"FIELD_REPLAY_OF":         strconv.Quote(FieldReplayOf),
	"FIELD_SNOOZE_OF":         strconv.Quote(FieldSnoozeOf),
	"FIELD_SNOOZE_BY":         strconv.Quote(FieldSnoozeBy),
	"FIELD_SNOOZE_UNTIL":      strconv.Quote(FieldSnoozeUntil),
	"FIELD_SNOOZE_DELIVERIES": strconv.Quote(FieldSnoozeDeliveries),
	"FIELD_RETRY_OF":          strconv.Quote(FieldRetryOf),
	"FIELD_RETRY_BY":          strconv.Quote(FieldRetryBy),
	"FIELD_RETRY_UNTIL":       strconv.Quote(FieldRetryUntil),
	"FIELD_RETRY_DELIVERIES":  strconv.Quote(FieldRetryDeliveries),
	"FIELD_RETRY_AFTER":       strconv.Quote(FieldRetryAfter),
	"WAIT_SNOOZED":            strconv.Quote(string(WaitSnoozed)),
	"WAIT_BACKOFF":            strconv.Quote(string(WaitBackoff)),
	"WAIT_SCHEDULED":          strconv.Quote(string(WaitScheduled)),
	"WAIT_LIST_GROUP":         strconv.Quote(waitListGroup),
	"WAIT_LIST_SCHEDULED":     strconv.Quote(waitListScheduled),
	"WHY_RELEASED":            strconv.Quote(AfterRelease),
	"WHY_RECLAIMED":           strconv.Quote(AfterReclaim),
	"ARRIVALS_CURSOR":         strconv.Quote(arrivalsCursorField),
	"DEAD_ID":                 strconv.Quote(deadFieldID),
	"DEAD_REASON":             strconv.Quote(deadFieldReason),
	"DEAD_DELIVERIES":         strconv.Quote(deadFieldDeliveries),
	"DEAD_CONSUMER":           strconv.Quote(deadFieldConsumer),
	"DEAD_AT":                 strconv.Quote(deadFieldAt),
	"DEAD_META_FIELDS":        strconv.Itoa(deadMetaFields),
	"START_UNKNOWN":           strconv.Quote(groupStartUnknown),
	"TAG_OK":                  strconv.Quote(tagOK),
	"TAG_NOT_PENDING":         strconv.Quote(tagNotPending),
	"TAG_HELD":                strconv.Quote(tagHeld),
	"TAG_DELETED":             strconv.Quote(tagDeleted),
	"TAG_GONE":                strconv.Quote(tagGone),
	"TAG_MISSING":             strconv.Quote(tagMissing),
	"TAG_EMPTY":               strconv.Quote(tagEmpty),
	"CLAIM_NEW":               strconv.Quote(claimNew),
	"CLAIM_RECLAIMED":         strconv.Quote(claimReclaimed),
	"CLAIM_RELEASED":          strconv.Quote(claimReleased),
	"MODE_KEEP":               strconv.Quote(modeKeep),
	"MODE_RELEASE":            strconv.Quote(modeRelease),
	"MODE_COUNT":              strconv.Quote(modeCount),
	"MODE_COPY":               strconv.Quote(modeCopy),
	"MODE_TRIM":               strconv.Quote(modeTrim),
	"MODE_TAKE":               strconv.Quote(modeTake),
	"MODE_RENEW":              strconv.Quote(modeRenew),
	"TAG_REGROUP":             strconv.Quote(tagRegroup),
}

var luaConstant = regexp.MustCompile(`__([A-Z][A-Z0-9_]*)__`)

// A luaPrelude is a file of helpers that scripts run after. It names the
// preludes it needs before it, so that a script listing them in the wrong
// order, or leaving one out, fails when the package loads.
type luaPrelude struct {
	file  string
	needs []*luaPrelude
}

var (
	luaIDs          = &luaPrelude{file: "ids.lua"}
	luaGroup        = &luaPrelude{file: "group.lua", needs: []*luaPrelude{luaIDs}}
	luaRecordLookup = &luaPrelude{file: "record_lookup.lua", needs: []*luaPrelude{luaIDs}}
	luaRecords      = &luaPrelude{file: "records.lua", needs: []*luaPrelude{luaIDs, luaRecordLookup}}
	luaDeadLetter   = &luaPrelude{file: "dead_letter.lua", needs: []*luaPrelude{luaRecords}}
	luaWaiting      = &luaPrelude{file: "waiting.lua", needs: []*luaPrelude{luaRecords, luaDeadLetter}}
)

// luaScript is one script as the server runs it: its preludes and its own
// file joined, constants written in, with a table of where each file
// starts so that an error's line can be mapped back to its file.
type luaScript struct {
	name   string // the script's own file
	source string
	sha    string
	parts  []luaPart // in the order of source
	lua    *valkey.Lua
}

// luaPart is one file of a composed script: its first line in the
// script's source.
type luaPart struct {
	file  string
	first int
}

// newScript composes the script in lua/file after the given preludes. A
// missing file, an unknown constant or preludes out of order are
// programming errors, caught when the package loads.
func newScript(file string, preludes ...*luaPrelude) *luaScript {
	return composeScript(file, luaFile(file), preludes...)
}

// composeScript is newScript for a body given as text, named name.
func composeScript(name, body string, preludes ...*luaPrelude) *luaScript {
	var src strings.Builder
	s := &luaScript{name: name}
	line := 1
	add := func(file, text string) {
		if !strings.HasSuffix(text, "\n") {
			text += "\n"
		}
		s.parts = append(s.parts, luaPart{file: file, first: line})
		line += strings.Count(text, "\n")
		src.WriteString(text)
	}
	seen := map[*luaPrelude]bool{}
	for _, p := range preludes {
		for _, n := range p.needs {
			if !seen[n] {
				panic(fmt.Sprintf("queue: %s: %s needs %s before it", name, p.file, n.file))
			}
		}
		seen[p] = true
		add(p.file, luaFile(p.file))
	}
	add(name, body)
	// The constants are written within their line, so the line table
	// holds.
	s.source = luaConstant.ReplaceAllStringFunc(src.String(), func(m string) string {
		v, ok := luaConstants[m[2:len(m)-2]]
		if !ok {
			panic(fmt.Sprintf("queue: %s: no script constant %s", name, m))
		}
		return v
	})
	s.source = pruneHelpers(s.source, s.parts[len(s.parts)-1].first)
	s.sha = scriptSHA(s.source)
	s.lua = valkey.NewLuaScript(s.source)
	return s
}

// pruneHelpers blanks out the helper functions of the preludes (the lines
// before line body) that nothing else left in the script names: the server
// runs a script's whole source on every call, and each "local function"
// there is a closure made anew each time, used or not. A helper is a
// prelude line "local function name(" through the next line that is
// "end" alone (or that line itself, when it ends with " end"); a name in a
// comment does not count. Its lines are left empty, not taken out, so the
// line table holds.
func pruneHelpers(source string, body int) string {
	lines := strings.Split(source, "\n")
	type helper struct {
		name        string
		first, last int
	} // 0-based, inclusive
	var helpers []helper
	for i := 0; i < body-1 && i < len(lines); i++ {
		rest, ok := strings.CutPrefix(lines[i], "local function ")
		name, _, paren := strings.Cut(rest, "(")
		if !ok || !paren || !isLuaName(name) {
			continue
		}
		last := i
		if !strings.HasSuffix(lines[i], " end") {
			for last = i + 1; last < len(lines) && lines[last] != "end"; last++ {
			}
			if last == len(lines) {
				break
			}
		}
		helpers = append(helpers, helper{name, i, last})
		i = last
	}
	// Where each helper's name is used, by line, comments left out.
	uses := map[string][]int{}
	for _, h := range helpers {
		uses[h.name] = nil
	}
	for i, l := range lines {
		if j := strings.Index(l, "--"); j >= 0 {
			l = l[:j]
		}
		for _, w := range luaNames(l) {
			if list, ok := uses[w]; ok && (len(list) == 0 || list[len(list)-1] != i) {
				uses[w] = append(list, i)
			}
		}
	}
	gone := make([]bool, len(lines))
	for changed := true; changed; {
		changed = false
		for _, h := range helpers {
			if gone[h.first] {
				continue
			}
			used := false
			for _, i := range uses[h.name] {
				if (i < h.first || i > h.last) && !gone[i] {
					used = true
					break
				}
			}
			if !used {
				for i := h.first; i <= h.last; i++ {
					gone[i] = true
				}
				changed = true
			}
		}
	}
	for i := range lines {
		if gone[i] {
			lines[i] = ""
		}
	}
	return strings.Join(lines, "\n")
}

func isLuaName(s string) bool { return s != "" && len(luaNames(s)) == 1 && luaNames(s)[0] == s }

// luaNames are the names (identifiers) in a line of Lua, in order.
func luaNames(l string) []string {
	var out []string
	for i := 0; i < len(l); {
		c := l[i]
		if c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
			j := i + 1
			for j < len(l) && (l[j] == '_' || l[j] >= 'a' && l[j] <= 'z' || l[j] >= 'A' && l[j] <= 'Z' || l[j] >= '0' && l[j] <= '9') {
				j++
			}
			out = append(out, l[i:j])
			i = j
			continue
		}
		if c >= '0' && c <= '9' {
			for i < len(l) && (l[i] == '_' || l[i] == '.' || l[i] >= 'a' && l[i] <= 'z' || l[i] >= 'A' && l[i] <= 'Z' || l[i] >= '0' && l[i] <= '9') {
				i++
			}
			continue
		}
		i++
	}
	return out
}

func luaFile(file string) string {
	b, err := luaFiles.ReadFile("lua/" + file)
	if err != nil {
		panic("queue: " + err.Error())
	}
	return string(b)
}

// exec runs the script (EVALSHA, and EVAL when the server does not have
// it yet) and returns its reply, or its error with the lines it names
// mapped back to their files.
func (s *luaScript) exec(ctx context.Context, vk valkey.Client, keys, args []string) (valkey.ValkeyMessage, error) {
	msg, err := s.lua.Exec(ctx, vk, keys, args).ToMessage()
	if valkey.IsValkeyNil(err) {
		return msg, nil // Lua's nil or false: the reply decoder judges it
	}
	return msg, s.locate(err)
}

// scriptLine finds a line number the server gives for a script: Redis and
// Valkey say "user_script:12"; miniredis (gopher-lua) names the line the
// script's main chunk was at in its traceback, ":12: in main chunk".
var scriptLine = regexp.MustCompile(`user_script:(\d+)|:(\d+): in main chunk`)

// scriptError is a script's error as the server gave it, with each line it
// names written as the file and line it is in ("records.lua:57").
type scriptError struct {
	script string // the script's own file
	at     string // the first line named, as file:line; "" when none
	msg    string // the server's message, lines mapped
	err    error  // the server's error
}

func (e *scriptError) Error() string { return e.script + ": " + e.msg }

func (e *scriptError) Unwrap() error { return e.err }

// locate maps the lines a server error names to their files.
func (s *luaScript) locate(err error) error {
	var verr *valkey.ValkeyError
	if err == nil || !errors.As(err, &verr) {
		return err
	}
	se := &scriptError{script: s.name, err: err}
	se.msg = scriptLine.ReplaceAllStringFunc(err.Error(), func(m string) string {
		sub := scriptLine.FindStringSubmatch(m)
		n, convErr := strconv.Atoi(sub[1] + sub[2])
		at := s.fileLine(n)
		if convErr != nil || at == "" {
			return m
		}
		if se.at == "" {
			se.at = at
		}
		if sub[1] != "" {
			return at
		}
		return at + ": in main chunk"
	})
	return se
}

// fileLine is line n of the composed source as file:line; "" when n is
// not one of its lines.
func (s *luaScript) fileLine(n int) string {
	lines := strings.Count(s.source, "\n")
	if n < 1 || n > lines {
		return ""
	}
	i := len(s.parts) - 1
	for s.parts[i].first > n {
		i--
	}
	return s.parts[i].file + ":" + strconv.Itoa(n-s.parts[i].first+1)
}

func scriptSHA(src string) string {
	sum := sha1.Sum([]byte(src))
	return hex.EncodeToString(sum[:])
}

// cmd is the script as a command for a pipeline: EVALSHA, which cannot
// fall back to EVAL there (see doWithScripts).
func (s *luaScript) cmd(vk valkey.Client, keys, args []string) valkey.Completed {
	return vk.B().Evalsha().Sha1(s.sha).Numkeys(int64(len(keys))).Key(keys...).Arg(args...).Build()
}

// doWithScripts sends a pipeline that runs scripts by their SHA (see cmd):
// when the server does not have one (NOSCRIPT: it restarted, or failed
// over), it loads them and sends the pipeline again, built afresh (a
// command is recycled once sent), once.
func (c *Client) doWithScripts(ctx context.Context, scripts []*luaScript, build func() valkey.Commands) []valkey.ValkeyResult {
	r := c.vk.DoMulti(ctx, build()...)
	for _, res := range r {
		var verr *valkey.ValkeyError
		if errors.As(res.Error(), &verr) && verr.IsNoScript() {
			for _, s := range scripts {
				if err := c.loadScript(ctx, s); err != nil {
					return r
				}
			}
			return c.vk.DoMulti(ctx, build()...)
		}
	}
	return r
}

// loadScript loads a script on every node, so that EVALSHA in a pipeline
// finds it.
func (c *Client) loadScript(ctx context.Context, s *luaScript) error {
	for _, n := range c.vk.Nodes() {
		if err := n.Do(ctx, n.B().ScriptLoad().Script(s.source).Build()).Error(); err != nil {
			return err
		}
	}
	return nil
}
