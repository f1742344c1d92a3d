GO ?= go

.PHONY: run test bench build fuzz vet

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

## build: bin/reviewq
build:
	$(GO) build -o bin/reviewq .

## fuzz: the sanitiser, for a minute
fuzz:
	$(GO) test -run '^$$' -fuzz FuzzSanitize -fuzztime 60s ./termtext
