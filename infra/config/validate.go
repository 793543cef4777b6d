package config

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/chatstream/chatstream/lambda/produce"
	chatsql "github.com/chatstream/chatstream/sql"
)

var (
	envName        = regexp.MustCompile(`^[a-z][a-z0-9-]{0,19}$`)
	zoneName       = regexp.MustCompile(`^([a-z]{2}(-[a-z]+)+-[0-9]+)[a-z]$`)
	namespaceName  = regexp.MustCompile(`^[a-z0-9-]{3,64}$`)
	workgroupName  = regexp.MustCompile(`^[a-z0-9-]{3,63}$`)
	databaseName   = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)
	userName       = regexp.MustCompile(`^[a-z][a-z0-9_]{0,127}$`)
	vpcID          = regexp.MustCompile(`^vpc-[0-9a-f]{8}([0-9a-f]{9})?$`)
	subnetID       = regexp.MustCompile(`^subnet-[0-9a-f]{8}([0-9a-f]{9})?$`)
	securityGroup  = regexp.MustCompile(`^sg-[0-9a-f]{8}([0-9a-f]{9})?$`)
	rateExpression = regexp.MustCompile(`^rate\(([0-9]+) (minutes?|hours?|days?)\)$`)
	// emailAddress is what SNS can send to: one address, no display name.
	emailAddress = regexp.MustCompile(`^[^@\s<>"',;]+@[^@\s<>"',;]+\.[a-z]{2,}$`)
)

// LogRetentionPeriods returns the retention periods, in days, that CloudWatch Logs accepts.
func LogRetentionPeriods() []int {
	return []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}
}

// Period returns the interval of the schedule's rate expression.
func (s Schedule) Period() (time.Duration, error) {
	m := rateExpression.FindStringSubmatch(s.Expression)
	if m == nil {
		return 0, errors.New(`want a rate expression such as "rate(1 minute)" or "rate(5 minutes)"`)
	}
	n, err := strconv.Atoi(m[1])
	if err != nil || n < 1 {
		return 0, errors.New("want a positive whole number of minutes, hours or days")
	}
	unit := m[2]
	if (n == 1) != !strings.HasSuffix(unit, "s") {
		return 0, errors.New(`use the singular unit for 1 and the plural otherwise, e.g. "rate(1 minute)", "rate(2 minutes)"`)
	}
	per := map[string]time.Duration{"minute": time.Minute, "hour": time.Hour, "day": 24 * time.Hour}[strings.TrimSuffix(unit, "s")]
	return time.Duration(n) * per, nil
}

// Validate reports every invalid setting, each error naming the key and its value.
func (e Environment) Validate() error {
	c := checker{env: e}
	c.check(e.RemovalPolicy == RemovalDestroy || e.RemovalPolicy == RemovalRetain, "removalPolicy", e.RemovalPolicy,
		"want %q or %q", RemovalDestroy, RemovalRetain)
	c.check(slices.Contains(LogRetentionPeriods(), e.LogRetentionDays), "logRetentionDays", e.LogRetentionDays,
		"want one of CloudWatch's retention periods %v", LogRetentionPeriods())
	if e.Region != "" {
		why := checkRegion(e.Region)
		c.check(why == "", "region", e.Region, "%s", why)
	}
	c.stream(e.Stream)
	c.producer(e.Producer, e.Schedule)
	c.warehouse(e.Warehouse, e.Network)
	c.network(e.Network, e.Region, e.Retain())
	c.alarms(e.Alarms, e.Warehouse, e.Load)
	c.load(e.Load, e.Stream)
	return errors.Join(c.errs...)
}

type checker struct {
	env  Environment
	errs []error
}

func (c *checker) check(ok bool, path string, value any, format string, args ...any) {
	if !ok {
		c.errs = append(c.errs, fmt.Errorf("%s = %s: %s", c.env.key(path), show(value), fmt.Sprintf(format, args...)))
	}
}

func (c *checker) between(path string, value, low, high int) {
	c.check(value >= low && value <= high, path, value, "want %d to %d", low, high)
}

func (c *checker) stream(s Stream) {
	// The stream view names the stream, so the name must be one the DDL can quote.
	_, err := chatsql.QuoteStreamName(s.Name)
	c.check(err == nil, "stream.name", s.Name, "want a Kinesis stream name Redshift can name: %v", err)
	c.between("stream.retentionHours", s.RetentionHours, 24, 8760)
}

func (c *checker) producer(p Producer, s Schedule) {
	c.between("producer.eventsPerInvocation", p.EventsPerInvocation, 1, produce.MaxCount)
	c.between("producer.rate", p.Rate, 0, 1_000_000)
	c.between("producer.users", p.Users, 1, produce.MaxUsers)
	c.between("producer.memoryMiB", p.MemoryMiB, 128, 10240)
	c.between("producer.timeoutSeconds", p.TimeoutSeconds, 1, 900)
	c.between("producer.asyncRetryAttempts", p.AsyncRetryAttempts, 0, 2)
	c.between("producer.reservedConcurrency", p.ReservedConcurrency, 0, 1000)
	// Lambda's limits for an asynchronous invocation's MaximumEventAgeInSeconds.
	c.between("producer.maxEventAgeSeconds", p.MaxEventAgeSeconds, 60, 21600)
	_, err := produce.ParseRhythm(p.Rhythm)
	c.check(err == nil, "producer.rhythm", p.Rhythm, "%v", err)
	c.check(p.DirtyRatio >= 0 && p.DirtyRatio <= 1, "producer.dirtyRatio", p.DirtyRatio, "want a share from 0 to 1")
	if p.Rate > 0 && p.Users > 0 {
		err := produce.CheckRate(p.Users, float64(p.Rate))
		c.check(err == nil, "producer.rate", p.Rate, "%v", err)
	}
	if p.Rate > 0 && p.EventsPerInvocation > 0 && p.TimeoutSeconds > 0 {
		need := (p.EventsPerInvocation + p.Rate - 1) / p.Rate
		c.check(need < p.TimeoutSeconds, "producer.eventsPerInvocation", p.EventsPerInvocation,
			"at producer.rate = %d events/s one invocation needs %ds, not less than producer.timeoutSeconds = %d",
			p.Rate, need, p.TimeoutSeconds)
	}

	c.between("schedule.maxRetryAttempts", s.MaxRetryAttempts, 0, 185)
	c.between("schedule.maxEventAgeSeconds", s.MaxEventAgeSeconds, 60, 86400)
	period, err := s.Period()
	if err != nil {
		c.check(false, "schedule.expression", s.Expression, "%v", err)
		return
	}
	// Each invocation covers the world's window of one period: the timeout must cover the window and end
	// before the next invocation starts. The rule lives with the producer, which computes the window.
	err = produce.CheckTimeout(period, time.Duration(p.TimeoutSeconds)*time.Second)
	c.check(err == nil, "producer.timeoutSeconds", p.TimeoutSeconds, "%v (schedule.expression = %q)", err, s.Expression)
}

func (c *checker) warehouse(w Warehouse, n Network) {
	c.check(namespaceName.MatchString(w.NamespaceName), "warehouse.namespaceName", w.NamespaceName,
		"want 3 to 64 lower-case letters, digits or hyphens")
	// CreateWorkgroup takes 64 characters, but the Data API's WorkgroupName only 63: a longer name
	// would deploy the workgroup and then fail the DDL custom resource.
	c.check(workgroupName.MatchString(w.WorkgroupName), "warehouse.workgroupName", w.WorkgroupName,
		"want 3 to 63 lower-case letters, digits or hyphens (the Data API's limit)")
	c.check(databaseName.MatchString(w.DatabaseName), "warehouse.databaseName", w.DatabaseName,
		"want 1 to 64 lower-case letters, digits or underscores, starting with a letter")
	c.check(userName.MatchString(w.AdminUsername), "warehouse.adminUsername", w.AdminUsername,
		"want 1 to 128 lower-case letters, digits or underscores, starting with a letter")
	c.check(w.BaseCapacity == 4 || (w.BaseCapacity >= 8 && w.BaseCapacity <= 512 && w.BaseCapacity%8 == 0),
		"warehouse.baseCapacity", w.BaseCapacity, "want 4 (offered in some Regions) or 8 to 512 RPU in steps of 8")
	c.check(w.MaxCapacity >= w.BaseCapacity && w.MaxCapacity >= 8 && w.MaxCapacity%8 == 0, "warehouse.maxCapacity", w.MaxCapacity,
		"want a multiple of 8 RPU, at least 8 and at least warehouse.baseCapacity = %d", w.BaseCapacity)
	c.check((w.Port >= 5431 && w.Port <= 5455) || (w.Port >= 8191 && w.Port <= 8215), "warehouse.port", w.Port,
		"want 5431 to 5455 or 8191 to 8215")
	known := []string{LogUser, LogConnection, LogUserActivity}
	for i, l := range w.LogExports {
		c.check(slices.Contains(known, l), fmt.Sprintf("warehouse.logExports[%d]", i), l, "want one of %q", known)
		c.check(!slices.Contains(w.LogExports[:i], l), fmt.Sprintf("warehouse.logExports[%d]", i), l, "listed twice")
	}
	c.usageLimit(w)
	c.check(!w.PubliclyAccessible || !n.CreatesVpc(), "warehouse.publiclyAccessible", w.PubliclyAccessible,
		"a created VPC has only isolated subnets; set network.vpcId and public network.subnetIds to expose the workgroup")
}

// network checks where the workgroup goes against the rule of WorkgroupZones: at least three
// subnets in three Availability Zones, whether or not enhanced VPC routing is on. An environment
// that retains its data must say where: Redshift Serverless supports only some Availability Zone
// IDs in each Region ("Considerations when using Amazon Redshift Serverless"), and which zone ID
// a zone name means differs between accounts, so the Region's first three zones may not do.
func (c *checker) network(n Network, region string, retain bool) {
	if !n.CreatesVpc() {
		c.check(vpcID.MatchString(n.VpcID), "network.vpcId", n.VpcID, "want vpc- and 8 or 17 hex digits")
		c.ids("network.subnetIds", n.SubnetIDs, subnetID, "subnet-")
		c.ids("network.securityGroupIds", n.SecurityGroupIDs, securityGroup, "sg-")
		c.check(len(n.SubnetIDs) >= WorkgroupZones, "network.subnetIds", n.SubnetIDs,
			"want at least %d subnets in %d Availability Zones (in %s: in 2), which Redshift Serverless requires", WorkgroupZones, WorkgroupZones, TwoZoneRegion)
		c.check(len(n.AvailabilityZones) == 0, "network.availabilityZones", n.AvailabilityZones,
			"only applies to a created VPC; the zones of existing subnets come from the subnets")
		return
	}
	c.check(len(n.SubnetIDs) == 0, "network.subnetIds", n.SubnetIDs, "needs network.vpcId")
	c.check(len(n.SecurityGroupIDs) == 0, "network.securityGroupIds", n.SecurityGroupIDs, "needs network.vpcId")
	c.check(!n.SubnetsRouteToKinesis, "network.subnetsRouteToKinesis", n.SubnetsRouteToKinesis,
		"needs network.vpcId: a created VPC has no route out, so the stack always adds the Kinesis endpoint")
	prefix, err := netip.ParsePrefix(n.VpcCidr)
	c.check(err == nil && prefix.Addr().Is4() && prefix.Addr().IsPrivate() && prefix.Bits() >= 16 && prefix.Bits() <= 22 && prefix.Masked() == prefix,
		"network.vpcCidr", n.VpcCidr, "want a private IPv4 network from /16 to /22, such as 10.42.0.0/16")
	twoZones := fmt.Sprintf("%s offers two Availability Zones and a created VPC needs %d: set network.vpcId and %d network.subnetIds there",
		TwoZoneRegion, WorkgroupZones, WorkgroupZones)
	c.check(region != TwoZoneRegion, "region", region, "%s", twoZones)
	if len(n.AvailabilityZones) == 0 {
		// The stack then takes the first three zones of the Region it deploys to.
		c.check(!retain, "network.availabilityZones", []string{},
			"an environment that retains its data (removalPolicy %q) must name at least %d zones whose zone IDs Redshift Serverless supports, "+
				"or set network.vpcId and network.subnetIds; the Region's first zones may map to unsupported zone IDs in your account", RemovalRetain, WorkgroupZones)
		return
	}
	distinct := slices.Compact(slices.Sorted(slices.Values(n.AvailabilityZones)))
	c.check(len(distinct) >= WorkgroupZones, "network.availabilityZones", n.AvailabilityZones,
		"want at least %d distinct Availability Zones, which Redshift Serverless requires, or none for the Region's first %d",
		WorkgroupZones, WorkgroupZones)
	want := region
	for i, z := range n.AvailabilityZones {
		path := fmt.Sprintf("network.availabilityZones[%d]", i)
		m := zoneName.FindStringSubmatch(z)
		if m == nil {
			c.check(false, path, z, "want a zone name such as eu-west-1a")
			continue
		}
		if want == "" {
			want = m[1]
		}
		c.check(m[1] == want, path, z, "want a zone of Region %s", want)
		c.check(!slices.Contains(n.AvailabilityZones[:i], z), path, z, "listed twice")
	}
	if region == "" && want != "" {
		// Zone names bind the environment to their Region; deployed anywhere else, the subnets fail.
		c.check(false, "region", region, "network.availabilityZones names zones of %s: set region to %q", want, want)
		if why := checkRegion(want); why != "" {
			c.check(false, "network.availabilityZones", n.AvailabilityZones, "%s: %s", want, why)
		}
	}
}

// alarms checks the alarm settings. The compute alarm's level is at most what an hour at maximum
// capacity uses. In realtime mode the workgroup is busy all hour by design, so the level is at
// least an hour at base capacity; in scheduled mode it idles between loads, and any level from
// one RPU-hour up can say that it did not.
func (c *checker) alarms(a Alarms, w Warehouse, l Load) {
	c.check(a.Email == "" || emailAddress.MatchString(a.Email), "alarms.email", a.Email,
		"want one e-mail address such as ops@example.com, or empty for no subscription")
	c.between("alarms.ingestionLagSeconds", a.IngestionLagSeconds, 60, 86400)
	// In scheduled mode Redshift reads the stream once an interval, so the records it reads are up
	// to an interval old: the lag alarm must wait longer than that.
	if l.Mode == chatsql.Scheduled && l.IntervalMinutes > 0 {
		c.check(a.IngestionLagSeconds > l.IntervalMinutes*60, "alarms.ingestionLagSeconds", a.IngestionLagSeconds,
			"scheduled mode reads the stream every load.intervalMinutes = %d, so records are that old when read: want more than %d",
			l.IntervalMinutes, l.IntervalMinutes*60)
	}
	low, why := 1, "one RPU-hour"
	if l.Mode == chatsql.Realtime {
		low, why = w.BaseCapacity, fmt.Sprintf("warehouse.baseCapacity = %d, an hour busy at base capacity, as realtime mode is", w.BaseCapacity)
	}
	c.check(a.ComputeRpuHoursPerHour >= low && a.ComputeRpuHoursPerHour <= w.MaxCapacity,
		"alarms.computeRpuHoursPerHour", a.ComputeRpuHoursPerHour,
		"want from %s to warehouse.maxCapacity = %d (an hour at the cap)", why, w.MaxCapacity)
}

func (c *checker) ids(path string, ids []string, pattern *regexp.Regexp, prefix string) {
	for i, id := range ids {
		p := fmt.Sprintf("%s[%d]", path, i)
		c.check(pattern.MatchString(id), p, id, "want %s and 8 or 17 hex digits", prefix)
		c.check(!slices.Contains(ids[:i], id), p, id, "listed twice")
	}
}

// usageLimit checks the RPU-hour limit: a positive amount the workgroup can reach in the period
// at its maximum capacity (a larger one never fires), one of the periods and breach actions
// CreateUsageLimit takes.
func (c *checker) usageLimit(w Warehouse) {
	u := w.UsageLimit
	hours, ok := UsageLimitPeriods()[u.Period]
	c.check(ok, "warehouse.usageLimit.period", u.Period, "want daily, weekly or monthly")
	if ok {
		c.between("warehouse.usageLimit.rpuHours", u.RpuHours, 1, w.MaxCapacity*hours)
	}
	c.check(slices.Contains([]string{BreachLog, BreachEmitMetric, BreachDeactivate}, u.BreachAction),
		"warehouse.usageLimit.breachAction", u.BreachAction, "want %q, %q or %q", BreachLog, BreachEmitMetric, BreachDeactivate)
}

// load checks the mode and the loader's schedule. In scheduled mode the records wait in the
// stream between loads, so the interval stays at most a quarter of the retention: three loads in
// a row may fail and the fourth still finds every record.
func (c *checker) load(l Load, s Stream) {
	c.between("load.maxRetryAttempts", l.MaxRetryAttempts, 0, 185)
	c.between("load.maxEventAgeSeconds", l.MaxEventAgeSeconds, 60, 86400)
	switch l.Mode {
	case chatsql.Realtime:
		c.check(l.IntervalMinutes == RealtimeIntervalMinutes, "load.intervalMinutes", l.IntervalMinutes,
			"realtime mode loads every minute: want %d, or mode %q for longer intervals", RealtimeIntervalMinutes, chatsql.Scheduled)
	case chatsql.Scheduled:
		most := s.RetentionHours * 60 / 4
		c.check(l.IntervalMinutes >= MinScheduledMinutes && l.IntervalMinutes <= most, "load.intervalMinutes", l.IntervalMinutes,
			"scheduled mode wants %d to %d minutes: at least %d, and at most a quarter of stream.retentionHours = %d",
			MinScheduledMinutes, most, MinScheduledMinutes, s.RetentionHours)
	default:
		c.check(false, "load.mode", l.Mode, "want %q or %q", chatsql.Realtime, chatsql.Scheduled)
	}
}
