// Command reviewq is a terminal console for a contact-message queue kept in
// a Valkey stream: run it bare for the console, or with a subcommand for
// scripts (see `reviewq --help`).
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/reviewq/reviewq/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	code := cli.Execute(ctx)
	stop()
	os.Exit(code)
}
