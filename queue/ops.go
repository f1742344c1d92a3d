package queue

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/valkey-io/valkey-go"
)

// Added is what an add returns, the web example's shape.
type Added struct {
	ID        string `json:"streamMessageId"`
	Timestamp string `json:"timestamp"`
	// Duplicate is true when an idempotent add found its key had added an
	// entry within IdempotencyWindow: nothing was added, and ID and
	// Timestamp are that first entry's.
	Duplicate bool `json:"duplicate,omitempty"`
	// ScheduledID is set, and ID is "", for a message added for later
	// (AddContactLater) that is not due yet: it waits, not in the stream,
	// until NotBefore.
	ScheduledID string    `json:"-"`
	NotBefore   time.Time `json:"-"`
}

// Handle is the added message's ID, or its scheduled ID while it waits.
func (a Added) Handle() string {
	if a.ScheduledID != "" {
		return a.ScheduledID
	}
	return a.ID
}

// IdempotencyWindow is how long an idempotency key remembers the entry it
// added: the same key within it adds nothing.
const IdempotencyWindow = 24 * time.Hour

// MaxIdempotencyKey is the longest idempotency key accepted, in bytes.
const MaxIdempotencyKey = 200

// AddContactOnce adds a contact message unless the idempotency key added
// one within IdempotencyWindow: then it adds nothing and answers with the
// first entry (Added.Duplicate). The check and the add are one script, so
// two submits at once still add one message. Compose derives a key per
// draft.
func (c *Client) AddContactOnce(ctx context.Context, key, name, email, message string) (Added, error) {
	fields := c.ContactFields(name, email, message)
	return c.addOnce(ctx, key, fields, fields[3].Value)
}

// checkIdempotencyKey refuses an empty or over-long key.
func checkIdempotencyKey(key string) error {
	switch {
	case key == "":
		return opError("add", ErrConfig, fmt.Errorf("an empty idempotency key"))
	case len(key) > MaxIdempotencyKey:
		return opError("add", ErrConfig, fmt.Errorf("an idempotency key of %d bytes (at most %d)", len(key), MaxIdempotencyKey))
	}
	return nil
}

// addOnceScript adds an entry unless its idempotency key added one: see
// lua/add_once.lua. AddContacts also sends it by its SHA in a pipeline.
var addOnceScript = newScript("add_once.lua")

func (c *Client) addOnce(ctx context.Context, key string, fields []Field, stamp string) (Added, error) {
	if err := checkIdempotencyKey(key); err != nil {
		return Added{}, err
	}
	if len(fields) == 0 {
		return Added{}, opError("add", ErrConfig, fmt.Errorf("an entry needs at least one field"))
	}
	ctx, cancel := c.deadline(ctx)
	defer cancel()
	if c.cfg.WaitReplicas > 0 {
		return c.addOnceReplicated(ctx, key, fields, stamp)
	}
	// Safe to send twice: a second send finds the key and answers with the
	// entry the first one added.
	var reply valkey.ValkeyMessage
	err := idempotent(ctx, func() (err error) {
		reply, err = addOnceScript.exec(ctx, c.vk, c.addOnceKeys(key), c.addOnceArgs(fields, stamp))
		return err
	})
	if err != nil {
		return Added{}, wrap("add", err)
	}
	return parseAddedOnce(reply)
}

// addOnceReplicated is addOnce that also waits for Config.WaitReplicas
// replicas, in the same round trip. It sends the script's source (EVAL,
// not EVALSHA): a primary just promoted by a failover has no scripts
// loaded, and a NOSCRIPT reply would leave the WAIT behind it waiting for
// nothing. Safe to send twice, as addOnce.
func (c *Client) addOnceReplicated(ctx context.Context, key string, fields []Field, stamp string) (Added, error) {
	var a Added
	err := idempotent(ctx, func() error {
		wait, waitFor := c.waitCmds(ctx)
		add := c.vk.B().Eval().Script(addOnceScript.source).Numkeys(2).Key(c.addOnceKeys(key)...).Arg(c.addOnceArgs(fields, stamp)...).Build()
		r := c.vk.DoMulti(ctx, append(valkey.Commands{add}, wait...)...)
		reply, err := r[0].ToMessage()
		if err != nil {
			return addOnceScript.locate(err)
		}
		if a, err = parseAddedOnce(reply); err != nil {
			return err
		}
		return c.replicated(ctx, a.ID, r[len(r)-1], waitFor)
	})
	return a, wrap("add", err)
}

func (c *Client) addOnceKeys(key string) []string {
	return []string{c.cfg.Stream, idempotencyKey(c.cfg.Stream, key)}
}

func (c *Client) addOnceArgs(fields []Field, stamp string) []string {
	maxLen := ""
	if c.cfg.MaxLen > 0 {
		maxLen = strconv.FormatInt(c.cfg.MaxLen, 10)
	}
	return append([]string{ms(IdempotencyWindow), stamp, maxLen}, flatten(fields)...)
}

// parseAddedOnce reads add_once.lua's reply, and add_later.lua's: {ID,
// timestamp, duplicate, ""}, or {scheduled ID, timestamp, duplicate, due
// ms} for a message that waits.
func parseAddedOnce(msg valkey.ValkeyMessage) (Added, error) {
	r := newReply("add", msg, 4)
	a := Added{Timestamp: r.str(1), Duplicate: r.flag(2)}
	if due := r.str(3); due == "" {
		a.ID = r.id(0)
	} else {
		a.ScheduledID, a.NotBefore = r.str(0), msTime(due)
		if !isScheduledID(a.ScheduledID) {
			r.fail("reply[0]: %q, want a scheduled ID", a.ScheduledID)
		}
	}
	return a, r.err()
}

// ContactFields are a contact message's fields in the web example's order,
// stamped with the client's clock.
func (c *Client) ContactFields(name, email, message string) []Field {
	return []Field{
		{FieldName, name},
		{FieldEmail, email},
		{FieldMessage, message},
		{FieldTimestamp, FormatTimestamp(c.cfg.Now())},
	}
}

// AddContact adds one contact message. Validation is the caller's (package
// form); the server accepts any strings.
func (c *Client) AddContact(ctx context.Context, name, email, message string) (Added, error) {
	fields := c.ContactFields(name, email, message)
	id, err := c.Add(ctx, fields)
	return Added{ID: id, Timestamp: fields[3].Value}, err
}

// Add adds an entry with the given fields and returns its ID.
func (c *Client) Add(ctx context.Context, fields []Field) (string, error) {
	if len(fields) == 0 {
		return "", opError("add", ErrConfig, fmt.Errorf("an entry needs at least one field"))
	}
	ctx, cancel := c.deadline(ctx)
	defer cancel()
	if c.cfg.WaitReplicas > 0 {
		wait, waitFor := c.waitCmds(ctx)
		r := c.vk.DoMulti(ctx, append(valkey.Commands{c.xadd(fields)}, wait...)...)
		id, err := r[0].ToString()
		if err != nil {
			return "", wrap("add", err)
		}
		return id, c.replicated(ctx, id, r[len(r)-1], waitFor)
	}
	id, err := c.vk.Do(ctx, c.xadd(fields)).ToString()
	return id, wrap("add", err)
}

// waitCmds are what an add sends behind itself, in its own round trip, when
// it must wait for Config.WaitReplicas replicas: a small write of its own
// (replicationMarkKey), so that WAIT waits for this connection's writes
// even when the add wrote nothing (an idempotent add whose key had added
// its entry already: WAIT on a connection that never wrote answers at once,
// whatever the replicas hold), then WAIT for at most half of what is left
// of the call's deadline, so its answer still arrives within it.
func (c *Client) waitCmds(ctx context.Context) (valkey.Commands, time.Duration) {
	wait := DefaultTimeout / 2
	if dl, ok := ctx.Deadline(); ok {
		wait = time.Until(dl) / 2
	}
	if wait > 100*time.Millisecond {
		wait = wait.Truncate(10 * time.Millisecond) // reads "2.49s", not "2.497s"
	}
	wait = max(wait.Truncate(time.Millisecond), time.Millisecond) // WAIT 0 would wait for ever
	b := c.vk.B()
	return valkey.Commands{
		b.Set().Key(replicationMarkKey(c.cfg.Stream)).Value(c.nowMs()).PxMilliseconds(replicationMarkTTL.Milliseconds()).Build(),
		// WAIT names no key: in a cluster it must go to the stream's node.
		b.Wait().Numreplicas(int64(c.cfg.WaitReplicas)).Timeout(wait.Milliseconds()).Build().SetSlot(c.cfg.Stream),
	}, wait
}

// replicationMarkTTL is how long the write an add waits for is kept: it
// only has to reach the replicas.
const replicationMarkTTL = 10 * time.Second

// replicated reads WAIT's reply for the entry id: nil when enough replicas
// confirmed it, else an ErrNotReplicated error that says why. Only then
// does it ask the primary how many replicas it has (INFO replication), so
// that an add after a failover that left no replica says so rather than
// failing like every other add.
func (c *Client) replicated(ctx context.Context, id string, r valkey.ValkeyResult, waited time.Duration) error {
	re := &ReplicationError{ID: id, Want: int64(c.cfg.WaitReplicas), Connected: -1, Waited: waited}
	n, err := r.AsInt64()
	if err != nil {
		re.Cause = err
		return opError("add", ErrNotReplicated, re)
	}
	if n >= re.Want {
		return nil
	}
	re.Confirmed = n
	info, err := c.vk.Do(ctx, c.vk.B().Info().Section("replication").Build().SetSlot(c.cfg.Stream)).ToString()
	if err == nil {
		re.Connected = infoInt(info, "connected_slaves", -1)
	}
	return opError("add", ErrNotReplicated, re)
}

// infoInt is one integer field of an INFO reply; def when it is missing.
func infoInt(info, field string, def int64) int64 {
	for line := range strings.Lines(info) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), field+":"); ok {
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				return n
			}
		}
	}
	return def
}

// AddResult is one entry's outcome in AddMany.
type AddResult struct {
	ID  string
	Err error
}

// AddMany adds entries in one pipeline: one round trip for the whole batch.
func (c *Client) AddMany(ctx context.Context, batch [][]Field) []AddResult {
	out := make([]AddResult, len(batch))
	cmds := make(valkey.Commands, 0, len(batch))
	idx := make([]int, 0, len(batch))
	for i, fields := range batch {
		if len(fields) == 0 {
			out[i].Err = opError("add", ErrConfig, fmt.Errorf("an entry needs at least one field"))
			continue
		}
		cmds = append(cmds, c.xadd(fields))
		idx = append(idx, i)
	}
	if len(cmds) == 0 {
		return out
	}
	ctx, cancel := c.deadline(ctx)
	defer cancel()
	for j, r := range c.vk.DoMulti(ctx, cmds...) {
		id, err := r.ToString()
		out[idx[j]] = AddResult{ID: id, Err: wrap("add", err)}
	}
	return out
}

// NewContact is one contact message for AddContacts, its fields already
// validated (package form).
type NewContact struct {
	Name, Email, Message string
	// IdempotencyKey, when set, adds the message once (see
	// AddContactOnce).
	IdempotencyKey string
	// NotBefore, when after the time of the add, adds it for later (see
	// AddContactLater).
	NotBefore time.Time
}

// addPipeline is how many XADDs one batch of AddContacts carries: enough
// that the round trip between batches does not show (a batch is about 5 ms
// of server work), few enough for a progress bar to move and memory to
// stay flat.
const addPipeline = 2_000

// AddContacts adds contact messages in the order given, so the stream holds
// them in that order, through a pipeline kept full: the next batch is built
// while one is on the wire, and one batch at a time is on the wire, so
// batches cannot overtake each other. Each message is stamped with the
// client's clock.
// After each batch, added (when not nil) gets that batch's IDs, in order.
// It returns how many were added: all of them, or on an error those before
// it (every entry of a batch either answers with its ID or with the error).
// A message with an IdempotencyKey goes through the idempotent add's script
// in the same pipeline (Added.Duplicate says when it added nothing; it
// counts among those returned), one with a NotBefore after now through the
// add for later's (Added.ScheduledID); the others are plain XADDs.
func (c *Client) AddContacts(ctx context.Context, msgs []NewContact, added func(batch []Added)) (int, error) {
	keyed, later := false, false
	for _, m := range msgs {
		if m.IdempotencyKey != "" {
			if err := checkIdempotencyKey(m.IdempotencyKey); err != nil {
				return 0, err
			}
			keyed = true
		}
		later = later || !m.NotBefore.IsZero()
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// The pipeline sends EVALSHA, which cannot fall back to EVAL halfway
	// through an ordered batch: load the scripts first.
	for _, s := range []struct {
		needed bool
		script *luaScript
	}{{keyed, addOnceScript}, {later, addLaterScript}} {
		if s.needed {
			if err := c.loadScript(ctx, s.script); err != nil {
				return 0, wrap("add", err)
			}
		}
	}
	type batch struct {
		cmds     valkey.Commands
		stamp    []string
		scripted []bool // sent through addOnceScript or addLaterScript
	}
	batches := make(chan batch, 1)
	go func() {
		defer close(batches)
		var stamp string
		var stampMs int64 = -1
		for start := 0; start < len(msgs); start += addPipeline {
			b := batch{
				cmds:  make(valkey.Commands, 0, min(addPipeline, len(msgs)-start)),
				stamp: make([]string, 0, min(addPipeline, len(msgs)-start)),
			}
			for _, m := range msgs[start:min(start+addPipeline, len(msgs))] {
				// One timestamp string per millisecond, not per message.
				if now := c.cfg.Now(); now.UnixMilli() != stampMs {
					stamp, stampMs = FormatTimestamp(now), now.UnixMilli()
				}
				fields := []Field{{FieldName, m.Name}, {FieldEmail, m.Email}, {FieldMessage, m.Message}, {FieldTimestamp, stamp}}
				scripted := true
				switch {
				case m.NotBefore.UnixMilli() > stampMs:
					keys := c.addLaterKeys(m.IdempotencyKey)
					b.cmds = append(b.cmds, c.vk.B().Evalsha().Sha1(addLaterScript.sha).Numkeys(int64(len(keys))).
						Key(keys...).Arg(c.addLaterArgs(fields, stamp, m.NotBefore)...).Build())
				case m.IdempotencyKey != "":
					b.cmds = append(b.cmds, c.vk.B().Evalsha().Sha1(addOnceScript.sha).Numkeys(2).
						Key(c.addOnceKeys(m.IdempotencyKey)...).
						Arg(c.addOnceArgs(fields, stamp)...).Build())
				default:
					b.cmds = append(b.cmds, c.xaddContact(m, stamp))
					scripted = false
				}
				b.stamp = append(b.stamp, stamp)
				b.scripted = append(b.scripted, scripted)
			}
			select {
			case batches <- b:
			case <-ctx.Done():
				return
			}
		}
	}()
	n := 0
	out := make([]Added, 0, min(addPipeline, len(msgs)))
	for b := range batches {
		bctx, bcancel := c.deadline(ctx)
		cmds, waited := b.cmds, time.Duration(0)
		if c.cfg.WaitReplicas > 0 {
			// One WAIT behind each batch covers every entry of it.
			var wait valkey.Commands
			wait, waited = c.waitCmds(bctx)
			cmds = slices.Concat(cmds, wait)
		}
		results := c.vk.DoMulti(bctx, cmds...)
		out = out[:0]
		var err error
		for i, r := range results[:len(b.cmds)] {
			if b.scripted[i] {
				reply, rerr := r.ToMessage()
				if rerr != nil {
					err = rerr
					break
				}
				a, aerr := parseAddedOnce(reply)
				if aerr != nil {
					err = aerr
					break
				}
				out = append(out, a)
				continue
			}
			id, rerr := r.ToString()
			if rerr != nil {
				err = rerr
				break
			}
			out = append(out, Added{ID: id, Timestamp: b.stamp[i]})
		}
		if err == nil && waited > 0 {
			// The batch is on the primary whatever WAIT says: it is
			// reported as added, and a shortfall stops the rest.
			err = c.replicated(bctx, out[len(out)-1].Handle(), results[len(results)-1], waited)
		}
		bcancel()
		n += len(out)
		if added != nil && len(out) > 0 {
			added(out)
		}
		if err != nil {
			return n, wrap("add", err)
		}
	}
	return n, wrap("add", ctx.Err())
}

func (c *Client) xaddContact(m NewContact, stamp string) valkey.Completed {
	k := c.vk.B().Xadd().Key(c.cfg.Stream)
	if c.cfg.MaxLen > 0 {
		return k.Maxlen().Almost().Threshold(strconv.FormatInt(c.cfg.MaxLen, 10)).Id("*").FieldValue().
			FieldValue(FieldName, m.Name).FieldValue(FieldEmail, m.Email).
			FieldValue(FieldMessage, m.Message).FieldValue(FieldTimestamp, stamp).Build()
	}
	return k.Id("*").FieldValue().
		FieldValue(FieldName, m.Name).FieldValue(FieldEmail, m.Email).
		FieldValue(FieldMessage, m.Message).FieldValue(FieldTimestamp, stamp).Build()
}

func (c *Client) xadd(fields []Field) valkey.Completed {
	args := make([]string, 0, 4+2*len(fields))
	if c.cfg.MaxLen > 0 {
		// Only when asked: trimming drops entries whether or not anyone
		// reviewed them (the web example trims on every add).
		args = append(args, "MAXLEN", "~", strconv.FormatInt(c.cfg.MaxLen, 10))
	}
	args = append(args, "*")
	args = append(args, flatten(fields)...)
	return c.vk.B().Arbitrary("XADD").Keys(c.cfg.Stream).Args(args...).Build()
}

// Claimed is a message handed to this consumer.
type Claimed struct {
	Entry
	// Reclaimed is true when the entry came off another delivery that sat
	// idle past the reclaim threshold, rather than being new.
	Reclaimed bool `json:"claimed,omitempty"`
	// Released is true when its holder handed it back on purpose
	// (Release): not a failed delivery, so Deliveries did not grow, and it
	// was not idle (Idle is zero). ReleasedBy is who handed it back (also
	// PreviousConsumer) and ReleasedAt when. Reclaimed is false then.
	Released   bool      `json:"-"`
	ReleasedBy string    `json:"-"`
	ReleasedAt time.Time `json:"-"`
	// Deliveries counts every delivery of the message: for one back from
	// a wait (Entry.Returned), those before the wait too.
	Deliveries       int64         `json:"deliveries"`
	PreviousConsumer string        `json:"previousConsumer,omitempty"`
	Idle             time.Duration `json:"-"`
}

// ClaimResult is the outcome of Claim. Message is nil when nothing was left
// to claim. Dropped and DeadLettered report what the claim cleared away on
// its way, so entries never vanish silently.
type ClaimResult struct {
	Message *Claimed
	// Dropped are pending entries that had been deleted from the stream
	// (trimmed by MAXLEN or XDEL) before anyone acked them; they were
	// acknowledged away and recorded in the dead-letter stream.
	Dropped []string
	// DeadLettered are entries past the max deliveries, moved to the
	// dead-letter stream and acknowledged.
	DeadLettered []string
	// Waiting are entries the claim found abandoned and, with the retry
	// backoff on (Config.RetryBackoff), put away to wait before their
	// retry instead of claiming them.
	Waiting []string
	// GroupRecreated is true when the claim found the consumer group
	// missing and created it (at the start of the stream, as at start)
	// before claiming: a new stream, or, on a stream in use, the server
	// restarted empty or was flushed, and whatever anyone held before is
	// gone from it.
	GroupRecreated bool

	scan claimScan
}

// claimScan is what one claim's search of the pending list cost on the
// server, as the script counted it; tests hold it against the bounds.
type claimScan struct {
	rows    int64 // XPENDING rows handed to the script (head and sweep)
	windows int64 // dense-millisecond windows walked
	steps   int64 // sweep budget spent
}

// The claim's search of the pending list (see claimScript). The budget is
// in steps, one step being what walking one pending entry inside XPENDING
// costs (~70 ns on Redis 7.0): 2,500 steps keep a claim near 0.2 ms of
// server time at any length of the list (about 7x a claim on ten pending
// entries), and sweep at least 160 entries per claim where entries are
// spread out, 1,000 to 2,000 where hundreds share a millisecond (bulk
// adds): a million bulk-added pending entries are swept in about 800
// claims.
const (
	claimHeadRows   = 10   // the oldest entries, looked at on every claim
	claimSweepSteps = 2500 // the sweep's budget per claim
	claimWindow     = 256  // IDs per window walked in a busy millisecond
	// claimCursorTTL lets the cursor of a group nobody claims from any
	// more go away; losing it only restarts the sweep at the head.
	claimCursorTTL = 24 * time.Hour
)

// claimBudget bounds how many unusable pending entries one claim clears
// before reading a new one, so one call never runs long on the server.
const claimBudget = 64

// claimScript claims the next message, after acking the one finished:
// see lua/claim.lua.
var claimScript = newScript("claim.lua", luaIDs, luaGroup, luaRecordLookup, luaRecords, luaDeadLetter, luaWaiting)

// Claim hands this consumer the next message, in one round trip: an entry
// idle past the reclaim threshold (the oldest among the first ten pending
// entries, else the next one the group's sweep of the pending list comes
// to; see lua/claim.lua for what is promised), else a new one. It needs no
// call before it: a missing group (a new stream, a server restarted
// without persistence) is created, and the claim sent again, once
// (ClaimResult.GroupRecreated); a group met for the first time has its
// start recorded by the script (see noteStart).
func (c *Client) Claim(ctx context.Context) (ClaimResult, error) {
	_, res, err := c.ackAndClaim(ctx, "claim", "")
	return res, err
}

// AckAndClaim acknowledges id (acked is 1, or 0 when it was not pending)
// and claims the next message for this consumer, as Claim does, in the same
// round trip: the review loop costs one round trip per message.
func (c *Client) AckAndClaim(ctx context.Context, id string) (int64, ClaimResult, error) {
	op := "ack " + id + " and claim"
	parsed, err := ParseID(id)
	if err != nil {
		return 0, ClaimResult{}, opError(op, ErrInvalidID, fmt.Errorf("%q", id))
	}
	// Written in full (ms-seq), so that the script finds it among the
	// pending list's rows (see claim.lua).
	return c.ackAndClaim(ctx, op, parsed.String())
}

func (c *Client) ackAndClaim(ctx context.Context, op, ackID string) (int64, ClaimResult, error) {
	ctx, cancel := c.deadline(ctx)
	defer cancel()
	acked, res, err := c.claimOnce(ctx, op, ackID)
	if err != nil && isNoGroup(err) {
		if gerr := c.EnsureGroup(ctx); gerr != nil {
			return 0, ClaimResult{}, gerr
		}
		// The acked ID went with the group: it is not pending in the new
		// one, so the count says 0 and GroupRecreated tells why.
		acked, res, err = c.claimOnce(ctx, op, ackID)
		res.GroupRecreated = err == nil
	}
	return acked, res, err
}

// maxDeliveries is Config.MaxDeliveries as the scripts take it: 0 never
// dead-letters.
func (c *Client) maxDeliveries() int { return max(c.cfg.MaxDeliveries, 0) }

func (c *Client) claimOnce(ctx context.Context, op, ackID string) (int64, ClaimResult, error) {
	now := c.cfg.Now()
	msg, err := claimScript.exec(ctx, c.vk,
		slices.Concat([]string{c.cfg.Stream, c.cfg.DeadStream, claimCursorKey(c.cfg.Stream, c.cfg.Group)}, c.recordKeys(now),
			[]string{c.startKey, c.waiting, c.snoozed, c.backoff, c.scheduled, c.scheduledContent}),
		[]string{c.cfg.Group, c.cfg.Consumer, ms(c.cfg.ReclaimAfter),
			strconv.Itoa(c.maxDeliveries()), msString(now), ackID,
			c.retentionMs(), ms(c.cfg.RetryBackoff), ms(c.cfg.RetryBackoffMax), c.maxLenArg()},
	)
	if err != nil {
		return 0, ClaimResult{}, wrap(op, err)
	}
	return parseClaimReply(op, msg)
}

// parseClaimReply reads claim.lua's reply: the ack's count, and the claim.
func parseClaimReply(op string, msg valkey.ValkeyMessage) (int64, ClaimResult, error) {
	r := newReply(op, msg, 13)
	kind := r.str(0)
	var res ClaimResult
	res.Dropped, res.DeadLettered, res.Waiting = r.ids(6), r.ids(7), r.ids(12)
	acked := r.int(8)
	scan := r.sub(9, 3)
	res.scan = claimScan{rows: scan.int(0), windows: scan.int(1), steps: scan.int(2)}
	switch kind {
	case tagEmpty:
	case claimNew, claimReclaimed, claimReleased:
		res.Message = parseClaimed(r, 1)
		res.Message.Reclaimed = kind == claimReclaimed
		if kind == claimReleased {
			parseReleased(res.Message, r, 10)
		}
	default:
		r.fail("reply[0]: unknown kind %q", kind)
	}
	if err := r.err(); err != nil {
		return 0, ClaimResult{}, err
	}
	return acked, res, nil
}

// parseReleased fills in who handed the entry back and when, from parts i
// and i+1 of a claim script's reply.
func parseReleased(m *Claimed, r *reply, i int) {
	m.Released, m.Reclaimed = true, false
	m.ReleasedBy = r.str(i)
	m.ReleasedAt = time.UnixMilli(r.int(i + 1)).UTC()
	m.Idle = 0
}

// parseClaimed reads {id, fields, deliveries, previous owner, idle ms}
// from part i on.
func parseClaimed(r *reply, i int) *Claimed {
	return &Claimed{
		Entry:            Entry{ID: r.id(i), Fields: r.fields(i + 1)},
		Deliveries:       r.int(i + 2),
		PreviousConsumer: r.str(i + 3),
		Idle:             time.Duration(r.int(i+4)) * time.Millisecond,
	}
}

// claimIDScript claims one given pending entry: see lua/claim_id.lua.
var claimIDScript = newScript("claim_id.lua", luaIDs, luaRecordLookup, luaRecords, luaDeadLetter, luaWaiting)

// ClaimID claims one given pending entry for this consumer. When another
// consumer holds it and it has not been idle past the reclaim threshold it
// fails with ErrNotHeld, unless force is set (the reviewer confirmed).
func (c *Client) ClaimID(ctx context.Context, id string, force bool) (*Claimed, error) {
	op := "claim " + id
	if _, err := ParseID(id); err != nil {
		return nil, opError(op, ErrInvalidID, nil)
	}
	ctx, cancel := c.deadline(ctx)
	defer cancel()
	minIdle := ms(c.cfg.ReclaimAfter)
	if force {
		minIdle = "0"
	}
	now := c.cfg.Now()
	msg, err := claimIDScript.exec(ctx, c.vk,
		append([]string{c.cfg.Stream, c.cfg.DeadStream}, c.recordKeys(now)...),
		[]string{c.cfg.Group, c.cfg.Consumer, id, minIdle, msString(now), c.retentionMs(), strconv.Itoa(outcomeTrimStep)},
	)
	if isNoGroup(err) {
		return nil, c.groupLost(ctx, op)
	}
	if err != nil {
		return nil, wrap(op, err)
	}
	return parseClaimIDReply(op, msg, c.cfg.Consumer, c.cfg.DeadStream)
}

// parseClaimIDReply reads claim_id.lua's reply for consumer.
func parseClaimIDReply(op string, msg valkey.ValkeyMessage, consumer, dead string) (*Claimed, error) {
	tag, r := newTaggedReply(op, msg, map[string]int{tagOK: 8, tagNotPending: 1, tagHeld: 3, tagDeleted: 1})
	switch tag {
	case tagNotPending:
		return nil, opError(op, ErrNotPending, nil)
	case tagDeleted:
		return nil, opError(op, ErrNotFound, fmt.Errorf("deleted from the stream while pending; recorded in %s", dead))
	case tagHeld:
		held := &HeldError{Owner: r.str(1), Idle: time.Duration(r.int(2)) * time.Millisecond}
		if err := r.err(); err != nil {
			return nil, err
		}
		return nil, opError(op, ErrNotHeld, held)
	}
	m := parseClaimed(r, 1)
	if r.str(7) != "" {
		parseReleased(m, r, 6)
	} else {
		m.Reclaimed = m.PreviousConsumer != consumer
	}
	if err := r.err(); err != nil {
		return nil, err
	}
	return m, nil
}

// HeldError says who holds an entry, the cause behind ErrNotHeld.
type HeldError struct {
	Owner string
	Idle  time.Duration
}

func (e *HeldError) Error() string {
	if e.Idle > 0 {
		return fmt.Sprintf("%s holds it, idle %s", e.Owner, e.Idle.Round(time.Second))
	}
	return e.Owner + " holds it"
}

// ackScript acknowledges and records: see lua/ack.lua.
var ackScript = newScript("ack.lua", luaIDs, luaRecordLookup, luaRecords)

// Ack acknowledges entries and returns how many were pending, recording
// for each who acked it (this client's consumer), when, and how long it
// was held, in the same round trip. Acking an
// entry that is not pending is not an error; the count tells. It fails with
// ErrLost when the group was missing (created again now) and, for a single
// ID, when the entry is neither pending nor in the stream: the server lost
// the message, nobody else acked it.
func (c *Client) Ack(ctx context.Context, ids ...string) (int64, error) {
	op := "ack " + strings.Join(ids, " ")
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
	var msg valkey.ValkeyMessage
	err := idempotent(ctx, func() (err error) {
		now := c.cfg.Now()
		msg, err = ackScript.exec(ctx, c.vk, append([]string{c.cfg.Stream}, c.recordKeys(now)...),
			append([]string{c.cfg.Group, msString(now), c.cfg.Consumer, c.retentionMs(), strconv.Itoa(outcomeTrimStep)}, ids...))
		return err
	})
	if isNoGroup(err) {
		return 0, c.groupLost(ctx, op)
	}
	if err != nil {
		return 0, wrap(op, err)
	}
	n, gone, err := parseAckReply(op, msg)
	if err != nil {
		return 0, err
	}
	if len(ids) == 1 && len(gone) == 1 {
		return 0, opError(op, ErrLost, errEntryGone)
	}
	return n, nil
}

// parseAckReply reads ack.lua's reply: how many were acked, and the IDs
// that were gone.
func parseAckReply(op string, msg valkey.ValkeyMessage) (int64, []string, error) {
	r := newReply(op, msg, 2)
	n, gone := r.int(0), r.ids(1)
	return n, gone, r.err()
}

// KeepAlive resets the idle time of an entry this consumer holds, so it is
// not reclaimed during a long read. It fails with ErrNotHeld when another
// consumer took it meanwhile, ErrNotPending when it was acked, and ErrLost
// when the server lost it (group or entry gone).
func (c *Client) KeepAlive(ctx context.Context, id string) error {
	_, err := c.touch(ctx, "keep alive "+id, id, modeKeep)
	return err
}

// Release hands an entry this consumer holds back to the group, recording
// who and when: the next claim takes it first, whatever its reclaim-after,
// as a released message (Claimed.Released), not as a failed delivery (its
// delivery count does not grow). It is also left idle past the reclaim
// threshold, for other programs' claims. It fails as KeepAlive does.
//
// With the retry backoff on (Config.RetryBackoff), a release is a retry
// instead: the message waits RetryBackoff(base, max, deliveries) out of
// everyone's reach (see Snooze), then comes back as a new entry whose
// delivery counts (Entry.Returned says it was released, by whom), so the
// wait doubles with each release, and the max deliveries still apply.
func (c *Client) Release(ctx context.Context, id string) error {
	_, err := c.ReleaseDue(ctx, id)
	return err
}

// ReleaseDue is Release, and says when the message is offered again: the
// zero time for at once (the retry backoff is off).
func (c *Client) ReleaseDue(ctx context.Context, id string) (time.Time, error) {
	return c.touch(ctx, "release "+id, id, modeRelease)
}

// touchScript keeps a held entry alive or hands it back: see
// lua/touch.lua.
var touchScript = newScript("touch.lua", luaIDs, luaRecordLookup, luaRecords, luaDeadLetter, luaWaiting)

func (c *Client) touch(ctx context.Context, op, id, mode string) (time.Time, error) {
	if _, err := ParseID(id); err != nil {
		return time.Time{}, opError(op, ErrInvalidID, nil)
	}
	ctx, cancel := c.deadline(ctx)
	defer cancel()
	var msg valkey.ValkeyMessage
	err := idempotent(ctx, func() (err error) {
		msg, err = touchScript.exec(ctx, c.vk, append([]string{c.cfg.Stream}, append(c.recordKeys(c.cfg.Now()), c.waiting, c.backoff)...),
			[]string{c.cfg.Group, c.cfg.Consumer, id, mode, ms(c.cfg.ReclaimAfter), c.nowMs(), c.retentionMs(), strconv.Itoa(outcomeTrimStep),
				ms(c.cfg.RetryBackoff), ms(c.cfg.RetryBackoffMax)})
		return err
	})
	if isNoGroup(err) {
		return time.Time{}, c.groupLost(ctx, op)
	}
	if err != nil {
		return time.Time{}, wrap(op, err)
	}
	return parseTouchReply(op, msg)
}

// parseTouchReply reads touch.lua's reply, and snooze.lua's: when the
// entry is due again when it was put away to wait (the zero time when it
// was not), or why nothing was done.
func parseTouchReply(op string, msg valkey.ValkeyMessage) (time.Time, error) {
	tag, r := newTaggedReply(op, msg, map[string]int{tagOK: 2, tagNotPending: 1, tagGone: 1, tagDeleted: 1, tagHeld: 2})
	var owner string
	var due time.Time
	switch tag {
	case tagHeld:
		owner = r.str(1)
	case tagOK:
		if s := r.str(1); s != "" {
			due = time.UnixMilli(r.int(1)).UTC()
		}
	}
	if err := r.err(); err != nil {
		return time.Time{}, err
	}
	switch tag {
	case tagNotPending:
		return due, opError(op, ErrNotPending, nil)
	case tagGone:
		return due, opError(op, ErrLost, errEntryGone)
	case tagDeleted:
		return due, opError(op, ErrLost, errDeletedHeld)
	case tagHeld:
		return due, opError(op, ErrNotHeld, &HeldError{Owner: owner})
	}
	return due, nil
}

// rejectScript dead-letters a pending entry: see lua/reject.lua.
var rejectScript = newScript("reject.lua", luaIDs, luaRecordLookup, luaRecords, luaDeadLetter, luaWaiting)

// Reject moves a pending entry to the dead-letter stream now, with a reason,
// and acknowledges it, recording this client's consumer as who did it. It
// returns the dead-letter entry's ID. It fails with
// ErrLost when the server lost the entry (group or entry gone).
func (c *Client) Reject(ctx context.Context, id, reason string) (string, error) {
	op := "dead-letter " + id
	if _, err := ParseID(id); err != nil {
		return "", opError(op, ErrInvalidID, nil)
	}
	ctx, cancel := c.deadline(ctx)
	defer cancel()
	now := c.cfg.Now()
	msg, err := rejectScript.exec(ctx, c.vk, append([]string{c.cfg.Stream, c.cfg.DeadStream}, c.recordKeys(now)...),
		[]string{c.cfg.Group, id, reason, msString(now), c.cfg.Consumer, c.retentionMs(), strconv.Itoa(outcomeTrimStep)})
	if isNoGroup(err) {
		return "", c.groupLost(ctx, op)
	}
	if err != nil {
		return "", wrap(op, err)
	}
	return parseRejectReply(op, msg)
}

// parseRejectReply reads reject.lua's reply: the dead letter's ID.
func parseRejectReply(op string, msg valkey.ValkeyMessage) (string, error) {
	tag, r := newTaggedReply(op, msg, map[string]int{tagOK: 2, tagNotPending: 1, tagGone: 1})
	switch tag {
	case tagNotPending:
		return "", opError(op, ErrNotPending, nil)
	case tagGone:
		return "", opError(op, ErrLost, errEntryGone)
	}
	did := r.id(1)
	return did, r.err()
}

// Get reads one entry in full.
func (c *Client) Get(ctx context.Context, id string) (Entry, error) {
	return c.get(ctx, c.cfg.Stream, id)
}

func (c *Client) get(ctx context.Context, key, id string) (Entry, error) {
	op := "read " + id
	if _, err := ParseID(id); err != nil {
		return Entry{}, opError(op, ErrInvalidID, nil)
	}
	ctx, cancel := c.deadline(ctx)
	defer cancel()
	var msg valkey.ValkeyMessage
	err := idempotent(ctx, func() (err error) {
		msg, err = c.vk.Do(ctx, c.vk.B().Xrange().Key(key).Start(id).End(id).Build()).ToMessage()
		return err
	})
	if err != nil {
		return Entry{}, wrap(op, err)
	}
	entries, err := parseEntries(msg)
	if err != nil {
		return Entry{}, wrap(op, err)
	}
	if len(entries) == 0 {
		return Entry{}, opError(op, ErrNotFound, nil)
	}
	return entries[0], nil
}

func ms(d time.Duration) string { return strconv.FormatInt(d.Milliseconds(), 10) }

func msString(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }
