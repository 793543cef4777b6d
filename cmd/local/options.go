package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/chatstream/chatstream/internal/localrun"
	"github.com/chatstream/chatstream/lambda/produce"
)

// options are the flags every command shares.
type options struct {
	stream      string
	kinesisPort int
	lambdaPort  int
	events      string
	rate        string
	users       string
	seed        string
	rhythm      string
	dirtyRatio  string
	// window is WINDOW_SECONDS: set by "local run" to its interval, left
	// unset (the producer's default) by the others.
	window  string
	timeout time.Duration
	workDir string
}

func (o *options) register(fs *flag.FlagSet) {
	fs.StringVar(&o.stream, "stream", "chatstream-local", "name of the on-demand stream to create")
	fs.IntVar(&o.kinesisPort, "kinesis-port", 0, "kinesis-local port on 127.0.0.1; 0 picks a free one")
	fs.IntVar(&o.lambdaPort, "lambda-port", 0, "emulator invoke port on 127.0.0.1; 0 picks a free one")
	fs.StringVar(&o.events, "events", "500", "EVENTS_PER_INVOCATION for the producer (kinesis-local takes a few hundred to a few thousand records/s)")
	fs.StringVar(&o.rate, "rate", "", "RATE for the producer, events per second; empty leaves the producer's default")
	fs.StringVar(&o.users, "users", "", "USERS for the producer; empty leaves the producer's default")
	fs.StringVar(&o.seed, "seed", "", "SEED for the producer: the world's seed (0 when empty), and a burst's; empty derives a burst's seed from the request id")
	fs.StringVar(&o.rhythm, "rhythm", "", "RHYTHM for the producer: off, on, or peak=H,trough=F,weekend=F; empty leaves the producer's default, off")
	fs.StringVar(&o.dirtyRatio, "dirty-ratio", "", "DIRTY_RATIO for the producer: the share of records malformed on purpose, 0 to 1; empty leaves the producer's default, 0")
	fs.DurationVar(&o.timeout, "timeout", 59*time.Second, "the function's Lambda timeout (staging's is 59s); run checks that it covers a window of -interval")
	fs.StringVar(&o.workDir, "workdir", "", "folder for the built binaries and the logs; empty means .local in the repository")
}

// settings are the producer variables the flags set; unset ones are left
// out so that the producer's own defaults apply.
func (o *options) settings() map[string]string {
	s := map[string]string{}
	for name, v := range map[string]string{
		"EVENTS_PER_INVOCATION": o.events, "RATE": o.rate, "USERS": o.users, "SEED": o.seed,
		"RHYTHM": o.rhythm, "DIRTY_RATIO": o.dirtyRatio, "WINDOW_SECONDS": o.window,
	} {
		if v != "" {
			s[name] = v
		}
	}
	return s
}

// population is USERS as the producer reads it, for the figures.
func (o *options) population() int {
	if n, err := strconv.Atoi(o.users); err == nil {
		return n
	}
	return produce.DefaultUsers
}

// parse parses args into fs, reporting a bad flag as a usage error.
func parse(fs *flag.FlagSet, args []string, stderr io.Writer) error {
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return err
		}
		return &usageError{err}
	}
	if fs.NArg() > 0 {
		return &usageError{fmt.Errorf("unexpected arguments %q", fs.Args())}
	}
	return nil
}

// repository returns the repository root and the work folder.
func (o *options) repository() (root, work string, err error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", "", err
	}
	root, err = localrun.FindRoot(wd)
	if err != nil {
		return "", "", err
	}
	work = o.workDir
	if work == "" {
		work = filepath.Join(root, ".local")
	}
	return root, work, nil
}

// readEvent reads a payload file named relative to the repository root or
// the working directory.
func readEvent(root, name string) ([]byte, error) {
	if name == "" {
		return nil, &usageError{fmt.Errorf("no event file given: pass -event events/<file>.json")}
	}
	path := name
	if !filepath.IsAbs(path) {
		if _, err := os.Stat(path); err != nil {
			path = filepath.Join(root, name)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read event: %w", err)
	}
	return b, nil
}

// untilStop returns a context that is also cancelled when stop is closed:
// the first Ctrl-C abandons start-up, where nothing is under way.
func untilStop(ctx context.Context, stop <-chan struct{}) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		select {
		case <-stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}

// startLocal builds and starts the producer side in the repository at root,
// with binaries and logs in work, printing where things are.
func startLocal(ctx context.Context, stop <-chan struct{}, o *options, root, work string, stdout io.Writer) (*localrun.Local, error) {
	settings := o.settings()
	fmt.Fprintf(stdout, "building the producer for %s/%s and the Lambda Runtime Interface Emulator\n", runtime.GOOS, runtime.GOARCH)
	startCtx, cancel := untilStop(ctx, stop)
	defer cancel()
	l, err := localrun.Start(startCtx, localrun.Config{
		Root:            root,
		WorkDir:         work,
		Stream:          o.stream,
		KinesisPort:     o.kinesisPort,
		LambdaPort:      o.lambdaPort,
		Settings:        settings,
		FunctionTimeout: o.timeout,
	})
	if err != nil {
		if errors.As(err, new(*localrun.PortInUseError)) {
			return nil, fmt.Errorf("%w; choose another port (make: KINESIS_PORT= or LAMBDA_PORT=, flags: -kinesis-port or -lambda-port), or 0 for a free one", err)
		}
		return nil, err
	}
	fmt.Fprintf(stdout, "kinesis-local   %s, stream %s (on-demand)\n", l.Kinesis.Endpoint, l.Stream)
	fmt.Fprintf(stdout, "producer        %s/2015-03-31/functions/function/invocations\n", l.Emulator.Endpoint)
	fmt.Fprintf(stdout, "producer env    %s\n", settingsLine(settings))
	fmt.Fprintf(stdout, "logs            %s, %s\n", relative(root, l.Kinesis.Log), relative(root, l.Emulator.Log))
	return l, nil
}

// stopLocal stops the servers and says so.
func stopLocal(l *localrun.Local, stdout io.Writer) error {
	if err := l.Close(); err != nil {
		return fmt.Errorf("stop the local servers: %w", err)
	}
	fmt.Fprintln(stdout, "stopped kinesis-local and the Lambda emulator")
	return nil
}

func settingsLine(s map[string]string) string {
	var parts []string
	for _, name := range []string{"EVENTS_PER_INVOCATION", "RATE", "USERS", "SEED", "WINDOW_SECONDS", "RHYTHM", "DIRTY_RATIO"} {
		if v, ok := s[name]; ok {
			parts = append(parts, name+"="+v)
		}
	}
	if len(parts) == 0 {
		return "(producer defaults)"
	}
	return strings.Join(parts, " ")
}

func relative(root, path string) string {
	if rel, err := filepath.Rel(root, path); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return path
}
