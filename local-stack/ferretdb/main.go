// Command ferretdb runs FerretDB v1.24 with its SQLite backend for the local stack.
//
// `go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.2` builds a binary that panics at
// start (build/version/version.txt is not part of the module), so the stack builds this tiny
// launcher around the public embedding package instead. The embedded server keeps no state
// file, has telemetry disabled and starts no debug HTTP listener.
//
// Usage: ferretdb -listen-addr 127.0.0.1:27017 -sqlite-dir storage/mongo/sqlite
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listenAddr := flag.String("listen-addr", "127.0.0.1:27017", "TCP address to listen on")
	sqliteDir := flag.String("sqlite-dir", "storage/mongo/sqlite", "directory of the SQLite databases")
	logLevel := flag.String("log-level", "info", "log level: debug, info, warn or error")
	flag.Parse()

	if err := run(*listenAddr, *sqliteDir, *logLevel); err != nil {
		fmt.Fprintln(os.Stderr, "ferretdb:", err)
		os.Exit(1)
	}
}

func run(listenAddr, sqliteDir, logLevel string) error {
	var level slog.Level
	if err := level.UnmarshalText([]byte(logLevel)); err != nil {
		return fmt.Errorf("-log-level: %w", err)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	dir, err := filepath.Abs(sqliteDir)
	if err != nil {
		return fmt.Errorf("-sqlite-dir: %w", err)
	}
	// The SQLite handler refuses to start when its directory does not exist yet.
	if err = os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("-sqlite-dir: %w", err)
	}
	// The handler wants a file: URL of a directory, with a trailing slash.
	sqliteURL := (&url.URL{Scheme: "file", Path: dir + "/"}).String()

	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: listenAddr},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: sqliteURL,
	})
	if err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	logger.Info("FerretDB listening", "addr", listenAddr, "sqlite", sqliteURL, "pid", os.Getpid())
	return f.Run(ctx)
}
