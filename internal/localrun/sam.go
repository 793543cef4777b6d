package localrun

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// CheckSAM returns an error unless the SAM CLI is on the PATH and a Docker
// engine answers, which sam local invoke needs to run the function in a
// container. lookPath and run are exec.LookPath and a command runner.
func CheckSAM(ctx context.Context, lookPath func(string) (string, error), run func(ctx context.Context, name string, args ...string) error) error {
	if _, err := lookPath("sam"); err != nil {
		return errors.New("sam local invoke needs the AWS SAM CLI (sam) on the PATH; install it, or use make invoke-local, which needs neither SAM nor Docker")
	}
	docker, err := lookPath("docker")
	if err != nil {
		return errors.New("sam local invoke runs the function in a Docker container, and docker is not on the PATH; install Docker, or use make invoke-local")
	}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := run(ctx, docker, "info"); err != nil {
		return fmt.Errorf("sam local invoke needs a running Docker engine, and docker info failed (%v); start Docker, or use make invoke-local", err)
	}
	return nil
}

// RunCommand runs name with args, discarding its output; for CheckSAM.
func RunCommand(ctx context.Context, name string, args ...string) error {
	return exec.CommandContext(ctx, name, args...).Run()
}

// SAMInput is what sam local invoke needs to run the producer of a
// synthesized template against a local stream.
type SAMInput struct {
	// Function is the producer's logical id.
	Function string
	// Template is the synthesized template with the producer's environment
	// widened to every variable in EnvVars, because sam local invoke
	// applies only variables the template declares, and with asset paths
	// made absolute, so it can live in another folder.
	Template []byte
	// EnvVars is the --env-vars file: the producer's variables.
	EnvVars []byte
}

// PrepareSAM derives SAMInput from the template at templatePath (its
// content is template). function names the producer's logical id; when
// empty, the one Lambda function whose environment has STREAM_NAME is used.
func PrepareSAM(template []byte, templatePath, function string, env map[string]string) (SAMInput, error) {
	var doc map[string]any
	if err := json.Unmarshal(template, &doc); err != nil {
		return SAMInput{}, fmt.Errorf("read template %s: %w", templatePath, err)
	}
	resources, _ := doc["Resources"].(map[string]any)
	if function == "" {
		found, err := findProducer(resources)
		if err != nil {
			return SAMInput{}, fmt.Errorf("template %s: %w", templatePath, err)
		}
		function = found
	}
	res, _ := resources[function].(map[string]any)
	if res == nil || res["Type"] != "AWS::Lambda::Function" {
		return SAMInput{}, fmt.Errorf("template %s: no AWS::Lambda::Function with logical id %q", templatePath, function)
	}
	props := child(res, "Properties")
	vars := child(child(props, "Environment"), "Variables")
	for name := range env {
		if _, ok := vars[name]; !ok {
			vars[name] = "" // declared, so that --env-vars may set it
		}
	}
	// SAM reads CDK asset paths relative to the template's folder.
	if meta, ok := res["Metadata"].(map[string]any); ok {
		if p, ok := meta["aws:asset:path"].(string); ok && !filepath.IsAbs(p) {
			abs, err := filepath.Abs(filepath.Join(filepath.Dir(templatePath), p))
			if err != nil {
				return SAMInput{}, fmt.Errorf("resolve asset path %s: %w", p, err)
			}
			meta["aws:asset:path"] = abs
		}
	}
	out, err := json.MarshalIndent(doc, "", " ")
	if err != nil {
		return SAMInput{}, fmt.Errorf("encode template: %w", err)
	}
	envVars, err := json.MarshalIndent(map[string]map[string]string{function: env}, "", "  ")
	if err != nil {
		return SAMInput{}, fmt.Errorf("encode env vars: %w", err)
	}
	return SAMInput{Function: function, Template: out, EnvVars: envVars}, nil
}

// findProducer returns the logical id of the one Lambda function whose
// environment declares STREAM_NAME.
func findProducer(resources map[string]any) (string, error) {
	var ids []string
	for id, r := range resources {
		res, _ := r.(map[string]any)
		if res["Type"] != "AWS::Lambda::Function" {
			continue
		}
		if _, ok := lookup(res, "Properties", "Environment", "Variables", "STREAM_NAME"); ok {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	switch len(ids) {
	case 0:
		return "", errors.New("no Lambda function with STREAM_NAME in its environment; pass the producer's logical id")
	case 1:
		return ids[0], nil
	}
	return "", fmt.Errorf("several Lambda functions have STREAM_NAME (%s); pass the producer's logical id", strings.Join(ids, ", "))
}

// lookup follows keys through nested objects.
func lookup(v any, keys ...string) (any, bool) {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[k]; !ok {
			return nil, false
		}
	}
	return v, true
}

// child returns m[key] as an object, creating it when missing.
func child(m map[string]any, key string) map[string]any {
	if c, ok := m[key].(map[string]any); ok {
		return c
	}
	c := map[string]any{}
	if m != nil {
		m[key] = c
	}
	return c
}
