package cost

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/chatstream/chatstream/infra/config"
	"github.com/chatstream/chatstream/lambda/produce"
	chatsql "github.com/chatstream/chatstream/sql"
)

// Volume assumptions: what the estimate takes the pipeline to move, beyond
// what the settings say.
const (
	// recordBytes is one chat event as the producer sends it (about 260
	// bytes in lambda/chat/testdata/world_seed42.jsonl), rounded up.
	recordBytes = 300
	// billedRecordKB is what Kinesis on-demand bills a record of
	// recordBytes as: its size rounded up to 1 KB.
	billedRecordKB = 1
	// storedBytes is one event as the tables keep it before compression: its
	// typed columns and the stream's metadata.
	storedBytes = 500
	// logsMBPerHour is what the stack's log groups take in per hour: the
	// producer's summary lines, the framework's and Redshift's audit logs.
	logsMBPerHour = 5
	// endpointZones is how many zones the Kinesis endpoint sits in: one per
	// subnet of the workgroup, which needs three.
	endpointZones = config.WorkgroupZones
	// hoursPerMonth is a 30-day month, the month the estimate quotes.
	hoursPerMonth = 30 * 24
	// loadSeconds is how long one load runs, its refresh included in scheduled mode: a few Data
	// API statements over one interval's records. It is what the loader Lambda bills; Redshift
	// bills it as minimumSeconds.
	loadSeconds = 30
	// minimumSeconds is Redshift Serverless's minimum charge each time the workgroup works: it
	// bills RPU-hours per second with a 60-second minimum ("Amazon Redshift pricing").
	minimumSeconds = 60
	// loaderMemoryMB is the loader function's memory (infra/loader.go).
	loaderMemoryMB = 128
)

// AlarmCount is the number of CloudWatch alarms the stack defines; the
// infra tests hold the stack to it.
const AlarmCount = 8

// Item is one line of an estimate.
type Item struct {
	// Name is what costs, such as "Redshift Serverless compute".
	Name string
	// Assumption says how PerHour is computed, prices included.
	Assumption string
	// PerHour is the estimated cost of an hour, in US dollars.
	PerHour float64
}

// Estimate is what an environment costs while it runs.
type Estimate struct {
	// Env is the environment's name.
	Env string
	// Mode says how the environment loads, such as "scheduled mode: a refresh and load every
	// 15 minutes".
	Mode string
	// Items are the lines, most expensive service first.
	Items []Item
}

// PerHour is the estimate's total for an hour.
func (e Estimate) PerHour() float64 {
	var sum float64
	for _, it := range e.Items {
		sum += it.PerHour
	}
	return sum
}

// PerMonth is the total for a 30-day month.
func (e Estimate) PerMonth() float64 { return e.PerHour() * hoursPerMonth }

// usage is what the settings make the pipeline do in an hour.
type usage struct {
	invocations float64 // producer invocations (schedule ticks)
	events      float64 // events written, and read by Redshift
	seconds     float64 // one invocation's duration
	loads       float64 // loader invocations
}

func usageOf(env config.Environment) usage {
	p := env.Producer
	var u usage
	if period, err := env.Schedule.Period(); err == nil && env.Schedule.Enabled {
		u.invocations = float64(time.Hour) / float64(period)
	}
	if period, err := env.Schedule.Period(); err == nil && p.Rate > 0 {
		// A scheduled invocation sends its window of the world as the events
		// happen: RATE events a second at the rhythm's level, and it runs
		// for the window (lambda/produce, "How schedule, timeout and window
		// fit").
		u.events = u.invocations * period.Seconds() * float64(p.Rate) * meanLevel(p.Rhythm)
		u.seconds = (period - produce.WindowLead(period)).Seconds()
	} else {
		// RATE 0 has no world: each tick is a burst of EventsPerInvocation
		// sent as fast as the stream takes it, about a second at the default.
		u.events = u.invocations * float64(p.EventsPerInvocation)
		u.seconds = 1
	}
	if env.Load.IntervalMinutes > 0 {
		u.loads = 60 / float64(env.Load.IntervalMinutes)
	}
	return u
}

// line computes one Item from the settings, the prices and the usage.
type line func(env config.Environment, p Prices, u usage) Item

// lines are the estimate's items, in the order they are shown. A setting
// that changes what a service costs changes its line here, and nowhere else.
func lines() []line {
	return []line{
		redshiftCompute, redshiftStorage, kinesis, lambda, loader, scheduler,
		cloudWatch, secrets, kms, endpoint, tracing,
	}
}

// For estimates what env costs per hour at prices p.
func For(env config.Environment, p Prices) Estimate {
	u := usageOf(env)
	e := Estimate{Env: env.Name, Mode: modeText(env.Load)}
	for _, l := range lines() {
		if it := l(env, p, u); it.Name != "" {
			e.Items = append(e.Items, it)
		}
	}
	return e
}

// redshiftCompute is the workgroup's compute at its base capacity, the one
// line the load mode changes. In realtime mode the streaming view's AUTO
// REFRESH keeps the workgroup busy, so it bills all hour, and the loads run
// while it is busy anyway. In scheduled mode it idles between loads, and each
// load bills the 60-second minimum. Queries people run bill on top.
func redshiftCompute(env config.Environment, p Prices, u usage) Item {
	w := env.Warehouse
	limit := fmt.Sprintf("cap: %d RPU = %s an hour; usage limit: %d RPU-hours %s, then %s",
		w.MaxCapacity, dollars(float64(w.MaxCapacity)*p.RPUHour), w.UsageLimit.RpuHours, w.UsageLimit.Period, w.UsageLimit.BreachAction)
	if !env.Load.Mode.Refreshes() {
		return Item{
			Name: "Redshift Serverless compute",
			Assumption: fmt.Sprintf("realtime: %d RPU × %s per RPU-hour; AUTO REFRESH keeps the workgroup busy, so it bills all hour (%s)",
				w.BaseCapacity, price(p.RPUHour), limit),
			PerHour: float64(w.BaseCapacity) * p.RPUHour,
		}
	}
	billed := float64(max(loadSeconds, minimumSeconds))
	rpuHours := u.loads * billed / 3600 * float64(w.BaseCapacity)
	return Item{
		Name: "Redshift Serverless compute",
		Assumption: fmt.Sprintf("scheduled every %d minutes: %s loads an hour, each about %d s and billed the %d s minimum, at %d RPU: %s RPU-hours × %s; "+
			"the workgroup idles between loads; queries bill extra (%s)",
			env.Load.IntervalMinutes, number(u.loads), loadSeconds, minimumSeconds, w.BaseCapacity, number(rpuHours), price(p.RPUHour), limit),
		PerHour: rpuHours * p.RPUHour,
	}
}

func redshiftStorage(_ config.Environment, p Prices, u usage) Item {
	gbMonth := u.events * hoursPerMonth * storedBytes / 1e9
	return Item{
		Name: "Redshift managed storage",
		Assumption: fmt.Sprintf("%s per GB-month; after a month, %s GB of events (%d bytes a row, before compression)",
			price(p.StorageGBMonth), number(gbMonth), storedBytes),
		PerHour: gbMonth * p.StorageGBMonth / hoursPerMonth,
	}
}

func kinesis(env config.Environment, p Prices, u usage) Item {
	gb := u.events * billedRecordKB * 1024 / 1e9
	assumption := fmt.Sprintf("%s per stream-hour; %s per GB in and %s per GB out, each record billed as 1 KB: %s records ≈ %s GB each way",
		price(p.StreamHour), price(p.IngestGB), price(p.RetrieveGB), number(u.events), number(gb))
	if env.Stream.RetentionHours > 24 {
		assumption += fmt.Sprintf("; retention beyond 24 hours (%d hours) bills extra per GB stored, not included", env.Stream.RetentionHours)
	}
	return Item{Name: "Kinesis on-demand", Assumption: assumption, PerHour: p.StreamHour + gb*(p.IngestGB+p.RetrieveGB)}
}

func lambda(env config.Environment, p Prices, u usage) Item {
	gbSeconds := u.invocations * u.seconds * float64(env.Producer.MemoryMiB) / 1024
	return Item{
		Name: "Lambda (arm64)",
		Assumption: fmt.Sprintf("%s invocations of about %s s at %d MB: %s GB-s × %s, plus %s per million requests",
			number(u.invocations), number(u.seconds), env.Producer.MemoryMiB, number(gbSeconds), price(p.LambdaGBSecond), price(p.LambdaRequest*1e6)),
		PerHour: gbSeconds*p.LambdaGBSecond + u.invocations*p.LambdaRequest,
	}
}

// loader is the loader function: one load per interval, mostly waiting on
// the Data API.
func loader(_ config.Environment, p Prices, u usage) Item {
	gbSeconds := u.loads * loadSeconds * loaderMemoryMB / 1024
	return Item{
		Name: "Lambda loader (arm64)",
		Assumption: fmt.Sprintf("%s loads of about %d s at %d MB: %s GB-s × %s, plus requests",
			number(u.loads), loadSeconds, loaderMemoryMB, number(gbSeconds), price(p.LambdaGBSecond)),
		PerHour: gbSeconds*p.LambdaGBSecond + u.loads*p.LambdaRequest,
	}
}

func scheduler(_ config.Environment, p Prices, u usage) Item {
	n := u.invocations + u.loads
	return Item{
		Name:       "EventBridge Scheduler",
		Assumption: fmt.Sprintf("%s producer and %s loader invocations × %s per million", number(u.invocations), number(u.loads), price(p.SchedulerInvocation*1e6)),
		PerHour:    n * p.SchedulerInvocation,
	}
}

func cloudWatch(_ config.Environment, p Prices, _ usage) Item {
	return Item{
		Name: "CloudWatch",
		Assumption: fmt.Sprintf("dashboard %s per month, %d alarms × %s per month, logs %s per GB ingested (%d MB an hour)",
			price(p.DashboardMonth), AlarmCount, price(p.AlarmMonth), price(p.LogsIngestGB), logsMBPerHour),
		PerHour: (p.DashboardMonth+AlarmCount*p.AlarmMonth)/hoursPerMonth + logsMBPerHour/1e3*p.LogsIngestGB,
	}
}

func secrets(_ config.Environment, p Prices, _ usage) Item {
	return Item{
		Name:       "Secrets Manager",
		Assumption: fmt.Sprintf("the admin secret Redshift manages, %s per secret-month", price(p.SecretMonth)),
		PerHour:    p.SecretMonth / hoursPerMonth,
	}
}

func kms(_ config.Environment, p Prices, _ usage) Item {
	return Item{
		Name:       "KMS",
		Assumption: fmt.Sprintf("the alarm topic's key, %s per key-month", price(p.KMSKeyMonth)),
		PerHour:    p.KMSKeyMonth / hoursPerMonth,
	}
}

func endpoint(env config.Environment, p Prices, u usage) Item {
	if !env.Network.NeedsKinesisEndpoint() {
		return Item{}
	}
	gb := u.events * recordBytes / 1e9
	return Item{
		Name: "Kinesis interface endpoint",
		Assumption: fmt.Sprintf("%d zones × %s per zone-hour, plus %s per GB Redshift reads through it (%s GB)",
			endpointZones, price(p.EndpointZoneHour), price(p.EndpointGB), number(gb)),
		PerHour: endpointZones*p.EndpointZoneHour + gb*p.EndpointGB,
	}
}

func tracing(env config.Environment, p Prices, u usage) Item {
	if !env.Producer.Tracing {
		return Item{}
	}
	return Item{
		Name:       "X-Ray",
		Assumption: fmt.Sprintf("%s traces × %s per million", number(u.invocations), price(p.Trace*1e6)),
		PerHour:    u.invocations * p.Trace,
	}
}

// Markdown renders the estimate as the table of docs/cost.md.
func (e Estimate) Markdown() string {
	var b strings.Builder
	b.WriteString("| item | assumption | per hour |\n|---|---|---|\n")
	for _, it := range e.Items {
		fmt.Fprintf(&b, "| %s | %s | %s |\n", it.Name, it.Assumption, dollarsPerHour(it.PerHour))
	}
	fmt.Fprintf(&b, "| **total** | | **about %s per hour, about %s per 30-day month** |\n", dollars(e.PerHour()), dollarsRound(e.PerMonth()))
	return b.String()
}

// Text renders the estimate for a terminal: a line per item and the totals.
func (e Estimate) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Estimated cost of %s while it runs, in %s (us-east-1 list prices; the AWS Pricing Calculator is the authority):\n", e.Env, e.Mode)
	for _, it := range e.Items {
		fmt.Fprintf(&b, "  %-28s %9s an hour\n", it.Name, dollarsPerHour(it.PerHour))
	}
	fmt.Fprintf(&b, "  %-28s %9s an hour, about %s per 30-day month\n", "total", dollars(e.PerHour()), dollarsRound(e.PerMonth()))
	return b.String()
}

// modeText says how an environment loads, for people.
func modeText(l config.Load) string {
	if !l.Mode.Refreshes() {
		return fmt.Sprintf("%s mode: AUTO REFRESH, a load every minute", l.Mode)
	}
	return fmt.Sprintf("%s mode: a refresh and load every %d minutes", l.Mode, l.IntervalMinutes)
}

// ComputeByMode renders, as the README's summary table, what the workgroup's compute
// costs in each mode at env's base capacity and list prices p: realtime, and
// scheduled every 5, 15 and 60 minutes. Only the compute line changes with
// the mode.
func ComputeByMode(env config.Environment, p Prices) string {
	var b strings.Builder
	b.WriteString("| mode | latency to the table | compute per hour | per 30-day month |\n|---|---|---|---|\n")
	modes := []config.Load{{Mode: chatsql.Realtime, IntervalMinutes: config.RealtimeIntervalMinutes}}
	for _, n := range []int{config.MinScheduledMinutes, 15, 60} {
		modes = append(modes, config.Load{Mode: chatsql.Scheduled, IntervalMinutes: n})
	}
	for _, l := range modes {
		e := env
		e.Load = l
		it := redshiftCompute(e, p, usageOf(e))
		latency := "about a minute"
		if l.Mode.Refreshes() {
			latency = fmt.Sprintf("up to %d minutes", l.IntervalMinutes)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", modeText(l), latency, dollars(it.PerHour), dollarsRound(it.PerHour*hoursPerMonth))
	}
	return b.String()
}

// dollars renders an amount with two decimals, or three below a dime.
func dollars(v float64) string {
	if v != 0 && math.Abs(v) < 0.1 {
		return fmt.Sprintf("$%.3f", v)
	}
	return fmt.Sprintf("$%.2f", v)
}

// price renders a unit price with all its digits and at least cents: $0.375, $0.04, $1.00.
func price(v float64) string {
	s := strings.TrimRight(fmt.Sprintf("%.10f", v), "0")
	if i := strings.IndexByte(s, '.'); len(s)-i-1 < 2 {
		s += strings.Repeat("0", 2-(len(s)-i-1))
	}
	return "$" + s
}

// dollarsPerHour renders an item's hourly cost; under a tenth of a cent it
// says so rather than show zeros.
func dollarsPerHour(v float64) string {
	if v < 0.001 {
		return "< $0.001"
	}
	return dollars(v)
}

// dollarsRound renders a large amount to the dollar, with thousands marked.
func dollarsRound(v float64) string { return "$" + number(math.Round(v)) }

// number renders a quantity for people: whole numbers with thousands
// marked, small ones with a few significant digits.
func number(v float64) string {
	if v >= 1000 {
		v = math.Round(v)
	}
	if v != math.Trunc(v) || v < 1 {
		return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.3g", v), "0"), ".")
	}
	s := fmt.Sprintf("%.0f", v)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// meanLevel is the rhythm's average level over a week, sampled each minute:
// the share of RATE the world sends in an average hour. A rhythm the
// settings refuse counts as off; validation reports it.
func meanLevel(rhythm string) float64 {
	r, err := produce.ParseRhythm(rhythm)
	if err != nil {
		return 1
	}
	week := time.Date(2026, time.January, 5, 0, 0, 0, 0, time.UTC) // a Monday
	const samples = 7 * 24 * 60
	var sum float64
	for i := range samples {
		sum += r.Level(week.Add(time.Duration(i) * time.Minute))
	}
	return sum / samples
}
