package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3assets"
	"github.com/aws/jsii-runtime-go"
)

// unusedBundlingImage satisfies BundlingOptions.Image, which CDK requires even though local
// bundling always answers first; CDK would only pull it if the local go build failed.
const unusedBundlingImage = "public.ecr.aws/docker/library/golang:1.26"

// Every Lambda binary targets the arm64 provided.al2023 runtime, which needs no RPC shim.
const (
	lambdaTarget  = "GOOS=linux GOARCH=arm64 CGO_ENABLED=0"
	lambdaTags    = "lambda.norpc"
	lambdaLdflags = "-s -w"
)

// GoBundler builds one main package of this module into a Lambda "bootstrap" binary at synthesis
// time, with the local Go toolchain instead of Docker.
type GoBundler struct {
	// Root is the module root, the directory holding go.mod.
	Root string
	// Package is the main package to build, relative to Root, such as "./lambda/producer".
	Package string
	// Log receives the go command's output; nil means os.Stderr.
	Log io.Writer
}

// TryBundle builds the bootstrap binary into outputDir. CDK calls it through jsii before it
// would fall back to Docker, so failures are reported on Log and answered with false.
func (b *GoBundler) TryBundle(outputDir *string, _ *awscdk.BundlingOptions) *bool {
	log := b.Log
	if log == nil {
		log = os.Stderr
	}
	cmd := exec.Command("go", "build", "-tags", lambdaTags, "-trimpath", "-ldflags", lambdaLdflags,
		"-o", filepath.Join(*outputDir, "bootstrap"), b.Package)
	cmd.Dir = b.Root
	cmd.Env = append(os.Environ(), strings.Fields(lambdaTarget)...)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Run(); err != nil {
		fmt.Fprintf(log, "local bundling: go build %s: %v\n", b.Package, err)
		return jsii.Bool(false)
	}
	return jsii.Bool(true)
}

// Code returns Lambda code built by TryBundle, with an asset hash over exactly the files the
// binary is built from, so unchanged sources never cause a new upload.
func (b *GoBundler) Code() (awslambda.Code, error) {
	hash, err := b.SourceHash()
	if err != nil {
		return nil, err
	}
	return awslambda.Code_FromAsset(jsii.String(filepath.Join(b.Root, b.Package)), &awss3assets.AssetOptions{
		AssetHash:     jsii.String(hash),
		AssetHashType: awscdk.AssetHashType_CUSTOM,
		Bundling: &awscdk.BundlingOptions{
			Image: awscdk.DockerImage_FromRegistry(jsii.String(unusedBundlingImage)),
			Local: b,
		},
	}), nil
}

// SourceHash hashes the build recipe, go.mod, go.sum and every Go and embedded file of the
// module's packages that Package imports, as `go list -deps` reports them for the Lambda target.
func (b *GoBundler) SourceHash() (string, error) {
	files, err := b.sourceFiles()
	if err != nil {
		return "", err
	}
	version, err := b.goOutput("env", "GOVERSION")
	if err != nil {
		return "", err
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00%s\x00", strings.TrimSpace(string(version)),
		lambdaTarget, lambdaTags, lambdaLdflags, b.Package)
	for _, rel := range files {
		data, err := os.ReadFile(filepath.Join(b.Root, rel))
		if err != nil {
			return "", fmt.Errorf("hash sources of %s: %w", b.Package, err)
		}
		fmt.Fprintf(h, "%s\x00%d\x00", filepath.ToSlash(rel), len(data))
		h.Write(data)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// sourceFiles lists, relative to Root and sorted, the files SourceHash covers.
func (b *GoBundler) sourceFiles() ([]string, error) {
	out, err := b.goOutput("list", "-deps", "-json=Dir,GoFiles,EmbedFiles,Module", "-tags", lambdaTags, b.Package)
	if err != nil {
		return nil, err
	}
	files := []string{"go.mod", "go.sum"}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var pkg struct {
			Dir        string
			GoFiles    []string
			EmbedFiles []string
			Module     *struct{ Main bool }
		}
		if err := dec.Decode(&pkg); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, fmt.Errorf("read go list output for %s: %w", b.Package, err)
		}
		// Other modules are pinned by go.sum; the standard library by the Go version.
		if pkg.Module == nil || !pkg.Module.Main {
			continue
		}
		for _, name := range slices.Concat(pkg.GoFiles, pkg.EmbedFiles) {
			rel, err := filepath.Rel(b.Root, filepath.Join(pkg.Dir, name))
			if err != nil {
				return nil, fmt.Errorf("hash sources of %s: %w", b.Package, err)
			}
			files = append(files, rel)
		}
	}
	slices.Sort(files)
	return files, nil
}

func (b *GoBundler) goOutput(args ...string) ([]byte, error) {
	cmd := exec.Command("go", args...)
	cmd.Dir = b.Root
	cmd.Env = append(os.Environ(), strings.Fields(lambdaTarget)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

// ModuleRoot walks up from dir to the directory holding go.mod.
func ModuleRoot(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("find module root from %s: %w", dir, err)
	}
	for d := abs; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("find module root: no go.mod in %s or its parents", abs)
		}
	}
}
