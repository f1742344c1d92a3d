GO ?= go

.PHONY: run test bench bench-scale bench-ssh build fuzz vet check-bubbletea screenshots

## run: the console (embedded in-memory server when none is configured)
run:
	$(GO) run . $(ARGS)

## test: vet, the vendored Bubble Tea checked against upstream, then every
## test with the race detector against a real server
test: vet check-bubbletea
	$(GO) test -race -count=1 ./...

vet:
	$(GO) vet ./...

## check-bubbletea: third_party/bubbletea is upstream v2.1.1 (from the module
## cache, fetched if missing) plus its two patch files, byte for byte, and
## the renderer's scheduler test passes
check-bubbletea:
	GO=$(GO) third_party/verify-bubbletea.sh

## bench: claim+ack and ack-and-claim beside the raw valkey-go floor, also
## at 250 µs and 1 ms from the server through a latency proxy beside the web
## example's calls (ReviewLoop), bulk add beside valkey-go and redis-benchmark,
## the screens' View, and what the proxy itself adds (several minutes: the
## loop at a distance takes about 30 s of it, the proxy's own figures 20 s)
bench:
	$(GO) test -run '^$$' -bench . -skip 'Scale' -benchmem -count 6 ./queue ./cli ./tui
	$(GO) test -run '^$$' -bench RoundTrip -count 6 ./internal/latproxy

## bench-scale: a million pending entries: the claim's server time at 10 / 100k / 1M
## and claims per sweep, beside the old unbounded scan; stream and pending pages
## and the stats at 10k and 1M; a trim step and the stats' unread count at 10k and
## 1M; the server's memory per 200-byte message (entry, pending entry, outcome
## record) at 1M (about 10 minutes; builds its lists on a server of its own).
## REVIEWQ_SCALE_MAX=10000000 adds ten million to the claim, the pages and the
## memory (about 30 minutes more, and 6 GB of server memory)
bench-scale:
	$(GO) test -run '^$$' -bench 'Scale' -count 3 -timeout 60m ./queue

## bench-ssh: the SSH desk with 50, 200 and 500 reviewers (a real reviewq serve
## over redis-server): key-to-output p50/p90/p99, idle CPU, RSS per session.
## DESKLOAD_SIZES, DESKLOAD_TERM, DESKLOAD_MAX_SIZE (serve's --max-size),
## DESKLOAD_IDLE, DESKLOAD_KEYS and DESKLOAD_PROFILE (a directory for CPU and
## heap profiles) tune it. DESKLOAD_MODE=burst measures bursts instead: 500
## sessions (DESKLOAD_SIZES) press the same screen key at one moment,
## DESKLOAD_BURSTS times (10) DESKLOAD_BURST_GAP apart (3s), timing key to
## first output and to output complete (p50/p90/p99) and serve's CPU a key.
bench-ssh:
	$(GO) test -run '^$$' -bench Desk -benchtime 1x -timeout 30m ./internal/deskload

## build: bin/reviewq
build:
	$(GO) build -o bin/reviewq .

## fuzz: the sanitiser, the bulk add's JSON-lines reader and its address
## check's fast path, for a minute each
fuzz:
	$(GO) test -run '^$$' -fuzz FuzzSanitize -fuzztime 60s ./termtext
	$(GO) test -run '^$$' -fuzz FuzzPlainContact -fuzztime 60s ./cli
	$(GO) test -run '^$$' -fuzz FuzzPlainAddress -fuzztime 60s ./form

## screenshots: the pictures of the README and docs/ (docs/img/*.png), taken
## from the real console in tmux at 100x30: the embedded default on a fixed
## scene and a clock that stands still (REVIEWQ_SCREENSHOT_CLOCK, read by the
## embedded default only), each screen and an SSH desk session, drawn by
## headless Chromium. Needs tmux, chromium, openssh-client and the fonts
## (apt-get install -y tmux chromium openssh-client fonts-dejavu-core
## fonts-ipafont-gothic); about two minutes; not part of make test.
screenshots:
	$(GO) run ./internal/screenshots -out docs/img
