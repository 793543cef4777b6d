package load

import (
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	chatsql "github.com/chatstream/chatstream/sql"
)

func TestHandlerRunsOneLoadWhateverThePayload(t *testing.T) {
	w := newWarehouse(t, chatsql.Scheduled)
	w.put(events("e", 4)...)
	l, _ := newTestLoader(t, w, 1)
	h := NewHandler(l, slog.New(slog.NewTextHandler(t.Output(), nil)))

	// A schedule's event, then a manual {}.
	for _, payload := range []string{`{"version":"0","detail-type":"Scheduled Event","source":"aws.scheduler"}`, `{}`} {
		res, err := h.Handle(t.Context(), json.RawMessage(payload))
		if err != nil {
			t.Fatalf("Handle(%s) = %v", payload, err)
		}
		b, err := json.Marshal(res)
		if err != nil {
			t.Fatal(err)
		}
		for _, key := range []string{`"load_id":"load-`, `"mode":"scheduled"`, `"moved":`, `"inserted":`, `"duplicates":`, `"rejected":`, `"duration_ms":`} {
			if !strings.Contains(string(b), key) {
				t.Errorf("result %s lacks %s", b, key)
			}
		}
	}
	if got := w.state(); got.Events != 4 || got.Runs != 1 {
		t.Errorf("after two invocations: %+v; want the 4 events loaded by one run, the second finding nothing", got)
	}

	// A stopped load fails the invocation, so the schedule's retries and
	// its dead-letter queue see it.
	w.put(events("f", 2)...)
	w.fail["move_to_landing"] = "ERROR: permission denied for relation chat_events_landing"
	if _, err := h.Handle(t.Context(), json.RawMessage(`{}`)); err == nil || !strings.Contains(err.Error(), "permission denied") {
		t.Errorf("Handle = %v; want the load's error", err)
	}
}
