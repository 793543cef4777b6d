package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/chatstream/chatstream/internal/localrun"
	"github.com/chatstream/chatstream/lambda/produce"
)

// stagingTimeout is the deployed producer's timeout in staging, the local
// function timeout unless -timeout or the invocation asks for more.
const stagingTimeout = 59 * time.Second

// makeVariable names the make variable that sets flag name, for messages:
// make local is how most people run this command.
func makeVariable(name string) (string, bool) {
	switch name {
	case "ticks", "interval", "events", "event", "rate", "users", "seed", "rhythm":
		return strings.ToUpper(name), true
	case "kinesis-port", "lambda-port", "dirty-ratio", "lose-answers", "warehouse-port", "dashboard-addr":
		return strings.ToUpper(strings.ReplaceAll(name, "-", "_")), true
	case "template":
		return "SAM_TEMPLATE", true
	case "function":
		return "FUNCTION", true
	}
	return "", false
}

// badValue is a usage error for the value of flag name that says what a
// good value looks like: EVENTS="abc" (-events): … for a flag make sets.
func badValue(name, value string, err error) error {
	if v, ok := makeVariable(name); ok {
		return &usageError{fmt.Errorf("%s=%q (-%s): %w", v, value, name, err)}
	}
	return &usageError{fmt.Errorf("-%s %q: %w", name, value, err)}
}

// cause is what LoadConfig says is wrong with a value, without the
// variable's name, which badValue puts as the flag's.
func cause(err error) error {
	if inner := errors.Unwrap(err); inner != nil {
		return inner
	}
	return err
}

// options are the flags every command shares, as typed: they are checked
// together, before anything starts, by check.
type options struct {
	stream      string
	kinesisPort string
	lambdaPort  string
	events      string
	rate        string
	users       string
	seed        string
	rhythm      string
	dirtyRatio  string
	timeout     string
	workDir     string
	// window is WINDOW_SECONDS: set by "local run" to its interval, left
	// unset (the producer's default) by the others.
	window string
	// loseAnswers is the share of PutRecords answers the fault proxy
	// loses; "local sam" has no proxy and leaves it empty.
	loseAnswers string
}

func (o *options) register(fs *flag.FlagSet) {
	fs.StringVar(&o.stream, "stream", "chatstream-local", "name of the on-demand stream to create")
	fs.StringVar(&o.kinesisPort, "kinesis-port", "0", "kinesis-local port on 127.0.0.1; 0 picks a free one")
	fs.StringVar(&o.lambdaPort, "lambda-port", "0", "emulator invoke port on 127.0.0.1; 0 picks a free one")
	fs.StringVar(&o.events, "events", "500", fmt.Sprintf("EVENTS_PER_INVOCATION for the producer, a manual burst's count; locally at most %d", localrun.MaxEvents))
	fs.StringVar(&o.rate, "rate", "", "RATE for the producer, events per second: the world's rate, and a burst's pace; empty leaves the producer's default, 50")
	fs.StringVar(&o.users, "users", "", "USERS for the producer; empty leaves the producer's default")
	fs.StringVar(&o.seed, "seed", "", "SEED for the producer: the world's seed (0 when empty), and a burst's; empty derives a burst's seed from the request id")
	fs.StringVar(&o.rhythm, "rhythm", "", "RHYTHM for the producer: off, on, or peak=H,trough=F,weekend=F; empty leaves the producer's default, off")
	fs.StringVar(&o.dirtyRatio, "dirty-ratio", "", "DIRTY_RATIO for the producer: the share of records malformed on purpose, 0 to 1; empty leaves the producer's default, 0")
	fs.StringVar(&o.timeout, "timeout", "", "the function's Lambda timeout, such as 59s; empty means staging's 59s, or what a window or a burst needs if more")
	fs.StringVar(&o.workDir, "workdir", "", "folder for the built binaries and the logs; empty means .local in the repository")
}

// registerLoss registers the flag that puts the fault proxy between the
// producer and kinesis-local, for the commands that run the producer under
// the emulator.
func (o *options) registerLoss(fs *flag.FlagSet) {
	fs.StringVar(&o.loseAnswers, "lose-answers", "0", "share of PutRecords answers a fault proxy loses after kinesis-local stored their records, from 0 to below 1, such as 0.3: the producer resends them and the stream holds duplicates")
}

// variable is a producer variable that a flag sets.
type variable struct{ flag, env, value string }

// variables are the producer variables the flags set, in the order check
// checks them.
func (o *options) variables() []variable {
	return []variable{
		{"events", "EVENTS_PER_INVOCATION", o.events}, {"rate", "RATE", o.rate}, {"users", "USERS", o.users},
		{"seed", "SEED", o.seed}, {"rhythm", "RHYTHM", o.rhythm}, {"dirty-ratio", "DIRTY_RATIO", o.dirtyRatio},
		{"interval", "WINDOW_SECONDS", o.window},
	}
}

// settings are the producer variables the flags set; unset ones are left
// out so that the producer's own defaults apply.
func (o *options) settings() map[string]string {
	s := map[string]string{}
	for _, v := range o.variables() {
		if v.value != "" {
			s[v.env] = v.value
		}
	}
	return s
}

// checked is what the options say, once every value is known to be good.
type checked struct {
	kinesisPort, lambdaPort int
	// producer is the producer's configuration as the flags set it.
	producer produce.Config
	// settings are the producer variables to set.
	settings map[string]string
	// burst says the payload is a manual one: a burst, not the world's
	// window.
	burst bool
	// plan is how the one invocation, or each tick's, runs.
	plan localrun.Plan
	// loseAnswers is the share of PutRecords answers the fault proxy
	// loses, 0 for no proxy; faultSeed seeds its choices, from SEED.
	loseAnswers float64
	faultSeed   uint64
}

// expected is how many events one invocation sends, or 0 when that is the
// world's to decide: a window's count is known only afterwards.
func (c checked) expected() int {
	if c.burst {
		return c.plan.Events
	}
	return 0
}

// check checks every option and the payload the way the producer will, and
// plans the invocation for kinesis-local, before anything is built or
// started. interval is the schedule's, which sets the window, or the flag
// that sets it: "-interval" for local run, "" for the others.
func (o *options) check(payloadName string, payload []byte, intervalFlag string) (checked, error) {
	var c checked
	var err error
	if c.kinesisPort, err = port("kinesis-port", o.kinesisPort); err != nil {
		return c, err
	}
	if c.lambdaPort, err = port("lambda-port", o.lambdaPort); err != nil {
		return c, err
	}
	if c.loseAnswers, err = share("lose-answers", o.loseAnswers); err != nil {
		return c, err
	}
	var timeout time.Duration
	if o.timeout != "" {
		if timeout, err = time.ParseDuration(o.timeout); err != nil || timeout < time.Second || timeout > 15*time.Minute {
			return c, badValue("timeout", o.timeout, errors.New("want a duration from 1s to 15m, Lambda's range, such as 59s"))
		}
	}
	// The producer's own rules, one variable at a time so that the message
	// names the flag.
	if _, err := produce.LoadConfig(lookup(map[string]string{"STREAM_NAME": o.stream})); err != nil {
		return c, badValue("stream", o.stream, cause(err))
	}
	for _, v := range o.variables() {
		if v.value == "" {
			continue
		}
		if _, err := produce.LoadConfig(lookup(map[string]string{"STREAM_NAME": o.stream, v.env: v.value})); err != nil {
			if v.flag == "interval" {
				return c, badValue("interval", intervalFlag, cause(err))
			}
			return c, badValue(v.flag, v.value, cause(err))
		}
	}
	c.settings = o.settings()
	env := map[string]string{"STREAM_NAME": o.stream}
	for name, v := range c.settings {
		env[name] = v
	}
	if c.producer, err = produce.LoadConfig(lookup(env)); err != nil {
		// Each value is good on its own, but not together, as a RATE
		// that one partition key cannot carry with USERS users.
		return c, &usageError{err}
	}
	c.settings[produce.RequestTimeoutVariable] = strconv.Itoa(int(localrun.ProducerRequestTimeout/time.Second)) + "s"
	c.faultSeed = c.producer.Seed

	req, err := produce.ParsePayload(payload)
	if err != nil {
		return c, &usageError{fmt.Errorf("%s: the producer would refuse it: %w", payloadName, err)}
	}
	rateFrom := "RATE=" + strconv.Quote(o.rate) + " (-rate): "
	if o.rate == "" {
		rateFrom = "the producer's default RATE of " + strconv.FormatFloat(c.producer.Rate, 'f', -1, 64) + ": "
	}
	if req.Trigger != produce.TriggerManual {
		// A scheduled invocation sends the world's window as it happens.
		window := c.producer.Window
		windowFrom := "the producer's window of " + window.String()
		if intervalFlag != "" {
			windowFrom = "INTERVAL=" + strconv.Quote(intervalFlag) + " (-interval)"
		}
		if c.plan, err = localrun.PlanWindow(c.producer.Rate, window); err != nil {
			return c, &usageError{fmt.Errorf("%s, %s%w", windowFrom, rateFrom, err)}
		}
		switch least := produce.MinTimeout(window); {
		case timeout == 0:
			c.plan.FunctionTimeout = max(stagingTimeout, least)
		case timeout < least:
			return c, badValue("timeout", o.timeout, fmt.Errorf("a tick every %s needs a function timeout of at least %s to send its whole window", window, least))
		default:
			c.plan.FunctionTimeout = timeout
		}
		return c, nil
	}
	c.burst = true
	count, countFrom := c.producer.Count, "EVENTS="+strconv.Quote(o.events)+" (-events)"
	if o.events == "" {
		countFrom = "the producer's default EVENTS_PER_INVOCATION"
	}
	if req.Count > 0 {
		count, countFrom = req.Count, payloadName+" (count)"
	}
	rate := c.producer.Rate
	if req.Rate != nil {
		rate, rateFrom = *req.Rate, payloadName+" (rate): "
	}
	if err := localrun.CheckEvents(count); err != nil {
		return c, &usageError{fmt.Errorf("%s: %w", countFrom, err)}
	}
	if c.plan, err = localrun.PlanBurst(count, rate, timeout, stagingTimeout); err != nil {
		return c, &usageError{fmt.Errorf("%s%w", rateFrom, err)}
	}
	return c, nil
}

// lookup is os.LookupEnv over env.
func lookup(env map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := env[name]
		return v, ok
	}
}

// share parses a flag that is a share of something from 0 to below 1; an
// empty value is 0.
func share(name, value string) (float64, error) {
	if value == "" {
		return 0, nil
	}
	f, err := strconv.ParseFloat(value, 64)
	if err != nil || math.IsNaN(f) || f < 0 || f >= 1 {
		return 0, badValue(name, value, errors.New("want a share from 0 to below 1, such as 0.3; at 1 no answer would ever arrive and the producer could confirm nothing"))
	}
	return f, nil
}

// port parses a port flag: 0 to 65535, 0 picking a free one.
func port(name, value string) (int, error) {
	n, err := strconv.Atoi(value)
	if err != nil || n < 0 || n > 65535 {
		return 0, badValue(name, value, errors.New("want a port from 1 to 65535, or 0 for a free one"))
	}
	return n, nil
}

// parse parses args into fs. A bad flag is a usage error, reported without
// the whole usage; -h prints the usage and returns flag.ErrHelp.
func parse(fs *flag.FlagSet, args []string, stderr io.Writer) error {
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fs.SetOutput(stderr)
		fmt.Fprintf(stderr, "usage of local %s:\n", fs.Name())
		fs.PrintDefaults()
		return err
	case err != nil:
		return &usageError{fmt.Errorf("%w (local %s -h lists the flags)", err, fs.Name())}
	case fs.NArg() > 0:
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
		work = localrun.WorkDir(root)
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
func startLocal(ctx context.Context, stop <-chan struct{}, o *options, c checked, root, work string, stdout io.Writer) (*localrun.Local, error) {
	fmt.Fprintf(stdout, "building the producer for %s/%s and the Lambda Runtime Interface Emulator\n", runtime.GOOS, runtime.GOARCH)
	startCtx, cancel := untilStop(ctx, stop)
	defer cancel()
	l, err := localrun.Start(startCtx, localrun.Config{
		Root:            root,
		WorkDir:         work,
		Stream:          o.stream,
		KinesisPort:     c.kinesisPort,
		LambdaPort:      c.lambdaPort,
		Settings:        c.settings,
		FunctionTimeout: c.plan.FunctionTimeout,
		LoseAnswers:     c.loseAnswers,
		FaultSeed:       c.faultSeed,
	})
	if err != nil {
		if errors.As(err, new(*localrun.PortInUseError)) {
			return nil, fmt.Errorf("%w; choose another port (make: KINESIS_PORT= or LAMBDA_PORT=, flags: -kinesis-port or -lambda-port), or 0 for a free one", err)
		}
		return nil, err
	}
	fmt.Fprintf(stdout, "kinesis-local   %s, stream %s (on-demand)\n", l.Kinesis.Endpoint, l.Stream)
	fmt.Fprintf(stdout, "producer        %s/2015-03-31/functions/function/invocations\n", l.Emulator.Endpoint)
	fmt.Fprintf(stdout, "producer env    %s\n", settingsLine(c.settings))
	if l.Proxy != nil {
		fmt.Fprintf(stdout, "fault proxy     %s, in front of kinesis-local: loses %s of PutRecords answers after their records are stored (seed %d)\n",
			l.Proxy.URL, percent(c.loseAnswers), c.faultSeed)
	}
	if c.plan.Note != "" {
		fmt.Fprintf(stdout, "note            %s\n", c.plan.Note)
	}
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

// percent writes a share as a percentage to four decimals at most: 0.3 is
// 30%, not 30.000000000000004%.
func percent(f float64) string {
	return strconv.FormatFloat(math.Round(f*1e6)/1e4, 'f', -1, 64) + "%"
}

func settingsLine(s map[string]string) string {
	var parts []string
	for _, name := range []string{"EVENTS_PER_INVOCATION", "RATE", "USERS", "SEED", "WINDOW_SECONDS", "RHYTHM", "DIRTY_RATIO", produce.RequestTimeoutVariable} {
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
