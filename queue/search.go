package queue

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/valkey-io/valkey-go"
)

// Search finds entries whose name, email or message contains a text,
// across the whole stream, newest first. The server looks at
// SearchChunk entries per call and returns only the matches (values cut
// to PreviewBytes), so no call reads more than a page-sized slice however
// long the stream, and the client goes on chunk by chunk from a cursor.
//
// Matching: ASCII letters match whatever their case ("ADA" finds "Ada").
// Other letters match as typed, all in lower case or all in upper case
// ("crème" finds "Crème", "CRÈME" and "crème", not "crÈme"): servers' Lua
// lowers ASCII only, and the embedded server's would lower all of Unicode,
// so reviewq lowers ASCII itself on both and sends those three forms.

// SearchChunk is how many entries one search call looks at, at most.
const SearchChunk = 500

// DefaultSearchLimit is how many matches Search stops at when the query
// says nothing.
const DefaultSearchLimit = 50

// SearchQuery is one search.
type SearchQuery struct {
	Text string
	// Limit stops the search after this many matches: DefaultSearchLimit
	// when zero, no limit when negative.
	Limit int
	// Before is the exclusive cursor: search entries older than this ID
	// (a SearchPage's Next); "" from the newest.
	Before string
}

// SearchPage is what a search found, newest first, with each entry's state
// as a stream page has it.
type SearchPage struct {
	Entries []StreamEntry
	// Scanned counts the entries looked at.
	Scanned int64
	// Next is the cursor to go on from (SearchQuery.Before); "" when the
	// search reached the stream's oldest entry.
	Next string
}

// SearchProgress reports a search under way, after each chunk.
type SearchProgress struct {
	Scanned int64 // entries looked at so far
	Total   int64 // the stream's length when the search started
	Found   int   // matches so far
}

// Search searches from q.Before back to the start of the stream, chunk by
// chunk, until Limit matches. progress, when not nil, hears after each
// chunk. When ctx ends between chunks (the reviewer pressed esc) it
// returns what it found so far, with Next set to go on, and ctx's error
// (errors.Is(err, context.Canceled)).
func (c *Client) Search(ctx context.Context, q SearchQuery, progress func(SearchProgress)) (SearchPage, error) {
	needles, err := searchNeedles(q.Text)
	if err != nil {
		return SearchPage{}, err
	}
	limit := q.Limit
	if limit == 0 {
		limit = DefaultSearchLimit
	}
	var total int64
	if progress != nil {
		lctx, cancel := c.deadline(ctx)
		err := idempotent(lctx, func() (err error) {
			total, err = c.vk.Do(lctx, c.vk.B().Xlen().Key(c.cfg.Stream).Build()).AsInt64()
			return err
		})
		cancel()
		if err != nil {
			return SearchPage{}, wrap("search", err)
		}
	}
	var out SearchPage
	cursor := q.Before
	for {
		if err := ctx.Err(); err != nil {
			out.Next = cursor
			return out, err
		}
		page, err := c.searchChunk(ctx, needles, cursor)
		if err != nil {
			out.Next = cursor
			return out, err
		}
		out.Scanned += page.Scanned
		for _, e := range page.Entries {
			if limit > 0 && len(out.Entries) == limit {
				// Go on after the last match kept; the rest of this chunk
				// is looked at again.
				out.Next = out.Entries[len(out.Entries)-1].ID
				report(progress, out, total)
				return out, nil
			}
			out.Entries = append(out.Entries, e)
		}
		cursor = page.Next
		report(progress, out, total)
		if cursor == "" || (limit > 0 && len(out.Entries) == limit) {
			out.Next = cursor
			return out, nil
		}
	}
}

func report(progress func(SearchProgress), p SearchPage, total int64) {
	if progress != nil {
		progress(SearchProgress{Scanned: p.Scanned, Total: max(total, p.Scanned), Found: len(p.Entries)})
	}
}

// SearchOnce looks at one chunk (SearchChunk entries, from q.Before back):
// one bounded server call, for a console that drives the search itself,
// one command at a time. Limit is not applied.
func (c *Client) SearchOnce(ctx context.Context, q SearchQuery) (SearchPage, error) {
	needles, err := searchNeedles(q.Text)
	if err != nil {
		return SearchPage{}, err
	}
	return c.searchChunk(ctx, needles, q.Before)
}

var errEmptySearch = errors.New("nothing to search for")

// searchNeedles are the forms of the text the server looks for, lowered as
// the script lowers values (ASCII only): as typed, in lower case and in
// upper case.
func searchNeedles(text string) ([]string, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, opError("search", ErrConfig, errEmptySearch)
	}
	if !utf8.ValidString(text) {
		return nil, opError("search", ErrConfig, fmt.Errorf("not UTF-8 text"))
	}
	var needles []string
	for _, form := range []string{text, strings.ToLower(text), strings.ToUpper(text)} {
		n := asciiLower(form)
		if !contains(needles, n) {
			needles = append(needles, n)
		}
	}
	return needles, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// asciiLower lowers A-Z and nothing else, as searchScript does.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// searchReply is what search.lua found in one chunk.
type searchReply struct {
	entries []StreamEntry
	pending map[string]PendingEntry // the matches that are pending
	records []string                // each match's outcome record, "" for none
	waits   map[string]Wait         // the matches that wait
	scanned int64                   // entries looked at
	last    string                  // the last ID looked at, "" for none
}

// parseSearchReply reads search.lua's reply.
func parseSearchReply(msg valkey.ValkeyMessage) (searchReply, error) {
	found := searchReply{pending: map[string]PendingEntry{}, waits: map[string]Wait{}}
	r := newReply("search", msg, 3)
	r.rows(0, 5, func(m *reply) {
		e := parseCutEntry(m.sub(0, 3))
		if owner := m.str(1); owner != "" {
			found.pending[e.ID] = PendingEntry{ID: e.ID, Consumer: owner, Deliveries: m.int(2)}
		}
		found.records = append(found.records, m.str(3))
		// {} when it does not wait, else a row of page.lua's waits.
		switch w := m.sub(4, -1); len(w.parts) {
		case 0:
		case 7:
			found.waits[w.id(0)] = parseWait(w, 1)
		default:
			w.fail("%s: %d parts, want 0 or 7", w.path, len(w.parts))
		}
		found.entries = append(found.entries, e)
	})
	found.scanned, found.last = r.int(1), r.optionalID(2)
	return found, r.err()
}

// searchScript looks at one chunk of the stream for the needles: see
// lua/search.lua.
var searchScript = newScript("search.lua", luaIDs, luaRecordLookup, luaRecords, luaDeadLetter, luaWaiting)

func (c *Client) searchChunk(ctx context.Context, needles []string, before string) (SearchPage, error) {
	from := "+"
	if before != "" {
		p, err := ParseID(before)
		if err != nil {
			return SearchPage{}, opError("search", ErrInvalidID, fmt.Errorf("%q", before))
		}
		prev, ok := p.Prev()
		if !ok {
			return SearchPage{}, nil
		}
		from = prev.String()
	}
	ctx, cancel := c.deadline(ctx)
	defer cancel()
	var page StreamPage
	var scanned int64
	var last string
	_, err := c.withGroup(ctx, func() error {
		type groupReply struct {
			info groupReport
			err  error
		}
		group := make(chan groupReply, 1)
		go func() {
			var r groupReply
			r.info, r.err = c.groupInfo(ctx)
			group <- r
		}()
		var msg valkey.ValkeyMessage
		err := idempotent(ctx, func() (err error) {
			msg, err = searchScript.exec(ctx, c.vk, []string{c.cfg.Stream, c.outcomes, c.waiting, c.snoozed, c.backoff},
				append([]string{c.cfg.Group, from, strconv.Itoa(SearchChunk), strconv.Itoa(PreviewBytes)}, needles...))
			return err
		})
		g := <-group
		if err != nil {
			return err
		}
		if g.err != nil {
			return g.err
		}
		found, err := parseSearchReply(msg)
		if err != nil {
			return err
		}
		scanned, last = found.scanned, found.last
		page = StreamPage{LastDelivered: g.info.LastDelivered, Start: g.info.Start, Entries: found.entries}
		return page.settleStates(found.pending, found.records, found.waits)
	})
	if err != nil {
		return SearchPage{}, wrap("search", err)
	}
	out := SearchPage{Entries: page.Entries, Scanned: scanned}
	if scanned == SearchChunk {
		out.Next = last
	}
	return out, nil
}
