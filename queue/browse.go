package queue

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/valkey-io/valkey-go"
)

// PreviewBytes is how much of each value a page carries; Get reads an entry
// in full.
const PreviewBytes = 512

// PendingQuery selects one page of the pending list.
type PendingQuery struct {
	After    string        // exclusive cursor: the last ID of the previous page; "" from the start
	Count    int           // page size; 50 when zero
	Consumer string        // only this consumer's entries
	MinIdle  time.Duration // only entries idle at least this long (a bounded scan; see ScanLimit)
	// ScanLimit bounds how many pending entries one call looks at to find
	// entries idle at least MinIdle: DefaultPendingScan when zero. A call
	// stops at the limit even with the page short or empty, and its Next
	// goes on from there.
	ScanLimit int
}

// DefaultPendingScan is how many pending entries one PendingPage call with
// MinIdle looks at, at most. The server reads them in steps of
// pendingScanStep rows, so no server call walks the whole list (XPENDING
// IDLE over an open range does, when few entries are idle: 87 ms at a
// million) and none takes more than about half a millisecond.
const DefaultPendingScan = 20_000

const pendingScanStep = 2_000

// PendingEntry is one row of the pending list.
type PendingEntry struct {
	ID       string
	Consumer string
	Idle     time.Duration
	// Deliveries counts those of the pending list, and those an entry
	// back from a wait carries from before it (Entry.Returned).
	Deliveries int64
	// Entry holds a preview of the entry's fields (values cut to
	// PreviewBytes); nil when the entry was deleted from the stream while
	// pending.
	Entry *Entry
}

// PendingPage is a page of the pending list and the cursor of the next one.
type PendingPage struct {
	Entries []PendingEntry
	Next    string // "" when this is the last page

	// With MinIdle, how far the bounded scan got: Scanned pending entries
	// were looked at (idle or not) after the query's After, up to and
	// including Next, out of Pending in all (the group's, or Consumer's,
	// when the page was read). With Next set the page may be short, even
	// empty: the scan stopped at ScanLimit, not at the end of the list;
	// ask again with After: Next to go on, and add up Scanned to say
	// "scanned 40,000 of 1,000,000". Both are zero without MinIdle.
	Scanned int64
	Pending int64

	// Waiting are the group's messages that wait out of the pending list
	// (snoozed, or backing off before a retry), soonest due first, at most
	// Count, on the first page of an unfiltered query (no After, Consumer
	// or MinIdle); WaitingTotal counts them all.
	Waiting      []WaitingEntry
	WaitingTotal int64
}

// PendingPage reads one page of the pending list with XPENDING's extended
// form, then the page's entries for their previews: two round trips,
// whatever the size of the list. With MinIdle it scans in bounded steps
// instead (see PendingQuery.ScanLimit). A missing group is created again (it
// has nothing pending then).
func (c *Client) PendingPage(ctx context.Context, q PendingQuery) (PendingPage, error) {
	ctx, cancel := c.deadline(ctx)
	defer cancel()
	var page PendingPage
	_, err := c.withGroup(ctx, func() (err error) {
		page, err = c.pendingPage(ctx, q)
		return err
	})
	return page, err
}

func (c *Client) pendingPage(ctx context.Context, q PendingQuery) (PendingPage, error) {
	if q.Count <= 0 {
		q.Count = 50
	}
	start := "-"
	if q.After != "" {
		id, err := ParseID(q.After)
		if err != nil {
			return PendingPage{}, opError("pending", ErrInvalidID, fmt.Errorf("%q", q.After))
		}
		next, ok := id.Next()
		if !ok {
			return PendingPage{}, nil
		}
		start = next.String()
	}
	ctx, cancel := c.deadline(ctx)
	defer cancel()
	type waitingReply struct {
		list  []WaitingEntry
		total int64
		err   error
	}
	waiting := make(chan waitingReply, 1)
	if q.After == "" && q.Consumer == "" && q.MinIdle <= 0 {
		// Sent beside the first call, so it shares its round trip.
		go func() {
			var r waitingReply
			r.list, r.total, r.err = c.waits(ctx, waitListGroup, q.Count)
			waiting <- r
		}()
	} else {
		waiting <- waitingReply{}
	}
	var page PendingPage
	err := idempotent(ctx, func() (err error) {
		if q.MinIdle > 0 {
			page, err = c.pendingIdle(ctx, q, start)
		} else {
			page, err = c.pendingRows(ctx, q, start)
		}
		return err
	})
	w := <-waiting
	if err == nil {
		err = w.err
	}
	if err != nil {
		return PendingPage{}, wrap("pending", err)
	}
	page.Waiting, page.WaitingTotal = w.list, w.total
	if len(page.Entries) == 0 {
		return page, nil
	}
	ids := make([]string, len(page.Entries))
	for i, e := range page.Entries {
		ids[i] = e.ID
	}
	var previews map[string]Entry
	err = idempotent(ctx, func() (err error) {
		previews, err = c.previews(ctx, ids)
		return err
	})
	if err != nil {
		return PendingPage{}, wrap("pending", err)
	}
	for i := range page.Entries {
		if e, ok := previews[page.Entries[i].ID]; ok {
			page.Entries[i].Entry = &e
			page.Entries[i].Deliveries += carried(e)
		}
	}
	return page, nil
}

// carried is how many deliveries an entry back from a wait carries from
// before it (Return.Deliveries); 0 for others. The pending list counts
// only its own.
func carried(e Entry) int64 {
	if r := e.Returned(); r != nil {
		return r.Deliveries
	}
	return 0
}

// pendingRows reads one page of rows, Count of them from start.
func (c *Client) pendingRows(ctx context.Context, q PendingQuery, start string) (PendingPage, error) {
	rows, err := c.vk.Do(ctx, c.xpending(start, q.Count, q.Consumer)).ToArray()
	if err != nil {
		return PendingPage{}, err
	}
	page := PendingPage{Entries: make([]PendingEntry, 0, len(rows))}
	for _, r := range rows {
		p, err := parsePendingRow(r)
		if err != nil {
			return PendingPage{}, err
		}
		page.Entries = append(page.Entries, p)
	}
	if len(rows) == q.Count {
		page.Next = page.Entries[len(page.Entries)-1].ID
	}
	return page, nil
}

// pendingIdle scans up to ScanLimit pending entries from start, in steps of
// rows read without the IDLE option (a step walks exactly its rows), and
// keeps those idle at least MinIdle. The first step goes with the summary
// form of XPENDING, for the count of the whole.
func (c *Client) pendingIdle(ctx context.Context, q PendingQuery, start string) (PendingPage, error) {
	limit := q.ScanLimit
	if limit <= 0 {
		limit = DefaultPendingScan
	}
	var page PendingPage
	last := ""
	var lastID ID
	for page.Scanned < int64(limit) {
		n := min(pendingScanStep, limit-int(page.Scanned))
		var rows []valkey.ValkeyMessage
		var err error
		if last == "" {
			r := c.vk.DoMulti(ctx, c.xpending(start, n, q.Consumer),
				c.vk.B().Xpending().Key(c.cfg.Stream).Group(c.cfg.Group).Build())
			if page.Pending, err = pendingCount(r[1], q.Consumer); err != nil {
				return PendingPage{}, err
			}
			rows, err = r[0].ToArray()
		} else {
			rows, err = c.vk.Do(ctx, c.xpending(start, n, q.Consumer)).ToArray()
		}
		if err != nil {
			return PendingPage{}, err
		}
		for _, r := range rows {
			p, err := parsePendingRow(r)
			if err != nil {
				return PendingPage{}, err
			}
			page.Scanned++
			last = p.ID
			if lastID, err = ParseID(p.ID); err != nil {
				return PendingPage{}, err
			}
			if p.Idle < q.MinIdle {
				continue
			}
			page.Entries = append(page.Entries, p)
			if len(page.Entries) == q.Count {
				page.Next = p.ID
				return page, nil
			}
		}
		if len(rows) < n {
			return page, nil // the end of the list
		}
		next, ok := lastID.Next()
		if !ok {
			return page, nil
		}
		start = next.String()
	}
	page.Next = last
	return page, nil
}

func (c *Client) xpending(start string, count int, consumer string) valkey.Completed {
	args := []string{c.cfg.Group, start, "+", strconv.Itoa(count)}
	if consumer != "" {
		args = append(args, consumer)
	}
	return c.vk.B().Arbitrary("XPENDING").Keys(c.cfg.Stream).Args(args...).Build()
}

// parsePendingRow reads a row of XPENDING's extended form: {id, consumer,
// idle ms, deliveries}.
func parsePendingRow(m valkey.ValkeyMessage) (PendingEntry, error) {
	r := newReply("pending", m, 4)
	p := PendingEntry{ID: r.id(0), Consumer: r.str(1), Idle: time.Duration(r.int(2)) * time.Millisecond, Deliveries: r.int(3)}
	return p, r.err()
}

// pendingCount reads the summary form of XPENDING: the group's count, or
// one consumer's from its list of consumers with their counts.
func pendingCount(res valkey.ValkeyResult, consumer string) (int64, error) {
	msg, err := res.ToMessage()
	if err != nil {
		return 0, err
	}
	r := newReply("pending", msg, 4)
	total := r.int(0)
	if consumer == "" || total == 0 {
		// With nothing pending the rest is nil.
		return total, r.err()
	}
	var n int64
	r.rows(3, 2, func(kv *reply) {
		if kv.str(0) == consumer {
			n = kv.int(1)
		}
	})
	return n, r.err()
}

// previews reads the given entries with their values cut, in one pipeline.
func (c *Client) previews(ctx context.Context, ids []string) (map[string]Entry, error) {
	cmds := make(valkey.Commands, len(ids))
	for i, id := range ids {
		cmds[i] = c.vk.B().Xrange().Key(c.cfg.Stream).Start(id).End(id).Build()
	}
	out := make(map[string]Entry, len(ids))
	for _, r := range c.vk.DoMulti(ctx, cmds...) {
		msg, err := r.ToMessage()
		if err != nil {
			return nil, err
		}
		entries, err := parseEntries(msg)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			for j := range e.Fields {
				e.Fields[j].Value = cutValue(e.Fields[j].Value)
			}
			out[e.ID] = e
		}
	}
	return out, nil
}

// cutValue trims a value to PreviewBytes without splitting a UTF-8 sequence.
func cutValue(v string) string {
	if len(v) <= PreviewBytes {
		return v
	}
	v = v[:PreviewBytes]
	for i := 0; i < utf8.UTFMax && len(v) > 0; i++ {
		if r, size := utf8.DecodeLastRuneInString(v); r != utf8.RuneError || size != 1 {
			break
		}
		v = v[:len(v)-1]
	}
	return v
}

// State is where an entry stands in the consumer group.
type State int

const (
	StateNew     State = iota // not yet delivered (after the group's last-delivered ID)
	StatePending              // delivered, not acknowledged
	StateAcked                // delivered and acknowledged
	// StateSkipped is an entry at or before the ID the group was created
	// at (the web example's XGROUP CREATE … $, or a mid-stream ID): the
	// group never delivered it. Known only when the group's start is (see
	// GroupInfo.Start); otherwise such entries show as acked.
	StateSkipped
	// StateDeadLettered is an entry moved to the dead-letter stream (by a
	// reviewer's reject or by a claim), as its outcome record says. Once
	// the record is gone (see Config.OutcomeRetention) it shows as acked,
	// which it also is in the group.
	StateDeadLettered
	// StateSnoozed is an entry a reviewer put away until a time, and
	// StateWaiting one released or abandoned that backs off before its
	// retry (see Snooze, Config.RetryBackoff): acknowledged out of the
	// pending list, it waits, and comes back as a new entry when due.
	// StreamEntry.Wait says who, until when.
	StateSnoozed
	StateWaiting
	// StateReturned is such an entry after its wait: it came back as a new
	// entry (StreamEntry.Wait.BackAs), which is where its fate is.
	StateReturned
)

func (s State) String() string {
	switch s {
	case StatePending:
		return "pending"
	case StateAcked:
		return "acked"
	case StateSkipped:
		return "skipped"
	case StateDeadLettered:
		return "dead-lettered"
	case StateSnoozed:
		return string(WaitSnoozed)
	case StateWaiting:
		return string(WaitBackoff)
	case StateReturned:
		return "returned"
	}
	return "new"
}

// StreamQuery selects one page of a stream.
type StreamQuery struct {
	// From is the inclusive bound the page starts at: an ID, a bare
	// millisecond time, or "" for the newest end (the oldest end when
	// Forward). Use After/Before for exclusive cursors.
	From    string
	Forward bool // oldest first; newest first by default
	Count   int  // 50 when zero
}

// After is the exclusive cursor for the page after id going forward.
func After(id string) (string, bool) {
	p, err := ParseID(id)
	if err != nil {
		return "", false
	}
	n, ok := p.Next()
	return n.String(), ok
}

// Before is the exclusive cursor for the page before id going backward.
func Before(id string) (string, bool) {
	p, err := ParseID(id)
	if err != nil {
		return "", false
	}
	n, ok := p.Prev()
	return n.String(), ok
}

// StreamEntry is one row of a stream page.
type StreamEntry struct {
	Entry           // values cut to PreviewBytes
	Cut        bool // some value was cut
	State      State
	Consumer   string // who holds it, when pending
	Deliveries int64
	// Outcome says who acked or dead-lettered it, when and why, for the
	// states acked and dead-lettered; nil when nobody recorded it (an ack
	// by another program, such as the web example's plain XACK, or a
	// record past its retention): "acked" without a name.
	Outcome *Outcome
	// Released is set on a pending entry its holder handed back, until the
	// next claim takes it.
	Released *Release
	// Wait is set for the states snoozed, waiting and returned: who put it
	// away, until when, and what it came back as.
	Wait *Wait
}

// StreamPage is one page of the stream.
type StreamPage struct {
	Entries       []StreamEntry
	LastDelivered string // the group's last-delivered ID
	// Start is the ID the group was created at, "" when unknown (see
	// GroupInfo.Start); entries up to it that are not pending are skipped.
	Start string
	// Scheduled are the messages added for later, soonest due first, at
	// most the page's count, on the page at the newest end (no From,
	// newest first): they are not in the stream yet, and will be added
	// after its newest entry. ScheduledTotal counts them all.
	Scheduled      []WaitingEntry
	ScheduledTotal int64
}

// StreamPage reads one page of the stream with each entry's state: one
// script call (entries and their pending rows) and, at the same time, the
// group's last-delivered ID and recorded start. valkey-go pipelines the
// concurrent calls, so a page costs one round trip whatever the stream's
// length. A missing group is created again.
func (c *Client) StreamPage(ctx context.Context, q StreamQuery) (StreamPage, error) {
	ctx, cancel := c.deadline(ctx)
	defer cancel()
	var page StreamPage
	_, err := c.withGroup(ctx, func() (err error) {
		page, err = c.streamPage(ctx, q)
		return err
	})
	return page, err
}

func (c *Client) streamPage(ctx context.Context, q StreamQuery) (StreamPage, error) {
	type groupReply struct {
		info groupReport
		err  error
	}
	group := make(chan groupReply, 1)
	go func() {
		var r groupReply
		r.err = idempotent(ctx, func() (err error) {
			r.info, err = c.groupInfo(ctx)
			return err
		})
		group <- r
	}()
	type scheduledReply struct {
		list  []WaitingEntry
		total int64
		err   error
	}
	scheduled := make(chan scheduledReply, 1)
	if q.From == "" && !q.Forward {
		// Sent beside the page, so it shares its round trip.
		go func() {
			var r scheduledReply
			r.list, r.total, r.err = c.waits(ctx, waitListScheduled, q.pageSize())
			scheduled <- r
		}()
	} else {
		scheduled <- scheduledReply{}
	}
	entries, pending, records, waits, err := c.page(ctx, c.cfg.Stream, c.cfg.Group, q)
	g, sch := <-group, <-scheduled
	if err != nil {
		return StreamPage{}, err
	}
	if g.err != nil {
		return StreamPage{}, wrap("stream", g.err)
	}
	if sch.err != nil {
		return StreamPage{}, wrap("stream", sch.err)
	}
	page := StreamPage{LastDelivered: g.info.LastDelivered, Start: g.info.Start, Entries: entries,
		Scheduled: sch.list, ScheduledTotal: sch.total}
	if err := page.settleStates(pending, records, waits); err != nil {
		return StreamPage{}, err
	}
	return page, nil
}

// settleStates gives each entry its state: pending when the pending list
// has it; snoozed or waiting while it waits (waits has it); new after the
// group's last-delivered ID; dead-lettered, acked or returned from a wait
// as its outcome record says; skipped up to the group's start; acked in
// between (by another program: no record says who). records holds each
// entry's record, "" for none.
func (p *StreamPage) settleStates(pending map[string]PendingEntry, records []string, waits map[string]Wait) error {
	last, err := ParseID(p.LastDelivered)
	if err != nil {
		return opError("stream", ErrBadReply, fmt.Errorf("last-delivered-id: %w", err))
	}
	var start *ID // nil when unknown
	if p.Start != "" {
		s, err := ParseID(p.Start)
		if err != nil {
			return opError("stream", ErrBadReply, fmt.Errorf("group start: %w", err))
		}
		start = &s
	}
	for i := range p.Entries {
		e := &p.Entries[i]
		var rec record
		var hasRec bool
		if i < len(records) && records[i] != "" {
			rec, hasRec = parseRecord(records[i])
		}
		if pe, ok := pending[e.ID]; ok {
			e.State, e.Consumer, e.Deliveries = StatePending, pe.Consumer, pe.Deliveries+carried(e.Entry)
			if hasRec && rec.kind == recordReleased && rec.by == pe.Consumer {
				e.Released = &Release{By: rec.by, At: rec.at}
			}
			continue
		}
		if w, ok := waits[e.ID]; ok {
			e.State, e.Wait = StateSnoozed, &w
			if w.Kind == WaitBackoff {
				e.State = StateWaiting
			}
			continue
		}
		id, err := ParseID(e.ID)
		if err != nil {
			return opError("stream", ErrBadReply, err)
		}
		switch {
		case last.Compare(id) < 0:
			e.State = StateNew
		case hasRec && (rec.kind == recordSnoozed || rec.kind == recordWaiting):
			e.State, e.Wait = StateReturned, rec.wait()
		case hasRec && rec.kind == recordDead:
			e.State, e.Outcome = StateDeadLettered, rec.outcome()
		case hasRec && rec.kind == recordAcked:
			e.State, e.Outcome = StateAcked, rec.outcome()
		case start != nil && start.Compare(id) >= 0 && !hasRec:
			e.State = StateSkipped
		default:
			e.State = StateAcked
		}
	}
	return nil
}

// pageSize is the query's count, or the default page.
func (q StreamQuery) pageSize() int {
	if q.Count <= 0 {
		return 50
	}
	return q.Count
}

func (q StreamQuery) bounds() (cmd, first, second string, err error) {
	if q.From != "" {
		if _, err := ParseID(q.From); err != nil {
			return "", "", "", err
		}
	}
	if q.Forward {
		from := q.From
		if from == "" {
			from = "-"
		}
		return "XRANGE", from, "+", nil
	}
	from := q.From
	switch {
	case from == "":
		from = "+"
	case !strings.Contains(from, "-"):
		// A bare time means "up to the end of that millisecond".
		from += "-" + strconv.FormatUint(math.MaxUint64, 10)
	}
	return "XREVRANGE", from, "-", nil
}

// pageScript reads one page with its pending rows and outcome records: see
// lua/page.lua.
var pageScript = newScript("page.lua", luaIDs, luaRecordLookup, luaRecords, luaDeadLetter, luaWaiting)

// page reads one page of key, and with a group the page's pending rows,
// outcome records (one per entry, "" for none) and the entries that wait.
func (c *Client) page(ctx context.Context, key, group string, q StreamQuery) ([]StreamEntry, map[string]PendingEntry, []string, map[string]Wait, error) {
	cmd, first, second, err := q.bounds()
	if err != nil {
		return nil, nil, nil, nil, opError("range", ErrInvalidID, fmt.Errorf("%q", q.From))
	}
	ctx, cancel := c.deadline(ctx)
	defer cancel()
	var msg valkey.ValkeyMessage
	err = idempotent(ctx, func() (err error) {
		msg, err = pageScript.exec(ctx, c.vk, []string{key, c.outcomes, c.waiting, c.snoozed, c.backoff},
			[]string{group, cmd, first, second, strconv.Itoa(q.pageSize()), strconv.Itoa(PreviewBytes)})
		return err
	})
	if err != nil {
		return nil, nil, nil, nil, wrap("range", err)
	}
	return parsePage(msg)
}

// parseWaitRows reads part i of a reply, rows of {id, kind, by, at, until,
// deliveries, why} (page.lua's waits), by ID.
func parseWaitRows(r *reply, i int) map[string]Wait {
	waits := map[string]Wait{}
	r.rows(i, 7, func(row *reply) {
		id := row.id(0)
		w := parseWait(row, 1)
		if w.Kind == WaitScheduled {
			row.fail("%s[1]: a scheduled message in the stream", row.path)
		}
		waits[id] = w
	})
	return waits
}

// parsePage reads page.lua's reply.
func parsePage(msg valkey.ValkeyMessage) ([]StreamEntry, map[string]PendingEntry, []string, map[string]Wait, error) {
	r := newReply("range", msg, 4)
	var entries []StreamEntry
	r.rows(0, 3, func(row *reply) { entries = append(entries, parseCutEntry(row)) })
	pending := map[string]PendingEntry{}
	flat := r.sub(1, -1)
	if len(flat.parts)%3 != 0 {
		r.fail("reply[1]: %d strings, want id, consumer, deliveries triples", len(flat.parts))
	}
	for i := 0; i+2 < len(flat.parts) && !r.failed(); i += 3 {
		p := PendingEntry{ID: flat.id(i), Consumer: flat.str(i + 1), Deliveries: flat.int(i + 2)}
		pending[p.ID] = p
	}
	records := r.strs(2)
	if len(records) != 0 && len(records) != len(entries) {
		r.fail("reply[2]: %d records for %d entries", len(records), len(entries))
	}
	waits := parseWaitRows(r, 3)
	if err := r.err(); err != nil {
		return nil, nil, nil, nil, err
	}
	return entries, pending, records, waits, nil
}

// parseCutEntry reads {id, fields, cut} as the scripts that read pages
// send it, values cut to PreviewBytes.
func parseCutEntry(r *reply) StreamEntry {
	e := StreamEntry{Entry: Entry{ID: r.id(0), Fields: r.fields(1)}, Cut: r.flag(2)}
	for j := range e.Fields {
		e.Fields[j].Value = cutValue(e.Fields[j].Value)
	}
	return e
}

// GroupInfo is the consumer group, as every server reports it alike (see
// Stats).
type GroupInfo struct {
	Name      string `json:"name"`
	Consumers int64  `json:"consumers"`
	// Pending counts the group's pending entries, those deleted from the
	// stream while pending included.
	Pending       int64  `json:"pending"`
	LastDelivered string `json:"lastDeliveredId"`
	// EntriesRead is how many of the stream's entries are at or before the
	// group's last-delivered ID (read, or skipped when the group started
	// later): Length - Lag; -1 when the lag is unknown. It is not the
	// server's XINFO entries-read, a position that also counts deleted and
	// trimmed entries and that the embedded server never reports.
	EntriesRead int64 `json:"entriesRead"`
	// Lag is how many entries are not yet delivered; -1 when it cannot be
	// told (see Stats), never a guess.
	Lag int64 `json:"lag"`
	// Start is the ID the group was created at, as reviewq recorded it: at
	// creation for groups it creates (0-0), or when it first met a group
	// nobody had read from yet. "" when unknown: a group another program
	// created and used before reviewq met it.
	Start string `json:"start,omitempty"`
}

// ConsumerInfo is one consumer as XINFO CONSUMERS reports it.
type ConsumerInfo struct {
	Name    string `json:"name"`
	Pending int64  `json:"pending"`
	// Idle is the time since the consumer's last attempt to read or claim;
	// negative when the server cannot tell. Deviation (miniredis v2.40.0):
	// it only knows after the consumer's first XCLAIM (a keep-alive or a
	// reclaim), not after XREADGROUP.
	Idle time.Duration `json:"idleMs"`
}

// Stats is the header's and `reviewq stats`'s numbers.
type Stats struct {
	Stream     string         `json:"stream"`
	Length     int64          `json:"length"`
	Group      GroupInfo      `json:"group"`
	Consumers  []ConsumerInfo `json:"consumers"`
	DeadStream string         `json:"deadStream"`
	DeadLength int64          `json:"deadLength"`
	// GroupRecreated is true when the group was missing and Stats created
	// it again: the server restarted empty or was flushed, and whatever
	// anyone held is gone from it.
	GroupRecreated bool `json:"groupRecreated,omitempty"`
	// OldestUnclaimed is the age of the oldest entry nobody has claimed
	// yet (the first after the group's last-delivered ID); negative when
	// every entry has been delivered.
	OldestUnclaimed time.Duration `json:"-"`
	// TrimmedUnread counts the entries removed from the stream before the
	// group read them (another program's XADD … MAXLEN, an XDEL of an entry
	// nobody read), as the server's counters tell it; reviewq's own
	// retention never adds to it. -1 when it cannot be told: the embedded
	// server and servers before Redis 7 keep no such counters, and see
	// lua/unread.lua for when the others cannot say.
	TrimmedUnread int64 `json:"-"`
	// The messages that wait, out of everyone's reach (see Snooze): added
	// for later (the stream's), snoozed and backing off (the group's).
	Scheduled int64 `json:"scheduled"`
	Snoozed   int64 `json:"snoozed"`
	Waiting   int64 `json:"waiting"`
}

// Stats reads the stream's length, the group, its consumers, the
// dead-letter length, how many messages wait, the group's recorded start
// and what the group has not read (see unread) in one pipeline, and adds
// due messages to the stream first (Promote: the console and the SSH desk
// read Stats every few seconds, so due messages reach the web example
// without a claim). The numbers are the same on every server: where one
// reports a number wrongly (the embedded server's lag and pending) reviewq
// works it out from what all report alike (see settleLag). A missing group
// is created again.
func (c *Client) Stats(ctx context.Context) (Stats, error) {
	ctx, cancel := c.deadline(ctx)
	defer cancel()
	var st Stats
	missing, err := c.withGroup(ctx, func() error {
		st = Stats{Stream: c.cfg.Stream, DeadStream: c.cfg.DeadStream}
		return idempotent(ctx, func() error { return c.stats(ctx, &st) })
	})
	st.GroupRecreated = missing && err == nil
	return st, wrap("stats", err)
}

func (c *Client) stats(ctx context.Context, st *Stats) error {
	now := c.cfg.Now()
	// The promotion goes first in the pipeline, so that what follows counts
	// the messages it added, and says how many still wait.
	b := c.vk.B()
	all := c.doWithScripts(ctx, []*luaScript{promoteScript, oldestScript, unreadScript}, func() valkey.Commands {
		return valkey.Commands{
			promoteScript.cmd(c.vk, c.promoteKeys(now), c.promoteArgs(now)),
			oldestScript.cmd(c.vk, []string{c.cfg.Stream}, []string{c.cfg.Group}),
			unreadScript.cmd(c.vk, []string{c.cfg.Stream}, []string{c.cfg.Group, strconv.Itoa(unreadCountLimit), strconv.Itoa(unreadCountChunk)}),
			b.Xlen().Key(c.cfg.Stream).Build(),
			b.XinfoGroups().Key(c.cfg.Stream).Build(),
			b.XinfoConsumers().Key(c.cfg.Stream).Group(c.cfg.Group).Build(),
			b.Xlen().Key(c.cfg.DeadStream).Build(),
			b.Hget().Key(c.startKey).Field(c.cfg.Group).Build(),
		}
	})
	msg, err := all[0].ToMessage()
	if err != nil {
		return promoteScript.locate(err)
	}
	p, err := parsePromoteReply(msg)
	if err != nil {
		return err
	}
	st.Scheduled, st.Snoozed, st.Waiting = p.scheduled, p.snoozed, p.waiting
	if msg, err = all[1].ToMessage(); err != nil {
		return oldestScript.locate(err)
	}
	if st.OldestUnclaimed, err = oldestAge(msg, now); err != nil {
		return err
	}
	if msg, err = all[2].ToMessage(); err != nil {
		return unreadScript.locate(err)
	}
	undelivered, trimmed, err := parseUnreadReply(msg)
	if err != nil {
		return err
	}
	r := all[3:]
	if st.Length, err = r[0].AsInt64(); err != nil {
		return err
	}
	g, err := parseGroup(r[1], r[4], c.cfg.Group)
	if err != nil {
		return err
	}
	if st.Consumers, err = parseConsumers(r[2]); err != nil {
		return err
	}
	if st.DeadLength, err = r[3].AsInt64(); err != nil {
		return err
	}
	// Deviation (miniredis v2.40.0, XINFO GROUPS and XPENDING's summary):
	// its pending count leaves out entries deleted from the stream while
	// pending, which a real server counts (they are still in the pending
	// list). Both count them per consumer.
	g.Pending = 0
	for _, ci := range st.Consumers {
		g.Pending += ci.Pending
	}
	if err := c.noteStart(ctx, &g); err != nil {
		return err
	}
	settleLag(st.Length, undelivered, &g)
	st.TrimmedUnread = trimmed
	st.Group = g.GroupInfo
	return nil
}

func parseConsumers(r valkey.ValkeyResult) ([]ConsumerInfo, error) {
	arr, err := r.ToArray()
	if err != nil {
		return nil, err
	}
	out := make([]ConsumerInfo, 0, len(arr))
	for _, a := range arr {
		m, err := a.AsMap()
		if err != nil {
			return nil, err
		}
		var ci ConsumerInfo
		var idle int64
		if ci.Name, err = mapStr(m, "name"); err == nil {
			if ci.Pending, err = mapInt(m, "pending"); err == nil {
				idle, err = mapInt(m, "idle")
			}
		}
		if err != nil {
			return nil, opError("consumers", ErrBadReply, err)
		}
		ci.Idle = time.Duration(idle) * time.Millisecond
		out = append(out, ci)
	}
	return out, nil
}

// DeadLetter is one entry of the dead-letter stream.
type DeadLetter struct {
	ID         string // in the dead-letter stream
	OriginalID string // in the main stream
	Reason     string
	Deliveries int64
	Consumer   string    // the last consumer that held it
	At         time.Time // when it was dead-lettered
	Original   Entry     // the original fields under OriginalID (values cut to PreviewBytes in pages)
	Cut        bool
}

func parseDeadLetter(e Entry) DeadLetter {
	d := DeadLetter{ID: e.ID}
	if len(e.Fields) < deadMetaFields || e.Fields[0].Name != deadFieldID {
		// Not written by reviewq: show it as it is.
		d.Original = Entry{ID: e.ID, Fields: e.Fields}
		return d
	}
	deliveries, err := strconv.ParseInt(e.Fields[2].Value, 10, 64)
	if err != nil {
		// Not as reviewq writes it either.
		d.Original = Entry{ID: e.ID, Fields: e.Fields}
		return d
	}
	d.OriginalID = e.Fields[0].Value
	d.Reason = e.Fields[1].Value
	d.Deliveries = deliveries
	d.Consumer = e.Fields[3].Value
	if at, err := strconv.ParseInt(e.Fields[4].Value, 10, 64); err == nil {
		d.At = time.UnixMilli(at).UTC()
	}
	d.Original = Entry{ID: d.OriginalID, Fields: e.Fields[deadMetaFields:]}
	return d
}

// DeadPage reads one page of the dead-letter stream.
func (c *Client) DeadPage(ctx context.Context, q StreamQuery) ([]DeadLetter, error) {
	entries, _, _, _, err := c.page(ctx, c.cfg.DeadStream, "", q)
	if err != nil {
		return nil, err
	}
	out := make([]DeadLetter, len(entries))
	for i, e := range entries {
		out[i] = parseDeadLetter(e.Entry)
		out[i].Cut = e.Cut
	}
	return out, nil
}

// GetDead reads one dead letter in full.
func (c *Client) GetDead(ctx context.Context, id string) (DeadLetter, error) {
	e, err := c.get(ctx, c.cfg.DeadStream, id)
	if err != nil {
		return DeadLetter{}, err
	}
	return parseDeadLetter(e), nil
}

// redriveScript puts a dead letter back on the stream: see
// lua/redrive.lua.
var redriveScript = newScript("redrive.lua", luaIDs, luaRecordLookup, luaRecords, luaDeadLetter, luaWaiting)

// Redrive puts a dead letter back on the main stream as a new entry and
// removes it from the dead-letter stream, atomically, and records on the
// original entry's outcome who redrove it, when, and as what. It returns
// the new ID. The new entry starts afresh: the meta fields of a return
// from a wait (Entry.Returned), with the deliveries they carry, are left
// out.
func (c *Client) Redrive(ctx context.Context, id string) (string, error) {
	op := "redrive " + id
	if _, err := ParseID(id); err != nil {
		return "", opError(op, ErrInvalidID, nil)
	}
	ctx, cancel := c.deadline(ctx)
	defer cancel()
	msg, err := redriveScript.exec(ctx, c.vk, []string{c.cfg.DeadStream, c.cfg.Stream, c.outcomes},
		[]string{id, c.nowMs(), c.cfg.Consumer})
	if err != nil {
		return "", wrap(op, err)
	}
	return parseRedriveReply(op, msg)
}

// parseRedriveReply reads redrive.lua's reply: the new entry's ID.
func parseRedriveReply(op string, msg valkey.ValkeyMessage) (string, error) {
	tag, r := newTaggedReply(op, msg, map[string]int{tagOK: 2, tagMissing: 1, tagEmpty: 1})
	switch tag {
	case tagMissing:
		return "", opError(op, ErrNotFound, nil)
	case tagEmpty:
		return "", opError(op, ErrEmpty, nil)
	}
	nid := r.id(1)
	return nid, r.err()
}

// DeleteDead removes dead letters for good and returns how many existed.
func (c *Client) DeleteDead(ctx context.Context, ids ...string) (int64, error) {
	op := "delete " + strings.Join(ids, " ")
	for _, id := range ids {
		if _, err := ParseID(id); err != nil {
			return 0, opError(op, ErrInvalidID, fmt.Errorf("%q", id))
		}
	}
	if len(ids) == 0 {
		return 0, nil
	}
	ctx, cancel := c.deadline(ctx)
	defer cancel()
	n, err := c.vk.Do(ctx, c.vk.B().Xdel().Key(c.cfg.DeadStream).Id(ids...).Build()).AsInt64()
	return n, wrap(op, err)
}

func mapStr(m map[string]valkey.ValkeyMessage, k string) (string, error) {
	v, ok := m[k]
	if !ok {
		return "", fmt.Errorf("no %s", k)
	}
	return v.ToString()
}

func mapInt(m map[string]valkey.ValkeyMessage, k string) (int64, error) {
	v, ok := m[k]
	if !ok {
		return 0, fmt.Errorf("no %s", k)
	}
	return v.AsInt64()
}
