package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/chatstream/chatstream/infra/config"
	"github.com/chatstream/chatstream/internal/updatecheck"
)

// Synthesis costs seconds (jsii, cdk-nag and a go build of the producer), so every environment
// is synthesized once per test binary and its results are shared, read-only, by all tests.

// testVariants are environments the tests add to cdk.json's: the network shapes and settings
// cdk.json does not use, so their templates are checked, linted and nagged too. evr names its
// zones; existing-vpc brings subnets and a security group, reserves concurrency and subscribes an
// e-mail; routed-vpc brings subnets that already route to Kinesis, so the stack adds no endpoint.
func testVariants() map[string]map[string]any {
	return map[string]map[string]any{
		"evr": {
			"region":        "eu-west-1",
			"removalPolicy": "destroy",
			"warehouse":     map[string]any{"enhancedVpcRouting": true},
			"network":       map[string]any{"availabilityZones": []any{"eu-west-1a", "eu-west-1b", "eu-west-1c"}},
		},
		"routed-vpc": {
			"removalPolicy": "destroy",
			"network": map[string]any{
				"vpcId":                 "vpc-0123456789abcdef0",
				"subnetIds":             []any{"subnet-0123456789abcdef3", "subnet-0123456789abcdef4", "subnet-0123456789abcdef5"},
				"subnetsRouteToKinesis": true,
			},
		},
		"existing-vpc": {
			"removalPolicy": "destroy",
			"producer":      map[string]any{"reservedConcurrency": 1},
			"alarms":        map[string]any{"email": "ops@example.com"},
			"warehouse":     map[string]any{"enhancedVpcRouting": true},
			"network": map[string]any{
				"vpcId":            "vpc-0123456789abcdef0",
				"subnetIds":        []any{"subnet-0123456789abcdef0", "subnet-0123456789abcdef1", "subnet-0123456789abcdef2"},
				"securityGroupIds": []any{"sg-0123456789abcdef0"},
			},
		},
	}
}

// synthesis is one synthesized environment.
type synthesis struct {
	env      config.Environment
	stack    *ChatstreamStack
	template assertions.Template
	// resources is the template's Resources section, parsed.
	resources map[string]map[string]any
	// outputs is the template's Outputs section, parsed.
	outputs map[string]any
	// raw is the template file's text.
	raw string
	// path is the template file in the cloud assembly.
	path string
	// messages are the stack's synthesis messages: cdk-nag findings, CDK warnings.
	messages              []message
	terminationProtection bool
}

type message struct{ level, path, text string }

// synthDir is the directory every synthesis of this test binary writes to. TestMain makes it
// before the tests and removes it after them, so that a run without tests (go test -bench) does
// not synthesize anything just to clean up.
var synthDir string

// synthesized holds every environment's synthesis, made the first time a test asks.
var synthesized = sync.OnceValues(func() (*synthesisSet, error) {
	root, err := ModuleRoot(".")
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(filepath.Join(root, "cdk.json"))
	if err != nil {
		return nil, err
	}
	var file struct{ Context map[string]any }
	if err := json.Unmarshal(data, &file); err != nil {
		return nil, fmt.Errorf("parse cdk.json: %w", err)
	}
	envs := maps.Clone(file.Context[config.ContextKey].(map[string]any))
	for name, settings := range testVariants() {
		envs[name] = settings
	}
	set := &synthesisSet{envs: map[string]*synthesis{}}
	for name := range envs {
		ctx := maps.Clone(file.Context)
		ctx[config.ContextKey] = envs
		ctx[config.EnvContextKey] = name
		s, err := synthesize(root, ctx, filepath.Join(synthDir, name))
		if err != nil {
			return nil, fmt.Errorf("synthesize %s: %w", name, err)
		}
		set.envs[name] = s
	}
	return set, nil
})

type synthesisSet struct {
	envs map[string]*synthesis
}

func synthesize(root string, ctx map[string]any, outdir string) (*synthesis, error) {
	app := awscdk.NewApp(&awscdk.AppProps{Context: &ctx, Outdir: jsii.String(outdir)})
	stack, err := AddStack(app, root)
	if err != nil {
		return nil, err
	}
	artifact, err := synthStack(app, stack, outdir)
	if err != nil {
		return nil, err
	}
	s := &synthesis{env: stack.Env, stack: stack, path: *artifact.TemplateFullPath(), terminationProtection: *artifact.TerminationProtection()}
	data, err := os.ReadFile(s.path)
	if err != nil {
		return nil, err
	}
	s.raw = string(data)
	var template map[string]any
	if err := json.Unmarshal(data, &template); err != nil {
		return nil, fmt.Errorf("parse %s: %w", s.path, err)
	}
	// From the file rather than Template_FromStack, which would synthesize (and bundle) again.
	s.template = assertions.Template_FromJSON(&template, nil)
	s.outputs, _ = template["Outputs"].(map[string]any)
	s.resources = map[string]map[string]any{}
	for id, r := range template["Resources"].(map[string]any) {
		s.resources[id] = r.(map[string]any)
	}
	if s.messages, err = assemblyMessages(outdir, *stack.ArtifactId()); err != nil {
		return nil, err
	}
	return s, nil
}

// synthStack synthesizes the app. Error annotations (such as an unsuppressed cdk-nag finding) make
// CDK's synthesis throw, which jsii turns into a panic: it becomes an error naming the findings.
func synthStack(app awscdk.App, stack *ChatstreamStack, outdir string) (artifact cxapi.CloudFormationStackArtifact, err error) {
	defer func() {
		if r := recover(); r != nil {
			report, _ := os.ReadFile(filepath.Join(outdir, "validation-report.json"))
			err = fmt.Errorf("%v\n%s", r, report)
		}
	}()
	return app.Synth(nil).GetStackByName(stack.StackName()), nil
}

// assemblyMessages reads the errors, warnings and infos that synthesis recorded for a stack in the
// cloud assembly: in manifest.json and in the stack's additional metadata file.
func assemblyMessages(outdir, artifactID string) ([]message, error) {
	type entry struct {
		Type string
		Data any
	}
	var manifest struct {
		Artifacts map[string]struct {
			Metadata               map[string][]entry
			AdditionalMetadataFile string
		}
	}
	data, err := os.ReadFile(filepath.Join(outdir, "manifest.json"))
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(data, &manifest); err != nil {
		return nil, fmt.Errorf("parse manifest.json: %w", err)
	}
	artifact, ok := manifest.Artifacts[artifactID]
	if !ok {
		return nil, fmt.Errorf("manifest.json has no artifact %s", artifactID)
	}
	metadata := maps.Clone(artifact.Metadata)
	if artifact.AdditionalMetadataFile != "" {
		data, err := os.ReadFile(filepath.Join(outdir, artifact.AdditionalMetadataFile))
		if err != nil {
			return nil, err
		}
		var more map[string][]entry
		if err := json.Unmarshal(data, &more); err != nil {
			return nil, fmt.Errorf("parse %s: %w", artifact.AdditionalMetadataFile, err)
		}
		if metadata == nil {
			metadata = map[string][]entry{}
		}
		for path, entries := range more {
			metadata[path] = append(metadata[path], entries...)
		}
	}
	var out []message
	for path, entries := range metadata {
		for _, e := range entries {
			if level, ok := strings.CutPrefix(e.Type, "aws:cdk:"); ok && (level == "error" || level == "warning" || level == "info") {
				out = append(out, message{level: level, path: path, text: fmt.Sprint(e.Data)})
			}
		}
	}
	return out, nil
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "chatstream-cdk-out-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	synthDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	jsii.Close()
	os.Exit(code)
}

// synth returns the shared synthesis of env, failing the test if synthesis failed.
func synth(t *testing.T, env string) *synthesis {
	t.Helper()
	set, err := synthesized()
	if err != nil {
		t.Fatalf("synthesis: %v", err)
	}
	s, ok := set.envs[env]
	if !ok {
		t.Fatalf("no synthesized environment %q", env)
	}
	return s
}

// eachEnv runs f for cdk.json's environments.
func eachEnv(t *testing.T, f func(t *testing.T, s *synthesis)) {
	for _, env := range []string{"staging", "production"} {
		t.Run(env, func(t *testing.T) { f(t, synth(t, env)) })
	}
}

// allEnvs runs f for every synthesized environment, the variants included.
func allEnvs(t *testing.T, f func(t *testing.T, s *synthesis)) {
	for _, env := range []string{"staging", "production", "evr", "existing-vpc", "routed-vpc"} {
		t.Run(env, func(t *testing.T) { f(t, synth(t, env)) })
	}
}

// id returns the logical id of a construct's CloudFormation resource.
func (s *synthesis) id(c constructs.IConstruct) string {
	if el, ok := c.(awscdk.CfnElement); ok {
		return *s.stack.GetLogicalId(el)
	}
	return *s.stack.GetLogicalId(c.Node().DefaultChild().(awscdk.CfnElement))
}

// resource returns the template resource of a construct.
func (s *synthesis) resource(t *testing.T, c constructs.IConstruct) map[string]any {
	t.Helper()
	r, ok := s.resources[s.id(c)]
	if !ok {
		t.Fatalf("no resource %s in the template", s.id(c))
	}
	return r
}

// ofType returns the logical ids and resources of one CloudFormation type.
func (s *synthesis) ofType(typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range s.resources {
		if r["Type"] == typ {
			out[id] = r
		}
	}
	return out
}

// props returns a resource's Properties.
func props(r map[string]any) map[string]any {
	p, _ := r["Properties"].(map[string]any)
	return p
}

// must runs a jsii assertion, which panics on mismatch, and turns the panic into a test error.
func must(t *testing.T, what string, assertion func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s: %v", what, r)
		}
	}()
	assertion()
}

// ref and getAtt build the intrinsic functions CloudFormation templates use for references.
func ref(id string) map[string]any { return map[string]any{"Ref": id} }

func getAtt(id, attr string) map[string]any {
	return map[string]any{"Fn::GetAtt": []any{id, attr}}
}

// arn is what a template says for an ARN of this stack's account, partition and Region: the
// Region, and the partition with it, are literals when the environment names a Region (the tests
// name only Regions of the aws partition). CDK merges adjacent literal parts.
func (s *synthesis) arn(service, resource string) map[string]any {
	parts := []any{"arn:aws:" + service + ":" + s.env.Region + ":"}
	if s.env.Region == "" {
		parts = []any{"arn:", ref("AWS::Partition"), ":" + service + ":", ref("AWS::Region"), ":"}
	}
	parts = append(parts, ref("AWS::AccountId"), ":"+resource)
	return map[string]any{"Fn::Join": []any{"", parts}}
}

// sortByJSON orders values by their JSON text, for comparing lists whose order the template does not fix.
func sortByJSON(values []any) {
	slices.SortFunc(values, func(a, b any) int {
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		return strings.Compare(string(ja), string(jb))
	})
}

// cmpSortBy makes cmp.Diff compare slices as multisets, ordered by key.
func cmpSortBy[T any](key func(T) string) cmp.Option {
	return cmpopts.SortSlices(func(a, b T) bool { return key(a) < key(b) })
}

// text returns v if it is a string and its JSON otherwise, so tests never panic on a surprise.
func text(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func TestBenchmarksAloneDoNotSynthesize(t *testing.T) {
	// GIVEN this test binary, run the way make bench runs it: no tests, only benchmarks
	out, err := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^$", "-test.bench=.", "-test.benchtime=1x").CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", os.Args[0], err, out)
	}
	// THEN it passes without synthesizing a stack (synthesis bundles the Lambdas, which it reports)
	if strings.Contains(string(out), "Bundling asset") || !strings.Contains(string(out), "PASS") {
		t.Errorf("benchmark-only run synthesized, or did not pass:\n%s", out)
	}
}

func TestCheckUpdateOnTheSynthesizedTemplates(t *testing.T) {
	eachEnv(t, func(t *testing.T, s *synthesis) {
		parse := func(edit func(resources map[string]any)) updatecheck.Template {
			t.Helper()
			var raw map[string]any
			if err := json.Unmarshal([]byte(s.raw), &raw); err != nil {
				t.Fatal(err)
			}
			edit(raw["Resources"].(map[string]any))
			data, _ := json.Marshal(raw)
			tmpl, err := updatecheck.Parse(data)
			if err != nil {
				t.Fatal(err)
			}
			return tmpl
		}
		workgroup := s.id(s.stack.Warehouse.Workgroup)
		setCapacity := func(base, max float64) func(map[string]any) {
			return func(resources map[string]any) {
				p := resources[workgroup].(map[string]any)["Properties"].(map[string]any)
				p["BaseCapacity"], p["MaxCapacity"] = base, max
			}
		}
		deployed := parse(func(map[string]any) {})
		// GIVEN the synthesized template as deployed
		// THEN deploying it again, or with one more capacity setting, passes
		for name, next := range map[string]updatecheck.Template{
			"unchanged":   deployed,
			"one setting": parse(setCapacity(float64(s.env.Warehouse.BaseCapacity), 64)),
		} {
			if r := updatecheck.Check(deployed, next, updatecheck.Options{}); len(r.Findings) != 0 {
				t.Errorf("%s: findings %+v, want none", name, r.Findings)
			}
		}
		// AND raising both capacities at once is refused, naming the workgroup
		r := updatecheck.Check(deployed, parse(setCapacity(16, 64)), updatecheck.Options{})
		if !r.Refused() || len(r.Findings) != 1 || r.Findings[0].Resource != workgroup {
			t.Errorf("two settings: %+v, want one refusal for %s", r.Findings, workgroup)
		}
	})
}
