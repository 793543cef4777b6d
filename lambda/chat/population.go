package chat

import (
	"math"
	"math/bits"
)

// Who is busy. Users are ranked by activity, rank 0 the busiest, and the
// user of rank r makes a share of all events proportional to
// (r + 1 + activityOffset)^-activitySkew, a Zipf–Mandelbrot law. The offset
// flattens the head: with 1,000 users the busiest makes 2.3% of the events
// and the top 1% make 17%, where a plain Zipf law (offset 0, exponent 1.1)
// gives the busiest 14% and the top 1% a third.
const (
	activitySkew   = 1.2
	activityOffset = 14
)

// chatSkew is the Zipf exponent of chat popularity: chat 1 is the busiest.
const chatSkew = 1.2

// How many are online. At rhythm level 1 a share peakOnline of all users is
// online, on average. A user's chance to be online grows with the user's
// share of events to the power onlineSkew, so busy users are busy mostly by
// being online longer, and a little by acting faster; no user is online more
// than maxOnline of the time.
const (
	peakOnline = 0.05
	onlineSkew = 0.9
	maxOnline  = 0.9
)

// permutation maps user ids 1..n onto activity ranks 0..n-1 and back, as
// rank = (a·(id-1) + b) mod n with a coprime to n. Drawn from the seed, it
// keeps the busiest users from being the lowest ids, so which shard the
// busiest users' keys land on is a draw of the seed rather than a property
// of the numbers 1, 2, 3.
type permutation struct {
	n, a, b, aInv uint64
}

func newPermutation(users int, seed uint64) permutation {
	n := uint64(users)
	p := permutation{n: n, a: 1}
	if n <= 2 {
		return permutation{n: n, a: 1, aInv: 1}
	}
	p.a = 1 + hash(seed, tagPermutation, 0, 0, 0)%(n-1)
	for gcd(p.a, n) != 1 {
		p.a = p.a%(n-1) + 1
	}
	p.b = hash(seed, tagPermutation, 1, 0, 0) % n
	p.aInv = inverse(p.a, n)
	return p
}

// rank returns the activity rank of user, 0 the busiest.
func (p permutation) rank(user int64) int {
	return int(mulAddMod(p.a, uint64(user-1), p.b, p.n))
}

// user returns the id of the user of the given rank.
func (p permutation) user(rank int) int64 {
	return int64(mulAddMod(p.aInv, (uint64(rank)+p.n-p.b)%p.n, 0, p.n)) + 1
}

// mulAddMod returns (a·x + b) mod n without overflow.
func mulAddMod(a, x, b, n uint64) uint64 {
	hi, lo := bits.Mul64(a, x)
	lo, carry := bits.Add64(lo, b, 0)
	return bits.Rem64(hi+carry, lo, n)
}

func gcd(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// inverse returns x with a·x ≡ 1 (mod n), for a coprime to n.
func inverse(a, n uint64) uint64 {
	// Extended Euclid on signed values; n ≤ 2^63 in practice (users fit an int).
	t, newT := int64(0), int64(1)
	r, newR := int64(n), int64(a)
	for newR != 0 {
		q := r / newR
		t, newT = newT, t-q*newT
		r, newR = newR, r-q*newR
	}
	if t < 0 {
		t += int64(n)
	}
	return uint64(t)
}

// weight is the activity weight of rank r.
func weight(r int) float64 {
	return math.Pow(float64(r+1+activityOffset), -activitySkew)
}

// population holds what follows from the number of users alone: the sums
// that turn weights into shares and online probabilities.
type population struct {
	perm      permutation
	users     int
	weightSum float64
	// online(r) = min(maxOnline, onlineScale·weight(r)^onlineSkew), with
	// onlineScale chosen so that the online probabilities add up to
	// peakOnline·users.
	onlineScale float64
}

func newPopulation(users int, seed uint64) population {
	p := population{perm: newPermutation(users, seed), users: users}
	xSum := 0.0
	for r := range users {
		w := weight(r)
		p.weightSum += w
		xSum += math.Pow(w, onlineSkew)
	}
	// Water-filling: the busiest ranks may hit maxOnline; the rest share
	// what is left of the target in proportion to their weight^onlineSkew.
	// Ranks are in decreasing weight, so the capped ones are a prefix.
	target := peakOnline * float64(users)
	capped, cappedX := 0, 0.0
	for {
		scale := (target - float64(capped)*maxOnline) / (xSum - cappedX)
		x := math.Pow(weight(capped), onlineSkew)
		if capped == users-1 || scale*x <= maxOnline {
			p.onlineScale = scale
			return p
		}
		capped++
		cappedX += x
	}
}

// share is the expected share of all events made by the user of rank r.
func (p *population) share(r int) float64 {
	return weight(r) / p.weightSum
}

// online is the probability that the user of rank r is online at rhythm
// level 1.
func (p *population) online(r int) float64 {
	return min(maxOnline, p.onlineScale*math.Pow(weight(r), onlineSkew))
}
