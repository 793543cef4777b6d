package pause

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestFor(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancelExpired := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancelExpired()
	tests := []struct {
		name    string
		ctx     context.Context
		d       time.Duration
		wantErr error
	}{
		{name: "waits out a short pause", ctx: context.Background(), d: time.Millisecond},
		{name: "no pause", ctx: context.Background(), d: 0},
		{name: "negative pause", ctx: context.Background(), d: -time.Second},
		// An hour-long pause returns at once, or the test times out.
		{name: "cancelled context", ctx: cancelled, d: time.Hour, wantErr: context.Canceled},
		{name: "expired context", ctx: expired, d: time.Hour, wantErr: context.DeadlineExceeded},
		{name: "cancelled context, no pause", ctx: cancelled, d: 0, wantErr: context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := For(tt.ctx, tt.d); !errors.Is(err, tt.wantErr) {
				t.Errorf("For(ctx, %s) = %v, want %v", tt.d, err, tt.wantErr)
			}
		})
	}
}

func TestForEndsWhenContextEndsMidway(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- For(ctx, time.Hour) }()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("For = %v, want context.Canceled", err)
	}
}
