package localrun

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
)

// EmulatorConfig says what the Runtime Interface Emulator runs and how.
type EmulatorConfig struct {
	// Binary is the emulator executable (see BuildEmulator).
	Binary string
	// Bootstrap is the function executable (see BuildProducer).
	Bootstrap string
	// WorkDir is the function's working directory and receives lambda.log.
	WorkDir string
	// Port is the invoke port on 127.0.0.1; 0 picks a free one.
	Port int
	// Env is the function's environment on top of what Lambda always sets.
	// Nothing else from this process's environment reaches the function.
	Env map[string]string
	// Region is the function's AWS_REGION and AWS_DEFAULT_REGION; empty
	// means us-east-1.
	Region string
	// FunctionTimeout is AWS_LAMBDA_FUNCTION_TIMEOUT; 0 means 60 s.
	FunctionTimeout time.Duration
	// StartTimeout bounds the wait for the emulator to listen; 0 means 10 s.
	StartTimeout time.Duration
}

// invoker is the part of the Lambda API that Emulator uses.
type invoker interface {
	Invoke(ctx context.Context, params *lambda.InvokeInput, optFns ...func(*lambda.Options)) (*lambda.InvokeOutput, error)
}

// Emulator is a running Runtime Interface Emulator with one function.
type Emulator struct {
	// Endpoint is the base URL of its Lambda Invoke API.
	Endpoint string
	// Log is the path of its output and the function's.
	Log string

	api     invoker
	timeout time.Duration
	proc    *process
	mu      sync.Mutex // the emulator runs one invocation at a time
}

// StartEmulator starts the emulator with the function and waits until it
// accepts connections. The function itself starts on the first invocation,
// as in Lambda.
func StartEmulator(ctx context.Context, cfg EmulatorConfig) (*Emulator, error) {
	if cfg.FunctionTimeout == 0 {
		cfg.FunctionTimeout = 60 * time.Second
	}
	if cfg.FunctionTimeout < time.Second {
		return nil, fmt.Errorf("function timeout %s is shorter than Lambda's minimum of 1s", cfg.FunctionTimeout)
	}
	if cfg.StartTimeout == 0 {
		cfg.StartTimeout = 10 * time.Second
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	return retryPortRace(func() (*Emulator, error) { return startEmulatorOnce(ctx, cfg) })
}

func startEmulatorOnce(ctx context.Context, cfg EmulatorConfig) (*Emulator, error) {
	port, err := choosePort("Lambda emulator", cfg.Port)
	if err != nil {
		return nil, err
	}
	runtimePort, err := choosePort("Lambda runtime API", 0)
	if err != nil {
		return nil, err
	}
	addr := net.JoinHostPort(loopback, strconv.Itoa(port))
	// Both addresses default to all interfaces or a fixed port; name them.
	cmd := exec.Command(cfg.Binary,
		"--runtime-interface-emulator-address", addr,
		"--runtime-api-address", net.JoinHostPort(loopback, strconv.Itoa(runtimePort)),
		cfg.Bootstrap,
	)
	cmd.Dir = cfg.WorkDir
	cmd.Env = emulatorEnv(cfg)
	logPath := filepath.Join(cfg.WorkDir, "lambda.log")
	proc, err := startProcess("Lambda emulator", cmd, logPath)
	if err != nil {
		return nil, err
	}
	if err := waitForPort(ctx, addr, proc.done, cfg.StartTimeout); err != nil {
		if errors.Is(err, errExited) {
			return nil, proc.exitError()
		}
		return nil, errors.Join(fmt.Errorf("wait for the Lambda emulator: %w; log: %s", err, logPath), proc.stop())
	}
	endpoint := "http://" + addr
	return &Emulator{
		Endpoint: endpoint,
		Log:      logPath,
		api:      newLambdaClient(endpoint),
		timeout:  cfg.FunctionTimeout,
		proc:     proc,
	}, nil
}

// emulatorEnv is the emulator's whole environment, which it passes on to the
// function: what Lambda sets for a provided.al2023 function, then cfg.Env.
func emulatorEnv(cfg EmulatorConfig) []string {
	all := map[string]string{
		"PATH":                            "/usr/local/bin:/usr/bin:/bin",
		"TZ":                              ":UTC",
		"AWS_LAMBDA_FUNCTION_NAME":        "chatstream-producer-local",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
		"AWS_LAMBDA_FUNCTION_TIMEOUT":     strconv.Itoa(int(cfg.FunctionTimeout / time.Second)),
		"AWS_EC2_METADATA_DISABLED":       "true",
		// The CDK app sets LoggingFormat JSON, for which Lambda sets this.
		"AWS_LAMBDA_LOG_FORMAT": "JSON",
		"AWS_REGION":            cfg.Region,
		"AWS_DEFAULT_REGION":    cfg.Region,
		// Lambda hands the function its role's session; kinesis-local
		// accepts any key.
		"AWS_ACCESS_KEY_ID":     localAccessKey,
		"AWS_SECRET_ACCESS_KEY": localSecretKey,
		"AWS_SESSION_TOKEN":     "local",
	}
	for k, v := range cfg.Env {
		all[k] = v
	}
	out := make([]string, 0, len(all))
	for k, v := range all {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

// newLambdaClient builds a Lambda client for the emulator. It never retries:
// a retried invocation would write a second batch of events.
func newLambdaClient(endpoint string) *lambda.Client {
	return lambda.New(lambda.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider(localAccessKey, localSecretKey, ""),
		Retryer:      aws.NopRetryer{},
	})
}

// Invocation is what one invocation returned.
type Invocation struct {
	// Payload is the response body exactly as the function returned it.
	Payload []byte
	// Result is Payload decoded; zero when the function returned an error.
	Result Result
}

// Invoke calls the function once with payload, the way the Lambda Invoke API
// does, and waits at most the function timeout plus a margin. A function
// error is returned as a *FunctionError.
func (e *Emulator) Invoke(ctx context.Context, payload []byte) (Invocation, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	from := e.proc.tail.mark()
	inv, err := invoke(ctx, e.api, payload, e.timeout+10*time.Second)
	if err != nil && !errors.As(err, new(*FunctionError)) && ctx.Err() == nil {
		// The emulator answers a function that crashed or exited with a
		// bare 502; the function's own last words say why. The answer can
		// come before they reach the log: they are in it once the
		// emulator's own report of the failed invocation is, which it
		// writes after the function's output to the same pipe.
		e.proc.tail.awaitSince(from, invokeFailedLine, lastWordsTimeout)
		err = fmt.Errorf("%w; the function's last output:\n%s", err, e.proc.tail.lastLines(5, functionOutput))
	}
	return inv, err
}

// invokeFailedLine starts the emulator's report of an invocation that
// failed, as in "(rapid) Invoke DONE failed: Runtime.ExitError".
const invokeFailedLine = "(rapid) Invoke DONE failed"

// lastWordsTimeout bounds the wait for that report, which a loaded machine
// delays by milliseconds, and which an emulator that failed in some other
// way may never write.
const lastWordsTimeout = 5 * time.Second

// functionOutput tells the function's own log lines from the emulator's.
func functionOutput(line string) bool {
	for _, prefix := range []string{"START RequestId", "END RequestId", "REPORT RequestId"} {
		if strings.HasPrefix(line, prefix) {
			return false
		}
	}
	return !strings.Contains(line, " (rapid) ")
}

func invoke(ctx context.Context, api invoker, payload []byte, timeout time.Duration) (Invocation, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	out, err := api.Invoke(ctx, &lambda.InvokeInput{
		// The emulator serves exactly one function, under this name.
		FunctionName: aws.String("function"),
		Payload:      payload,
	})
	if err != nil {
		return Invocation{}, fmt.Errorf("invoke function: %w", err)
	}
	inv := Invocation{Payload: out.Payload}
	inv.Result, err = ParseInvocation(out.Payload, aws.ToString(out.FunctionError))
	return inv, err
}

// Stop stops the emulator and the function it runs.
func (e *Emulator) Stop() error {
	return e.proc.stop()
}
