package chat

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/google/uuid"
)

// Fault is a way a record is malformed on purpose, so that the warehouse's
// guards against bad data can be seen doing their job.
type Fault uint8

// The three faults, one of each kind a consumer must survive.
const (
	// FaultNone is a well-formed record.
	FaultNone Fault = iota
	// FaultNotJSON cuts the record off halfway: it is not JSON at all.
	FaultNotJSON
	// FaultNoEventID leaves out a required field, event_id.
	FaultNoEventID
	// FaultUserIDString writes a field with the wrong type: user_id as a
	// string, "user_id":"42".
	FaultUserIDString
)

// String names the fault as the docs and tests do.
func (f Fault) String() string {
	switch f {
	case FaultNone:
		return "none"
	case FaultNotJSON:
		return "not JSON"
	case FaultNoEventID:
		return "event_id missing"
	case FaultUserIDString:
		return "user_id a string"
	}
	return fmt.Sprintf("Fault(%d)", uint8(f))
}

// CheckDirtyRatio returns an error unless ratio, the share of records to
// malform, is a number from 0 (none, the default) to 1 (every record).
func CheckDirtyRatio(ratio float64) error {
	if math.IsNaN(ratio) || ratio < 0 || ratio > 1 {
		return fmt.Errorf("dirty ratio %v is not a share from 0 to 1", ratio)
	}
	return nil
}

// faultFor decides, from the event's id alone, whether its record is dirty
// at the given ratio and how. Being a function of the id, the decision is
// the same every time the event is generated again, as in a retry, and the
// three faults each take a third of the dirty records.
func faultFor(id uuid.UUID, ratio float64) Fault {
	if ratio <= 0 {
		return FaultNone
	}
	h := hash(binary.BigEndian.Uint64(id[:8]), tagFault, binary.BigEndian.Uint64(id[8:]), 0, 0)
	if unit(h) >= ratio {
		return FaultNone
	}
	return FaultNotJSON + Fault(mix(h)%3)
}
