package chat

import (
	"encoding/binary"
	"fmt"
	"iter"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"
)

// Percentages of what a signed-in user does next. LEAVE at 12% gives
// sessions of about eight actions after the JOIN.
const (
	pctLeave     = 12
	pctOpenChat  = 10
	pctSubscribe = 8
	// The rest, 70%, is SEND_MESSAGE.
)

// Config describes a burst: events as fast as they are asked for, outside
// the world's clock. Only Users, Rand and IDs are required.
type Config struct {
	// Users is the number of users, ids 1..Users. Who acts next is drawn
	// with the World's skew: the user of activity rank r with probability
	// proportional to (r + 1 + 14)^-1.2, ranks assigned to ids by Seed. The
	// population follows from it: one chat per ten users, at least one,
	// with ids 1..chats, chat 1 the busiest; and at most min(Users, 32)
	// users signed in at once, which bounds the LEAVEs needed to close every
	// session at the end of a batch.
	Users int
	// Seed chooses which ids are the busy ones and every user's profile
	// (platform, country, app version), as in the World of the same seed.
	Seed uint64
	// DirtyRatio is the share of records malformed on purpose, from 0
	// (none) to 1; see Fault.
	DirtyRatio float64
	// RunID, when set, is copied into every event. It must satisfy CheckRunID.
	RunID string
	// Rand drives every choice: the same seed gives the same events, apart
	// from their ids and times.
	Rand *rand.Rand
	// IDs draws the event ids. It is a source apart from Rand so that two
	// runs can make the same events under different ids: a seed reproduces
	// what happens, while each invocation's ids stay its own.
	IDs *rand.Rand
	// Now stamps each event as it is generated. Nil means time.Now.
	Now func() time.Time
}

// Generator produces chat events from a simulation of users with sessions.
// It is not safe for concurrent use.
type Generator struct {
	r      *rand.Rand
	ids    *rand.Rand
	now    func() time.Time
	runID  string
	seed   uint64
	dirty  float64
	perm   permutation
	ranks  *rand.Zipf
	chats  *rand.Zipf
	online sessions
}

// NewGenerator checks cfg and returns a generator for it.
func NewGenerator(cfg Config) (*Generator, error) {
	if cfg.Users < 1 {
		return nil, fmt.Errorf("chat config: users %d must be at least 1", cfg.Users)
	}
	if cfg.Rand == nil {
		return nil, fmt.Errorf("chat config: no random source")
	}
	if cfg.IDs == nil {
		return nil, fmt.Errorf("chat config: no random source for event ids")
	}
	if cfg.RunID != "" {
		if err := CheckRunID(cfg.RunID); err != nil {
			return nil, fmt.Errorf("chat config: %w", err)
		}
	}
	if err := CheckDirtyRatio(cfg.DirtyRatio); err != nil {
		return nil, fmt.Errorf("chat config: %w", err)
	}
	chats := max(1, cfg.Users/10)
	maxSessions := min(cfg.Users, 32)
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &Generator{
		r:      cfg.Rand,
		ids:    cfg.IDs,
		now:    now,
		runID:  cfg.RunID,
		seed:   cfg.Seed,
		dirty:  cfg.DirtyRatio,
		perm:   newPermutation(cfg.Users, cfg.Seed),
		ranks:  rand.NewZipf(cfg.Rand, activitySkew, activityOffset+1, uint64(cfg.Users-1)),
		chats:  rand.NewZipf(cfg.Rand, chatSkew, 1, uint64(chats-1)),
		online: newSessions(maxSessions),
	}, nil
}

// Events yields n events, generating each only when it is asked for, so
// memory stays flat however large n is. Every user's events form sessions:
// JOIN first, LEAVE last, and OPEN_CHAT in a chat before SUBSCRIBE or
// SEND_MESSAGE there. All sessions are closed by the n-th event, except when
// n is 1: a lone JOIN then starts a session nobody ends, as every other
// event needs a JOIN before it. Stopping the iteration early also leaves
// sessions open. Each call starts with nobody signed in.
func (g *Generator) Events(n int) iter.Seq[Event] {
	return func(yield func(Event) bool) {
		g.online.reset()
		for left := n; left > 0; left-- {
			if !yield(g.next(left)) {
				return
			}
		}
	}
}

// next returns the next event when left events, this one included, remain.
// It keeps the number of open sessions at most left, so that enough events
// remain to close them all.
func (g *Generator) next(left int) Event {
	ev := Event{ID: g.newID(), RunID: g.runID}
	online := g.online.len()
	if online >= left {
		g.leave(&ev, &g.online.list[online-1])
	} else {
		user := g.perm.user(int(g.ranks.Uint64()))
		s := g.online.get(user)
		switch {
		case s != nil:
			g.act(&ev, s, left)
		case !g.online.full() && online+1 <= left-1, online == 0:
			// The second case is a batch of one event: see Events.
			g.online.add(user)
			ev.Type, ev.UserID = Join, user
		default:
			// No room for another session: someone already signed in acts
			// instead, which keeps sessions short and the skew intact.
			g.act(&ev, &g.online.list[g.r.IntN(online)], left)
		}
	}
	ev.Time = g.now()
	p := profileOf(g.seed, ev.UserID)
	p.set(&ev)
	ev.Fault = faultFor(ev.ID, g.dirty)
	return ev
}

// act makes the signed-in user of s do something other than JOIN.
func (g *Generator) act(ev *Event, s *session, left int) {
	// Leaving the last session with two events to go would leave one event
	// that can only be a JOIN nobody closes.
	mayLeave := !(g.online.len() == 1 && left == 2)
	roll := g.r.IntN(100)
	switch {
	case roll < pctLeave && mayLeave:
		g.leave(ev, s)
	case s.open == 0 || (roll < pctLeave+pctOpenChat && s.open < maxOpenChats):
		g.openChat(ev, s)
	case roll < pctLeave+pctOpenChat+pctSubscribe:
		g.subscribe(ev, s)
	default:
		g.send(ev, s, g.r.IntN(s.open))
	}
}

func (g *Generator) leave(ev *Event, s *session) {
	ev.Type, ev.UserID = Leave, s.user
	g.online.remove(s.user)
}

func (g *Generator) openChat(ev *Event, s *session) {
	chat := int64(g.chats.Uint64()) + 1
	if i := s.indexOf(chat); i >= 0 {
		// Already open: the user goes back to it and writes.
		g.send(ev, s, i)
		return
	}
	if s.open == maxOpenChats {
		g.send(ev, s, g.r.IntN(s.open))
		return
	}
	s.chats[s.open] = chat
	s.open++
	ev.Type, ev.UserID, ev.ChatID = OpenChat, s.user, chat
}

func (g *Generator) subscribe(ev *Event, s *session) {
	i := g.r.IntN(s.open)
	if s.subscribed[i] {
		g.send(ev, s, i)
		return
	}
	s.subscribed[i] = true
	ev.Type, ev.UserID, ev.ChatID = Subscribe, s.user, s.chats[i]
	ev.Plan = planAt(g.r.Float64())
}

func (g *Generator) send(ev *Event, s *session, i int) {
	ev.Type, ev.UserID, ev.ChatID = SendMessage, s.user, s.chats[i]
	ev.MessageLength = messageLength(g.r.NormFloat64())
	ev.HasAttachment = g.r.Float64() < attachmentShare
}

// newID draws a version 4 UUID from the id source rather than from
// crypto/rand, so that the caller decides when ids repeat: the producer
// repeats them only for a retry of the same invocation.
func (g *Generator) newID() uuid.UUID {
	var id uuid.UUID
	binary.LittleEndian.PutUint64(id[:8], g.ids.Uint64())
	binary.LittleEndian.PutUint64(id[8:], g.ids.Uint64())
	id[6] = id[6]&0x0f | 0x40 // version 4
	id[8] = id[8]&0x3f | 0x80 // RFC 4122 variant
	return id
}
