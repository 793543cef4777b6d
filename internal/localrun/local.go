package localrun

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"time"

	"github.com/chatstream/chatstream/internal/faultproxy"
)

// Config describes the producer side on this machine.
type Config struct {
	// Root is the repository root (see FindRoot).
	Root string
	// WorkDir receives the built binaries and the servers' logs.
	WorkDir string
	// Stream is the name of the on-demand stream to create.
	Stream string
	// KinesisPort and LambdaPort are ports on 127.0.0.1; 0 picks free ones.
	KinesisPort, LambdaPort int
	// Settings are producer settings such as EVENTS_PER_INVOCATION.
	Settings map[string]string
	// FunctionTimeout is the Lambda timeout; 0 means 60 s.
	FunctionTimeout time.Duration
	// LoseAnswers, from 0 to below 1, puts a fault proxy
	// (internal/faultproxy) between the producer and kinesis-local that
	// loses this share of PutRecords answers after their records are
	// stored: the producer cannot tell, sends them again, and the stream
	// holds duplicates, as Kinesis does after a lost answer. 0 means no
	// proxy.
	LoseAnswers float64
	// FaultSeed seeds the proxy's choice of the answers it loses.
	FaultSeed uint64
}

// Local is a running producer side: kinesis-local with one stream, and the
// producer under the Runtime Interface Emulator writing to it.
type Local struct {
	// Kinesis is the running kinesis-local.
	Kinesis *Kinesis
	// Emulator runs the producer.
	Emulator *Emulator
	// Stream is the stream the producer writes to.
	Stream string
	// Proxy is the fault proxy the producer writes through, nil without
	// Config.LoseAnswers.
	Proxy *faultproxy.Proxy
}

// Start builds the producer and the emulator, starts kinesis-local, creates
// the stream and starts the emulator. On error, whatever it started is
// stopped again.
func Start(ctx context.Context, cfg Config) (l *Local, err error) {
	kinesisDir, err := KinesisLocalDir(cfg.Root)
	if err != nil {
		return nil, err
	}
	// Ports asked for explicitly are checked before the builds, to fail fast.
	if _, err := choosePort("kinesis-local", cfg.KinesisPort); err != nil {
		return nil, err
	}
	if _, err := choosePort("Lambda emulator", cfg.LambdaPort); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.WorkDir, 0o755); err != nil {
		return nil, fmt.Errorf("create work folder: %w", err)
	}
	bootstrap, err := BuildProducer(ctx, cfg.Root, cfg.WorkDir)
	if err != nil {
		return nil, err
	}
	rie, err := BuildEmulator(ctx, cfg.Root, cfg.WorkDir)
	if err != nil {
		return nil, err
	}
	k, err := StartKinesis(ctx, KinesisConfig{Dir: kinesisDir, WorkDir: cfg.WorkDir, Port: cfg.KinesisPort})
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, k.Stop())
		}
	}()
	if err := CreateStream(ctx, k.Client, cfg.Stream, 30*time.Second); err != nil {
		return nil, err
	}
	env := FunctionEnv(k, cfg.Stream, cfg.Settings)
	var proxy *faultproxy.Proxy
	if cfg.LoseAnswers != 0 {
		if cfg.LoseAnswers < 0 || cfg.LoseAnswers >= 1 {
			return nil, fmt.Errorf("lose answers %v: want a share from 0 to below 1", cfg.LoseAnswers)
		}
		proxy, err = faultproxy.Start(faultproxy.Options{
			Upstream: k.Endpoint,
			Faults:   faultproxy.Faults{LoseAnswer: cfg.LoseAnswers},
			Rand:     rand.New(rand.NewPCG(cfg.FaultSeed, faultSeedStream)),
		})
		if err != nil {
			return nil, err
		}
		defer func() {
			if err != nil {
				err = errors.Join(err, proxy.Close())
			}
		}()
		env["AWS_ENDPOINT_URL_KINESIS"] = proxy.URL
	}
	em, err := StartEmulator(ctx, EmulatorConfig{
		Binary:          rie,
		Bootstrap:       bootstrap,
		WorkDir:         cfg.WorkDir,
		Port:            cfg.LambdaPort,
		Env:             env,
		Region:          k.Region,
		FunctionTimeout: cfg.FunctionTimeout,
	})
	if err != nil {
		return nil, err
	}
	return &Local{Kinesis: k, Emulator: em, Stream: cfg.Stream, Proxy: proxy}, nil
}

// faultSeedStream sets the proxy's generator apart from the producer's,
// which the same SEED seeds.
const faultSeedStream = 0x10c4

// proxyIdleTimeout bounds the wait for the proxy's requests after an
// invocation: each is bounded by the proxy's upstream timeout, 30 s.
const proxyIdleTimeout = time.Minute

// FunctionEnv is the producer's own environment for stream on k: its
// settings, STREAM_NAME, and the SDK's standard endpoint variable pointing at
// kinesis-local. What Lambda itself provides (region, credentials) is the
// runner's to add: StartEmulator does, and so does sam.
func FunctionEnv(k *Kinesis, stream string, settings map[string]string) map[string]string {
	env := map[string]string{"AWS_ENDPOINT_URL_KINESIS": k.Endpoint}
	for name, v := range settings {
		env[name] = v
	}
	env["STREAM_NAME"] = stream
	return env
}

// Invoke calls the producer once with payload. Through a fault proxy, it
// returns once the proxy has finished every request too: a request whose
// answer the producer gave up on may be stored after the invocation ends,
// and a read of the stream must find it.
func (l *Local) Invoke(ctx context.Context, payload []byte) (Invocation, error) {
	inv, err := l.Emulator.Invoke(ctx, payload)
	if l.Proxy == nil {
		return inv, err
	}
	idle, cancel := context.WithTimeout(ctx, proxyIdleTimeout)
	defer cancel()
	return inv, errors.Join(err, l.Proxy.Idle(idle))
}

// NewReader returns a Reader of the stream, to follow it while the producer
// writes.
func (l *Local) NewReader() *Reader {
	return NewReader(l.Kinesis.Client, l.Stream)
}

// EmptyStream deletes the stream and creates it again, empty, so that the
// next invocation writes at kinesis-local's full speed (see MaxEvents).
func (l *Local) EmptyStream(ctx context.Context) error {
	return RecreateStream(ctx, l.Kinesis.Client, l.Stream, 30*time.Second)
}

// Close stops the emulator, the fault proxy if any, and kinesis-local.
func (l *Local) Close() error {
	err := l.Emulator.Stop()
	if l.Proxy != nil {
		err = errors.Join(err, l.Proxy.Close())
	}
	return errors.Join(err, l.Kinesis.Stop())
}
