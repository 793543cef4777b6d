package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/chatstream/chatstream/internal/localrun"
)

// runSAM is "local sam": sam local invoke of the producer from the
// synthesized template, writing to a fresh stream on kinesis-local, then a
// read-back. sam runs the function in a container on the host's network
// (--docker-network host), where 127.0.0.1 is kinesis-local.
func runSAM(ctx context.Context, stop <-chan struct{}, args []string, stdout, stderr io.Writer) (err error) {
	fs := flag.NewFlagSet("sam", flag.ContinueOnError)
	var o options
	o.register(fs)
	templatePath := fs.String("template", "cdk.out/chatstream-staging.template.json", "synthesized template (make synth writes it)")
	function := fs.String("function", "", "the producer's logical id; empty finds the function with STREAM_NAME")
	eventFile := fs.String("event", "events/scheduler.json", "payload file")
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	// Fail before building or starting anything when SAM cannot run.
	if err := localrun.CheckSAM(ctx, exec.LookPath, localrun.RunCommand); err != nil {
		return err
	}
	root, work, err := o.repository()
	if err != nil {
		return err
	}
	payload, err := readEvent(root, *eventFile)
	if err != nil {
		return err
	}
	path := *templatePath
	if !filepath.IsAbs(path) {
		path = filepath.Join(root, path)
	}
	template, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read the synthesized template (run make synth first): %w", err)
	}
	c, err := o.check(*eventFile, payload, "")
	if err != nil {
		return err
	}

	l, err := startLocal(ctx, stop, &o, c, root, work, stdout)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, stopLocal(l, stdout)) }()

	// sam sets the region and credentials itself, from its own environment.
	env := localrun.FunctionEnv(l.Kinesis, l.Stream, c.settings)
	in, err := localrun.PrepareSAM(template, path, *function, env)
	if err != nil {
		return err
	}
	derived, envFile, eventPath := filepath.Join(work, "sam.template.json"), filepath.Join(work, "sam-env.json"), filepath.Join(work, "sam-event.json")
	for file, content := range map[string][]byte{derived: in.Template, envFile: in.EnvVars, eventPath: payload} {
		if err := os.WriteFile(file, content, 0o644); err != nil {
			return fmt.Errorf("write %s: %w", file, err)
		}
	}

	cmd := exec.CommandContext(ctx, "sam", "local", "invoke", in.Function,
		"--template-file", derived,
		"--event", eventPath,
		"--env-vars", envFile,
		"--docker-network", "host",
		"--region", l.Kinesis.Region)
	cmd.Env = append(os.Environ(),
		"AWS_ACCESS_KEY_ID=local", "AWS_SECRET_ACCESS_KEY=local", "AWS_SESSION_TOKEN=local",
		"AWS_REGION="+l.Kinesis.Region, "AWS_DEFAULT_REGION="+l.Kinesis.Region)
	var out bytes.Buffer
	cmd.Stdout = io.MultiWriter(&out, stdout)
	cmd.Stderr = stderr
	fmt.Fprintf(stdout, "sam local invoke %s (template %s, env %s)\n", in.Function, relative(root, derived), relative(root, envFile))
	f := newFollower(l.NewReader(), stdout)
	inv, invokeErr := f.invoke(ctx, "sam invoke  ", c.expected(), func(context.Context) (localrun.Invocation, error) {
		if err := cmd.Run(); err != nil {
			return localrun.Invocation{}, fmt.Errorf("sam local invoke %s: %w", in.Function, err)
		}
		result, err := localrun.ParseInvocation(lastLine(out.Bytes()), "")
		return localrun.Invocation{Result: result}, err
	})
	var fe *localrun.FunctionError
	if invokeErr != nil && !errors.As(invokeErr, &fe) {
		return invokeErr
	}
	return compare(f.records, c.producer.Users, inv.Result.Sent, inv.Result.Dirty, invokeErr, "sam's output above", nil, stdout)
}

// lastLine is the last non-empty line of out: sam prints the function's
// response last.
func lastLine(out []byte) []byte {
	lines := bytes.Split(bytes.TrimSpace(out), []byte("\n"))
	return bytes.TrimSpace(lines[len(lines)-1])
}
