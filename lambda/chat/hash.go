package chat

import (
	"encoding/binary"

	"github.com/google/uuid"
)

// The world draws every choice from hashes of what the choice is about (a
// user, a session, an event) rather than from one stream of random numbers,
// so that any part of it can be computed on its own, in any order, with the
// same result.

// mix is SplitMix64's finalizer: a bijection on 64 bits in which every
// output bit depends on every input bit.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// golden is 2^64 divided by the golden ratio, SplitMix64's increment; adding
// it at each step keeps runs of zeros from hashing alike.
const golden = 0x9e3779b97f4a7c15

// hash combines a seed, a tag that says what is being drawn, and up to three
// numbers that identify the thing it is drawn for.
func hash(seed, tag, a, b, c uint64) uint64 {
	h := mix(seed + tag*golden)
	h = mix(h + golden + a)
	h = mix(h + golden + b)
	return mix(h + golden + c)
}

// unit maps h to [0, 1) with 53 bits of precision.
func unit(h uint64) float64 {
	return float64(h>>11) * 0x1p-53
}

// Tags of hash: one per kind of draw, so that two kinds never share values.
const (
	tagPhase uint64 = iota + 1
	tagProfile
	tagSession
	tagSendBlock
	tagEventID
	tagFault
	tagPermutation
)

// eventID returns the id of the event identified by (user, session, n) in
// the world of seed, as a version 8 (custom) UUID: 122 bits of hash, with
// the version and RFC 9562 variant bits set. Two hashes with different
// seeds make the halves independent.
func eventID(seed uint64, user int64, session int64, n uint64) uuid.UUID {
	hi := hash(seed, tagEventID, uint64(user), uint64(session), n)
	lo := hash(^seed, tagEventID, uint64(user), uint64(session), n)
	var id uuid.UUID
	binary.BigEndian.PutUint64(id[:8], hi)
	binary.BigEndian.PutUint64(id[8:], lo)
	id[6] = id[6]&0x0f | 0x80 // version 8
	id[8] = id[8]&0x3f | 0x80 // RFC 9562 variant
	return id
}
