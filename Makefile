GO ?= go

.PHONY: run test bench bench-ssh build fuzz vet

## run: the console (embedded in-memory server when none is configured)
run:
	$(GO) run . $(ARGS)

## test: vet, then every test with the race detector against a real server
test: vet
	$(GO) test -race -count=1 ./...

vet:
	$(GO) vet ./...

## bench: reviewq's claim+ack beside the raw valkey-go floor, and the screens' View
bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 5 ./queue ./tui

## bench-ssh: the SSH desk with 50, 200 and 500 reviewers (a real reviewq serve
## over redis-server): key-to-output p50/p90/p99, idle CPU, RSS per session.
## DESKLOAD_SIZES, DESKLOAD_TERM, DESKLOAD_IDLE, DESKLOAD_KEYS and
## DESKLOAD_PROFILE (a directory for CPU and heap profiles) tune it.
bench-ssh:
	$(GO) test -run '^$$' -bench Desk -benchtime 1x -timeout 30m ./internal/deskload

## build: bin/reviewq
build:
	$(GO) build -o bin/reviewq .

## fuzz: the sanitiser, for a minute
fuzz:
	$(GO) test -run '^$$' -fuzz FuzzSanitize -fuzztime 60s ./termtext
