package sshd

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/reviewq/reviewq/queue"
	"github.com/reviewq/reviewq/tui"
)

// pageSource counts its stream page reads, each of which takes a while.
type pageSource struct {
	tui.Queue
	reads atomic.Int64
	acks  atomic.Int64
	gate  chan struct{} // when set, a read waits for it
}

func (q *pageSource) StreamPage(ctx context.Context, sq queue.StreamQuery) (queue.StreamPage, error) {
	q.reads.Add(1)
	if q.gate != nil {
		<-q.gate
	}
	time.Sleep(5 * time.Millisecond)
	return queue.StreamPage{Entries: []queue.StreamEntry{{Entry: queue.Entry{ID: "1-0"}}, {Entry: queue.Entry{ID: "2-0"}}}}, nil
}

func (q *pageSource) Ack(ctx context.Context, ids ...string) (int64, error) {
	q.acks.Add(1)
	return int64(len(ids)), nil
}

// Sessions that ask for the same page together make one read; a write
// through any of them, news from the desk's numbers, another page or the
// window running out each make a new one; every session gets a list of
// its own.
func TestSessionsSharePageReads(t *testing.T) {
	src := &pageSource{}
	var version atomic.Uint64
	p := newPageReads(time.Hour, version.Load)
	q := sharedQueue{src, p}
	ctx := context.Background()

	var wg sync.WaitGroup
	pages := make([]queue.StreamPage, 200)
	for i := range pages {
		wg.Go(func() {
			var err error
			if pages[i], err = q.StreamPage(ctx, queue.StreamQuery{Count: 38}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := src.reads.Load(); n != 1 {
		t.Fatalf("200 sessions asking together made %d reads, want 1", n)
	}
	pages[0].Entries[0].ID = "changed"
	if pages[1].Entries[0].ID != "1-0" {
		t.Errorf("one session's change to its page shows in another's")
	}

	read := func(sq queue.StreamQuery) {
		t.Helper()
		if _, err := q.StreamPage(ctx, sq); err != nil {
			t.Fatal(err)
		}
	}
	read(queue.StreamQuery{Count: 38})
	if n := src.reads.Load(); n != 1 {
		t.Errorf("the same page again within the window: %d reads, want 1", n)
	}
	read(queue.StreamQuery{Count: 38, From: "1-0"})
	if n := src.reads.Load(); n != 2 {
		t.Errorf("another page: %d reads, want 2", n)
	}
	if _, err := q.Ack(ctx, "1-0"); err != nil || src.acks.Load() != 1 {
		t.Fatalf("ack: %v, %d acks", err, src.acks.Load())
	}
	read(queue.StreamQuery{Count: 38})
	if n := src.reads.Load(); n != 3 {
		t.Errorf("after an ack: %d reads, want 3 (a reviewer sees their own change)", n)
	}
	version.Add(1)
	read(queue.StreamQuery{Count: 38})
	if n := src.reads.Load(); n != 4 {
		t.Errorf("after news from the numbers: %d reads, want 4", n)
	}

	p.window = time.Millisecond
	time.Sleep(2 * time.Millisecond)
	read(queue.StreamQuery{Count: 38})
	if n := src.reads.Load(); n != 5 {
		t.Errorf("after the window: %d reads, want 5", n)
	}
}

// A session that ends while it waits for another's read stops waiting;
// the read goes on for the one that made it.
func TestASharedReadOutlivesAWaiter(t *testing.T) {
	src := &pageSource{gate: make(chan struct{})}
	p := newPageReads(time.Hour, func() uint64 { return 0 })
	q := sharedQueue{src, p}
	done := make(chan error, 1)
	go func() {
		_, err := q.StreamPage(context.Background(), queue.StreamQuery{})
		done <- err
	}()
	for src.reads.Load() == 0 {
		time.Sleep(100 * time.Microsecond)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := q.StreamPage(ctx, queue.StreamQuery{}); err == nil {
		t.Errorf("a waiter whose session ended got no error")
	}
	close(src.gate)
	if err := <-done; err != nil {
		t.Errorf("the read's maker: %v", err)
	}
}
