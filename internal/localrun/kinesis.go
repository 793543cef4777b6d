package localrun

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
)

//go:embed loopback.js
var loopbackPreload []byte

// requestTimeout bounds each request of ours to kinesis-local. It serves one
// request at a time, so a read waits behind the producer's PutRecords calls,
// each up to a second or two at the local pace (see PaceConstant): far more
// than Kinesis takes, far less than this.
const requestTimeout = 30 * time.Second

// Static credentials for local servers: both emulators accept any signature,
// and fixed values keep a developer's real credentials out of local runs.
const (
	localAccessKey = "local"
	localSecretKey = "local"
)

// KinesisConfig says where kinesis-local is installed and how to run it.
type KinesisConfig struct {
	// Dir is the kinesis-local package folder (see KinesisLocalDir).
	Dir string
	// WorkDir receives the loopback preload and kinesis-local.log.
	WorkDir string
	// Port is the plain-HTTP port on 127.0.0.1; 0 picks a free one.
	Port int
	// Region is the region streams live in; empty means us-east-1.
	Region string
	// StartTimeout bounds the wait for the first answer; 0 means 60 s.
	StartTimeout time.Duration
}

// Kinesis is a running kinesis-local bound to 127.0.0.1.
type Kinesis struct {
	// Endpoint is the plain-HTTP URL, for AWS_ENDPOINT_URL_KINESIS.
	Endpoint string
	// Region is the region its streams live in.
	Region string
	// Client talks to it.
	Client *kinesis.Client
	// Log is the path of its output.
	Log string

	transport *http.Transport // Client's, to drop its idle connections on Stop
	proc      *process
}

// StartKinesis starts kinesis-local and waits until it answers ListStreams.
func StartKinesis(ctx context.Context, cfg KinesisConfig) (*Kinesis, error) {
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if cfg.StartTimeout == 0 {
		cfg.StartTimeout = 60 * time.Second
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, fmt.Errorf("kinesis-local needs Node.js: %w", err)
	}
	return retryPortRace(func() (*Kinesis, error) { return startKinesisOnce(ctx, cfg, node) })
}

func startKinesisOnce(ctx context.Context, cfg KinesisConfig, node string) (*Kinesis, error) {
	plain, err := choosePort("kinesis-local", cfg.Port)
	if err != nil {
		return nil, err
	}
	// The TLS listener is unused but always opened, so it needs a free port too.
	tls, err := choosePort("kinesis-local TLS", 0)
	if err != nil {
		return nil, err
	}
	preload := filepath.Join(cfg.WorkDir, "kinesis-loopback.js")
	if err := os.WriteFile(preload, loopbackPreload, 0o644); err != nil {
		return nil, fmt.Errorf("write kinesis-local preload: %w", err)
	}

	cmd := exec.Command(node, "--require", preload, "main.js")
	cmd.Dir = cfg.Dir
	cmd.Env = append(os.Environ(),
		"KINESIS_MOCK_PLAIN_PORT="+strconv.Itoa(plain),
		"KINESIS_MOCK_TLS_PORT="+strconv.Itoa(tls),
		"AWS_REGION="+cfg.Region,
		"LOG_LEVEL=WARN",
		// Streams become active, and are gone, after 500 ms by default; a
		// local run creates one at start and again between ticks.
		"CREATE_STREAM_DURATION=100ms",
		"DELETE_STREAM_DURATION=100ms",
	)
	logPath := filepath.Join(cfg.WorkDir, "kinesis-local.log")
	proc, err := startProcess("kinesis-local", cmd, logPath)
	if err != nil {
		return nil, err
	}
	endpoint := "http://" + net.JoinHostPort(loopback, strconv.Itoa(plain))
	transport := http.DefaultTransport.(*http.Transport).Clone()
	k := &Kinesis{
		Endpoint:  endpoint,
		Region:    cfg.Region,
		Client:    newKinesisClient(endpoint, cfg.Region, &http.Client{Transport: transport, Timeout: requestTimeout}),
		Log:       logPath,
		transport: transport,
		proc:      proc,
	}
	if err := k.waitReady(ctx, cfg.StartTimeout); err != nil {
		return nil, errors.Join(err, proc.stop())
	}
	return k, nil
}

// newKinesisClient builds a client from explicit settings only, so nothing in
// the developer's AWS profile can send a local run to a real account.
func newKinesisClient(endpoint, region string, httpClient *http.Client) *kinesis.Client {
	return kinesis.New(kinesis.Options{
		Region:       region,
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider(localAccessKey, localSecretKey, ""),
		HTTPClient:   httpClient,
	})
}

// waitReady polls ListStreams until it succeeds, the process exits, or
// timeout passes.
func (k *Kinesis) waitReady(ctx context.Context, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	var lastErr error
	for {
		attempt, cancelAttempt := context.WithTimeout(ctx, 2*time.Second)
		_, err := k.Client.ListStreams(attempt, &kinesis.ListStreamsInput{}, func(o *kinesis.Options) {
			o.RetryMaxAttempts = 1
		})
		cancelAttempt()
		if err == nil {
			return nil
		}
		lastErr = err
		select {
		case <-k.proc.done:
			return k.proc.exitError()
		case <-ctx.Done():
			return fmt.Errorf("kinesis-local did not answer at %s within %s (last error: %v); log: %s", k.Endpoint, timeout, lastErr, k.Log)
		case <-tick.C:
		}
	}
}

// Stop stops kinesis-local; its streams are gone afterwards. Stop the
// emulator first: kinesis-local finishes open connections before it exits.
func (k *Kinesis) Stop() error {
	k.transport.CloseIdleConnections()
	return k.proc.stop()
}
