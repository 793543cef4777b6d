package produce

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDeliveryErrorMessage(t *testing.T) {
	tests := []struct {
		name string
		res  Result
		want string
	}{
		{
			name: "failures, most common first, ties by name",
			res: Result{Requested: 10, Generated: 10, Sent: 4, Failed: 6, FailureCodes: map[string]int{
				"InternalFailure": 1, "ProvisionedThroughputExceededException": 3, "DeadlineExceeded": 1, "KMSThrottlingException": 1,
			}},
			want: "sent 4 of 10 events to s; 6 failed (ProvisionedThroughputExceededException=3, DeadlineExceeded=1, InternalFailure=1, 1 more codes)",
		},
		{
			name: "stopped early without failures",
			res:  Result{Requested: 10, Generated: 7, Sent: 7},
			want: "sent 7 of 10 events to s; 3 not generated before the deadline",
		},
		{
			name: "failed and stopped early",
			res:  Result{Requested: 10, Generated: 7, Sent: 5, Failed: 2, FailureCodes: map[string]int{"DeadlineExceeded": 2}},
			want: "sent 5 of 10 events to s; 2 failed (DeadlineExceeded=2); 3 not generated before the deadline",
		},
		{
			name: "failed without codes",
			res:  Result{Requested: 2, Generated: 2, Sent: 1, Failed: 1},
			want: "sent 1 of 2 events to s; 1 failed (no failure codes reported)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := &DeliveryError{Stream: "s", Result: tt.res}
			if got := err.Error(); got != tt.want {
				t.Errorf("Error() = %q, want %q", got, tt.want)
			}
		})
	}
}

// Invoke is what the Lambda runtime calls; it must refuse bytes that are
// not JSON with the handler's own message, which a typed handler cannot.
func TestInvoke(t *testing.T) {
	fake := &fakeKinesis{}
	h := newTestHandler(testConfig(), fake)

	_, err := h.Invoke(t.Context(), []byte(`count=5`))
	var refused *PayloadError
	if !errors.As(err, &refused) || !strings.Contains(err.Error(), "payload is not JSON") {
		t.Errorf("Invoke(count=5) error = %v, want a *PayloadError saying the payload is not JSON", err)
	}

	out, err := h.Invoke(t.Context(), []byte(`{"count": 12, "run_id": "inv"}`))
	if err != nil {
		t.Fatalf("Invoke() error = %v", err)
	}
	var got map[string]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("Invoke() returned %s: %v", out, err)
	}
	delete(got, "duration_ms")
	want := map[string]any{"run_id": "inv", "requested": 12.0, "generated": 12.0, "sent": 12.0, "failed": 0.0, "dirty": 0.0, "requests": 1.0, "retries": 0.0}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Invoke() result JSON (-want +got):\n%s", diff)
	}
}
