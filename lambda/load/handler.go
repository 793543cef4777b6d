package load

import (
	"context"
	"encoding/json"
	"log/slog"
)

// Handler serves the loader Lambda's invocations: each runs one load,
// whatever the payload (a schedule's event, or {} from make load).
type Handler struct {
	loader *Loader
	log    *slog.Logger
}

// NewHandler returns a Handler that runs loads with loader.
func NewHandler(loader *Loader, logger *slog.Logger) *Handler {
	return &Handler{loader: loader, log: logger}
}

// Handle runs one load and returns what it did. A load that stops returns
// its error, which says what it left and that the next run loads it, so
// that Lambda counts it in the function's Errors metric (which the stack's
// LoaderErrors alarm watches) and a synchronous caller, make load, reads it.
func (h *Handler) Handle(ctx context.Context, _ json.RawMessage) (Result, error) {
	res, err := h.loader.Run(ctx)
	if err != nil {
		h.log.ErrorContext(ctx, "load stopped", "load_id", res.ID, "error", err.Error())
		return Result{}, err
	}
	return res, nil
}
