package cost

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chatstream/chatstream/infra/config"
	"github.com/chatstream/chatstream/internal/golden"
)

// env loads an environment of the repository's cdk.json.
func env(t *testing.T, name string) config.Environment {
	t.Helper()
	e, err := config.LoadFile(filepath.Join("..", "..", "cdk.json"), name)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestEstimatesGolden(t *testing.T) {
	for _, name := range []string{"staging", "production"} {
		t.Run(name, func(t *testing.T) {
			e := For(env(t, name), ListPrices())
			golden.Check(t, "testdata/"+name+".golden.md", e.Markdown())
			golden.Check(t, "testdata/"+name+".golden.txt", e.Text())
		})
	}
	golden.Check(t, "testdata/modes.golden.md", ComputeByMode(env(t, "staging"), ListPrices()))
}

func TestDocsShowTheEstimates(t *testing.T) {
	// GIVEN docs/cost.md, which details the estimates, and the README, which sums them up
	read := func(path string) string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join("..", "..", path))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	costs, readme := read("docs/cost.md"), read("README.md")
	// THEN the README's opening states both totals
	staging, production := For(env(t, "staging"), ListPrices()), For(env(t, "production"), ListPrices())
	if want := fmt.Sprintf("about %s an hour (staging, %s a month) or %s an\nhour (production, %s a month)",
		dollars(staging.PerHour()), dollarsRound(staging.PerMonth()), dollars(production.PerHour()), dollarsRound(production.PerMonth())); !strings.Contains(readme, want) {
		t.Errorf("README.md does not open with the totals; want %q", want)
	}
	for _, name := range []string{"staging", "production"} {
		e := For(env(t, name), ListPrices())
		// AND docs/cost.md holds the estimates this package computes for staging (scheduled)
		// and production (realtime), line for line
		if want := e.Markdown(); !strings.Contains(costs, want) {
			t.Errorf("docs/cost.md does not contain the %s estimate; paste testdata/%s.golden.md (go test ./infra/cost -update rewrites it):\n%s", name, name, want)
		}
		// AND the README's summary has the environment's row
		if want := summaryRow(e); !strings.Contains(readme, want) {
			t.Errorf("README.md does not contain the summary row of %s; paste:\n%s", name, want)
		}
	}
	// AND the README has the compute per mode at staging's capacity
	if want := ComputeByMode(env(t, "staging"), ListPrices()); !strings.Contains(readme, want) {
		t.Errorf("README.md does not contain the compute per mode; paste testdata/modes.golden.md:\n%s", want)
	}
}

// summaryRow renders e as a row of the README's summary table: the environment, its mode, its
// Redshift compute and its total per hour, and its total per month.
func summaryRow(e Estimate) string {
	var compute float64
	for _, it := range e.Items {
		if it.Name == "Redshift Serverless compute" {
			compute = it.PerHour
		}
	}
	return fmt.Sprintf("| %s | %s | %s | %s | %s |\n", e.Env, e.Mode, dollars(compute), dollars(e.PerHour()), dollarsRound(e.PerMonth()))
}

func TestStagingMeetsItsComputeGoal(t *testing.T) {
	// The goal for staging's default: at most $0.25 per hour of Redshift compute.
	e := For(env(t, "staging"), ListPrices())
	for _, it := range e.Items {
		if it.Name == "Redshift Serverless compute" && it.PerHour > 0.25 {
			t.Errorf("staging compute = %s an hour (%s), want at most $0.25", dollars(it.PerHour), it.Assumption)
		}
	}
}

func TestEstimateFollowsTheSettings(t *testing.T) {
	p := ListPrices()
	base := env(t, "staging")
	baseline := For(base, p)
	item := func(e Estimate, name string) (Item, bool) {
		for _, it := range e.Items {
			if it.Name == name {
				return it, true
			}
		}
		return Item{}, false
	}
	perHour := func(e Estimate, name string) float64 {
		it, _ := item(e, name)
		return it.PerHour
	}
	tests := []struct {
		name  string
		edit  func(e *config.Environment)
		check func(t *testing.T, e Estimate)
	}{
		{
			name: "realtime bills every hour at the base capacity",
			edit: func(e *config.Environment) {
				e.Warehouse.BaseCapacity, e.Warehouse.MaxCapacity, e.Alarms.ComputeRpuHoursPerHour = 32, 64, 48
				e.Load.Mode, e.Load.IntervalMinutes, e.Alarms.IngestionLagSeconds = "realtime", 1, 300
			},
			check: func(t *testing.T, e Estimate) {
				if got, want := perHour(e, "Redshift Serverless compute"), 32*p.RPUHour; got != want {
					t.Errorf("compute = %v, want %v", got, want)
				}
				if got, want := perHour(e, "Lambda loader (arm64)"), 60*(30*128.0/1024*p.LambdaGBSecond+p.LambdaRequest); math.Abs(got-want) > 1e-12 {
					t.Errorf("loader = %v, want 60 loads of 30 s at 128 MB, %v", got, want)
				}
			},
		},
		{
			name: "scheduled bills the 60 s minimum per load at the base capacity",
			edit: func(e *config.Environment) {
				e.Warehouse.BaseCapacity, e.Warehouse.MaxCapacity = 16, 32
				e.Load.IntervalMinutes = 5
			},
			check: func(t *testing.T, e Estimate) {
				// 12 loads × 60 s × 16 RPU = 3.2 RPU-hours.
				if got, want := perHour(e, "Redshift Serverless compute"), 3.2*p.RPUHour; math.Abs(got-want) > 1e-12 {
					t.Errorf("compute = %v, want %v", got, want)
				}
			},
		},
		{
			name: "a longer interval costs less",
			edit: func(e *config.Environment) { e.Load.IntervalMinutes, e.Alarms.IngestionLagSeconds = 60, 3900 },
			check: func(t *testing.T, e Estimate) {
				if got, was := perHour(e, "Redshift Serverless compute"), perHour(baseline, "Redshift Serverless compute"); got*4 != was {
					t.Errorf("compute every 60 minutes = %v, want a quarter of every 15 minutes' %v", got, was)
				}
			},
		},
		{
			name: "a disabled schedule writes nothing",
			edit: func(e *config.Environment) { e.Schedule.Enabled = false },
			check: func(t *testing.T, e Estimate) {
				if got := perHour(e, "Kinesis on-demand"); got != p.StreamHour {
					t.Errorf("Kinesis = %v, want the stream-hour alone, %v", got, p.StreamHour)
				}
				if got := perHour(e, "Lambda (arm64)"); got != 0 {
					t.Errorf("Lambda = %v, want 0", got)
				}
			},
		},
		{
			name: "twice the world's rate, twice the data",
			edit: func(e *config.Environment) { e.Producer.Rate *= 2 },
			check: func(t *testing.T, e Estimate) {
				got, was := perHour(e, "Kinesis on-demand")-p.StreamHour, perHour(baseline, "Kinesis on-demand")-p.StreamHour
				if diff := got - 2*was; diff > 1e-12 || diff < -1e-12 {
					t.Errorf("Kinesis data = %v, want twice %v", got, was)
				}
			},
		},
		{
			name: "without a world, twice the burst, twice the data",
			edit: func(e *config.Environment) { e.Producer.Rate = 0; e.Producer.EventsPerInvocation *= 2 },
			check: func(t *testing.T, e Estimate) {
				got := perHour(e, "Kinesis on-demand") - p.StreamHour
				want := 2 * 60 * float64(config.Defaults("staging").Producer.EventsPerInvocation) * billedRecordKB * 1024 / 1e9 * (p.IngestGB + p.RetrieveGB)
				if diff := got - want; diff > 1e-12 || diff < -1e-12 {
					t.Errorf("Kinesis data = %v, want %v for 60 bursts of twice the default", got, want)
				}
			},
		},
		{
			name: "the rhythm's average level scales the world's events",
			edit: func(e *config.Environment) { e.Producer.Rhythm = "on" },
			check: func(t *testing.T, e Estimate) {
				got, was := perHour(e, "Kinesis on-demand")-p.StreamHour, perHour(baseline, "Kinesis on-demand")-p.StreamHour
				// The default curve averages well below its peak: a trough of a quarter
				// and weekends above weekdays.
				if ratio := got / was; ratio < 0.4 || ratio > 0.8 {
					t.Errorf("Kinesis data with the rhythm on = %.3f of it off, want the curve's mean level, between 0.4 and 0.8", ratio)
				}
			},
		},
		{
			name: "subnets that route to Kinesis need no endpoint",
			edit: func(e *config.Environment) {
				e.Network = config.Network{VpcID: "vpc-01234567", SubnetIDs: []string{"subnet-01234567", "subnet-89abcdef", "subnet-0a1b2c3d"}, SubnetsRouteToKinesis: true}
			},
			check: func(t *testing.T, e Estimate) {
				if _, ok := item(e, "Kinesis interface endpoint"); ok {
					t.Error("estimate prices an endpoint the stack does not create")
				}
				if _, ok := item(baseline, "Kinesis interface endpoint"); !ok {
					t.Error("the baseline lacks the endpoint the stack creates")
				}
			},
		},
		{
			name: "tracing adds X-Ray",
			edit: func(e *config.Environment) { e.Producer.Tracing = true },
			check: func(t *testing.T, e Estimate) {
				if got, want := perHour(e, "X-Ray"), 60*p.Trace; got != want {
					t.Errorf("X-Ray = %v, want %v", got, want)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := base
			tt.edit(&e)
			if err := e.Validate(); err != nil {
				t.Fatalf("the edited settings are invalid: %v", err)
			}
			tt.check(t, For(e, p))
		})
	}
}

func TestNumbersReadWell(t *testing.T) {
	for in, want := range map[float64]string{60000: "60,000", 2211: "2,211", 20: "20", 0.0614: "0.0614", 21.6: "21.6", 0.5: "0.5"} {
		if got := number(in); got != want {
			t.Errorf("number(%v) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[float64]string{3: "$3.00", 0.05: "$0.050", 0.0047: "$0.005", 2211.4: "$2211.40"} {
		if got := dollars(in); got != want {
			t.Errorf("dollars(%v) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[float64]string{0.375: "$0.375", 0.04: "$0.04", 1: "$1.00", 0.0000133334: "$0.0000133334", 0.2: "$0.20"} {
		if got := price(in); got != want {
			t.Errorf("price(%v) = %q, want %q", in, got, want)
		}
	}
}
