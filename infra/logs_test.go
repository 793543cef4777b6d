package main

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"

	"github.com/chatstream/chatstream/infra/config"
)

func TestRetentionDaysMapsEveryPeriodConfigAccepts(t *testing.T) {
	// GIVEN every retention period the config package accepts
	seen := map[awslogs.RetentionDays]int{}
	for _, days := range config.LogRetentionPeriods() {
		// THEN each maps to its own CDK retention, never to the fallback by accident
		got := retentionDays(days)
		if other, ok := seen[got]; ok {
			t.Errorf("retentionDays(%d) = %s, the same as retentionDays(%d)", days, got, other)
		}
		seen[got] = days
	}
	if got := retentionDays(30); got != awslogs.RetentionDays_ONE_MONTH {
		t.Errorf("retentionDays(30) = %s, want ONE_MONTH", got)
	}
	if got := retentionDays(3653); got != awslogs.RetentionDays_TEN_YEARS {
		t.Errorf("retentionDays(3653) = %s, want TEN_YEARS", got)
	}
}
