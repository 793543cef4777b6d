package cost

// Prices are the list prices the estimate uses, in US dollars: us-east-1, as
// AWS published them in 2025 on the pricing pages of each service (Amazon
// Redshift, Amazon Kinesis Data Streams, AWS Lambda, Amazon EventBridge,
// Amazon CloudWatch, AWS Secrets Manager, AWS Key Management Service, AWS
// PrivateLink, AWS X-Ray). They are not read from AWS; other Regions differ,
// and the AWS Pricing Calculator is the authority.
type Prices struct {
	// RPUHour is Redshift Serverless compute per RPU-hour ("4 RPU from $1.50
	// per hour").
	RPUHour float64
	// StorageGBMonth is Redshift managed storage per GB-month.
	StorageGBMonth float64
	// StreamHour is a Kinesis on-demand stream per hour.
	StreamHour float64
	// IngestGB and RetrieveGB are Kinesis on-demand data in and out per GB;
	// each record counts as its size rounded up to 1 KB (1,024 bytes).
	IngestGB, RetrieveGB float64
	// LambdaGBSecond is arm64 Lambda compute per GB-second; LambdaRequest
	// one request.
	LambdaGBSecond, LambdaRequest float64
	// SchedulerInvocation is one EventBridge Scheduler invocation.
	SchedulerInvocation float64
	// DashboardMonth, AlarmMonth and LogsIngestGB are CloudWatch's.
	DashboardMonth, AlarmMonth, LogsIngestGB float64
	// SecretMonth is one Secrets Manager secret per month.
	SecretMonth float64
	// KMSKeyMonth is one customer managed KMS key per month.
	KMSKeyMonth float64
	// EndpointZoneHour is an interface VPC endpoint per Availability Zone per
	// hour; EndpointGB the data it processes per GB.
	EndpointZoneHour, EndpointGB float64
	// Trace is one X-Ray trace recorded.
	Trace float64
}

// ListPrices returns the prices of this release.
func ListPrices() Prices {
	return Prices{
		RPUHour:             0.375,
		StorageGBMonth:      0.024,
		StreamHour:          0.04,
		IngestGB:            0.08,
		RetrieveGB:          0.04,
		LambdaGBSecond:      0.0000133334,
		LambdaRequest:       0.20 / 1e6,
		SchedulerInvocation: 1.00 / 1e6,
		DashboardMonth:      3.00,
		AlarmMonth:          0.10,
		LogsIngestGB:        0.50,
		SecretMonth:         0.40,
		KMSKeyMonth:         1.00,
		EndpointZoneHour:    0.01,
		EndpointGB:          0.01,
		Trace:               5.00 / 1e6,
	}
}
