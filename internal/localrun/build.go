package localrun

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// emulatorPackage is the Runtime Interface Emulator, pinned by the tool
// directive in go.mod.
const emulatorPackage = "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie"

// BuildProducer compiles the producer Lambda for this machine into
// outDir/bootstrap, with the same tags and flags as the Lambda build but this
// machine's GOOS and GOARCH, so the emulator can run it directly.
func BuildProducer(ctx context.Context, root, outDir string) (string, error) {
	out := filepath.Join(outDir, "bootstrap")
	err := goBuild(ctx, root, "-tags", "lambda.norpc", "-trimpath", "-o", out, "./lambda/producer")
	if err != nil {
		return "", fmt.Errorf("build producer: %w", err)
	}
	return out, nil
}

// BuildEmulator compiles the pinned Runtime Interface Emulator into
// outDir/aws-lambda-rie.
func BuildEmulator(ctx context.Context, root, outDir string) (string, error) {
	out := filepath.Join(outDir, "aws-lambda-rie")
	if err := goBuild(ctx, root, "-o", out, emulatorPackage); err != nil {
		return "", fmt.Errorf("build the Runtime Interface Emulator: %w", err)
	}
	return out, nil
}

// goBuild runs go build in root for this machine's platform, whatever GOOS
// and GOARCH the caller's environment sets for the Lambda build.
func goBuild(ctx context.Context, root string, args ...string) error {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, goBin, append([]string{"build"}, args...)...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS="+runtime.GOOS, "GOARCH="+runtime.GOARCH, "CGO_ENABLED=0")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build %s: %w\n%s", strings.Join(args, " "), err, out.String())
	}
	return nil
}
