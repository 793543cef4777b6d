package chat

import (
	"fmt"
	"iter"
	"math"
	"math/rand/v2"
	"time"
)

// The world's clock counts milliseconds since the Unix epoch, the precision
// of event_time: every event happens at a whole millisecond.
const (
	// slotMS is the length of a session slot. Each user's time is cut into
	// slots of this length, at a phase of the user's own, and the user has
	// at most one session per slot, inside it: so a user is never in two
	// sessions at once, and whether a user is online at some instant needs
	// only that instant's slot.
	slotMS = int64(30 * time.Minute / time.Millisecond)
	// minSessionMS is the shortest session.
	minSessionMS = int64(20 * time.Second / time.Millisecond)
	// blockMS is the length of a send block. The messages of a session are
	// a Poisson process drawn block by block, each block from its own seed,
	// so that starting in the middle of a session replays at most one block.
	blockMS = int64(10 * time.Second / time.Millisecond)
	// firstChatMS and firstChatSpreadMS place a session's first OPEN_CHAT 1 to
	// 6 seconds after its JOIN; messages start there.
	firstChatMS       = 1000
	firstChatSpreadMS = 5000
	// maxChats is how many chats one session opens at most: one in 45%
	// of sessions, two in 35%, three in 20%, each subscribed to in a
	// quarter of the cases.
	maxChats       = 3
	subscribeShare = 0.25
)

// WorldConfig describes a world. Users and Rate are required.
type WorldConfig struct {
	// Users is the number of users, ids 1..Users. There is one chat per ten
	// users, at least one, ids 1..chats, chat 1 the busiest.
	Users int
	// Rate is the mean number of events per second at rhythm level 1.
	Rate float64
	// Seed chooses the world: the same seed, users, rate and rhythm give
	// the same events at the same times, ids included.
	Seed uint64
	// Rhythm scales how many users are online by hour and day.
	Rhythm Rhythm
}

// World is a simulated chat service as a function of time: which users are
// online, what they do and when, follows from the configuration and the
// instant alone, so any window of time can be generated on its own, in any
// order, and two adjacent windows hold exactly the events of one window
// spanning both. A World is immutable and safe for concurrent use; each
// Window it makes is not.
//
// The model, per user: the user's time is cut into 30-minute slots (at a
// phase of the user's own); in each slot the user has one session with
// probability g and none otherwise, where g = √(online·level), online is
// the user's chance to be online at level 1 and level is the rhythm's level
// at the start of the slot. The session lasts g·30 minutes on average (at
// least 20 s), at a uniformly random place in the slot, so the user is
// online a share g·g = online·level of the time. A session is JOIN, OPEN_CHAT
// of one to three chats, SEND_MESSAGE as a Poisson process at the user's
// rate in the chats open at the time, an occasional SUBSCRIBE, and LEAVE.
type World struct {
	seed   uint64
	users  int
	chats  int
	perMS  float64 // events per millisecond at level 1
	rhythm Rhythm
	pop    population
}

// NewWorld checks cfg and returns its world. It takes time in proportion to
// Users: about 60 ns per user.
func NewWorld(cfg WorldConfig) (*World, error) {
	if cfg.Users < 1 {
		return nil, fmt.Errorf("world: users %d must be at least 1", cfg.Users)
	}
	if !(cfg.Rate > 0) || math.IsInf(cfg.Rate, 0) {
		return nil, fmt.Errorf("world: rate %v must be a positive number of events per second", cfg.Rate)
	}
	if err := cfg.Rhythm.Check(); err != nil {
		return nil, fmt.Errorf("world: %w", err)
	}
	return &World{
		seed:   cfg.Seed,
		users:  cfg.Users,
		chats:  max(1, cfg.Users/10),
		perMS:  cfg.Rate / 1000,
		rhythm: cfg.Rhythm,
		pop:    newPopulation(cfg.Users, cfg.Seed),
	}, nil
}

// ExpectedOnline is how many users are online at t on average: 5% of the
// users times the rhythm's level at t.
func (w *World) ExpectedOnline(t time.Time) float64 {
	return peakOnline * float64(w.users) * w.rhythm.Level(t)
}

// Share is the share of all events that user makes in the long run.
func (w *World) Share(user int64) float64 {
	return w.pop.share(w.pop.perm.rank(user))
}

// Busiest returns the id of the busiest user.
func (w *World) Busiest() int64 {
	return w.pop.perm.user(0)
}

// BusiestKeyRate is how many events per second the busiest user sends
// while online at rhythm level 1: the highest rate any one partition key
// sees, to set against Kinesis's 1,000 records per second per shard.
func (w *World) BusiestKeyRate() float64 {
	return w.pop.share(0) * w.perMS * 1000 / w.pop.online(0)
}

// Online returns how many users are in a session at t: after their JOIN,
// not after their LEAVE.
func (w *World) Online(t time.Time) int {
	s := w.newScratch()
	at := t.UnixMilli()
	n := 0
	var c cursor
	for user := int64(1); user <= int64(w.users); user++ {
		u := w.user(user)
		slot := floorDiv(at-u.phase, slotMS)
		if s.session(&c, u, slot, u.phase+slot*slotMS) && c.start <= at && at < c.end {
			n++
		}
	}
	return n
}

// userParams is what the world needs of one user to plan its sessions.
type userParams struct {
	id     int64
	phase  int64   // slots start at phase + k·slotMS
	online float64 // chance to be online at level 1
	perMS  float64 // messages per millisecond while online
}

func (w *World) user(id int64) userParams {
	r := w.pop.perm.rank(id)
	online := w.pop.online(r)
	return userParams{
		id:     id,
		phase:  int64(hash(w.seed, tagPhase, uint64(id), 0, 0) % uint64(slotMS)),
		online: online,
		// Share of all events over share of the time online.
		perMS: w.pop.share(r) * w.perMS / online,
	}
}

// Window is the events of one span of time, in the order they happen: by
// time, then by user id, then in session order. Make one with
// World.Window; it is not safe for concurrent use.
type Window struct {
	scratch
	start, end int64
	dirty      float64
	// Sessions are planned a slot's length ahead, as time gets there:
	// every session that starts before planned (or, in the first slot's
	// length, is under way at start) has a cursor.
	planned int64
	cursors []cursor
	free    []int32 // indices of cursors whose session is over
	heap    []int32 // indices into cursors, a min-heap by (next, user)
}

// Window returns the events that happen in [start, end), truncated to the
// millisecond, with a share dirtyRatio of them malformed on purpose (see
// Fault). Sessions under way at start join in the middle: their JOIN was
// in an earlier window. Memory grows with the users online, not with the
// window's length or its events.
func (w *World) Window(start, end time.Time, dirtyRatio float64) (*Window, error) {
	if end.Before(start) {
		return nil, fmt.Errorf("world window: end %s is before start %s", end.Format(time.RFC3339Nano), start.Format(time.RFC3339Nano))
	}
	if err := CheckDirtyRatio(dirtyRatio); err != nil {
		return nil, fmt.Errorf("world window: %w", err)
	}
	win := &Window{scratch: w.newScratch(), dirty: dirtyRatio}
	win.start, win.end = start.UnixMilli(), end.UnixMilli()
	win.planned = win.start
	return win, nil
}

// plan adds a cursor for every session that starts in the next slot's
// length of time, or, the first time, is under way at the window's start.
func (win *Window) plan() {
	from, to := win.planned, min(win.planned+slotMS, win.end)
	win.planned = to
	for id := int64(1); id <= int64(win.w.users); id++ {
		u := win.w.user(id)
		for slot := floorDiv(from-u.phase, slotMS); ; slot++ {
			slotStart := u.phase + slot*slotMS
			if slotStart >= to {
				break
			}
			i := win.take()
			c := &win.cursors[i]
			if !win.session(c, u, slot, slotStart) || c.start >= to || c.end < win.start || (c.start < from && from > win.start) {
				win.free = append(win.free, i)
				continue
			}
			win.seek(c, win.start)
			if c.next >= win.end {
				win.free = append(win.free, i)
				continue
			}
			win.heap = append(win.heap, i)
			win.up(len(win.heap) - 1)
		}
	}
}

// take returns the index of an unused cursor.
func (win *Window) take() int32 {
	if n := len(win.free); n > 0 {
		i := win.free[n-1]
		win.free = win.free[:n-1]
		return i
	}
	win.cursors = append(win.cursors, cursor{})
	return int32(len(win.cursors) - 1)
}

// ready plans ahead until the next event is known, and reports whether
// there is one.
func (win *Window) ready() bool {
	for win.planned < win.end && (len(win.heap) == 0 || win.cursors[win.heap[0]].next >= win.planned) {
		win.plan()
	}
	return len(win.heap) > 0
}

// Peek returns the time of the next event, and false when none is left.
func (win *Window) Peek() (time.Time, bool) {
	if !win.ready() {
		return time.Time{}, false
	}
	return time.UnixMilli(win.cursors[win.heap[0]].next).UTC(), true
}

// Next stores the next event in ev and reports whether there was one.
func (win *Window) Next(ev *Event) bool {
	if !win.ready() {
		return false
	}
	i := win.heap[0]
	c := &win.cursors[i]
	win.emit(c, ev)
	ev.Fault = faultFor(ev.ID, win.dirty)
	if c.next >= win.end {
		last := len(win.heap) - 1
		win.heap[0] = win.heap[last]
		win.heap = win.heap[:last]
		win.free = append(win.free, i)
	}
	win.down(0)
	return true
}

// Events yields the window's remaining events.
func (win *Window) Events() iter.Seq[Event] {
	return func(yield func(Event) bool) {
		var ev Event
		for win.Next(&ev) {
			if !yield(ev) {
				return
			}
		}
	}
}

// less orders cursors by their next event, then by user.
func (win *Window) less(i, j int) bool {
	a, b := &win.cursors[win.heap[i]], &win.cursors[win.heap[j]]
	return a.next < b.next || (a.next == b.next && a.user.id < b.user.id)
}

func (win *Window) up(i int) {
	for i > 0 {
		parent := (i - 1) / 2
		if !win.less(i, parent) {
			return
		}
		win.heap[i], win.heap[parent] = win.heap[parent], win.heap[i]
		i = parent
	}
}

func (win *Window) down(i int) {
	n := len(win.heap)
	for {
		smallest, l, r := i, 2*i+1, 2*i+2
		if l < n && win.less(l, smallest) {
			smallest = l
		}
		if r < n && win.less(r, smallest) {
			smallest = r
		}
		if smallest == i {
			return
		}
		win.heap[i], win.heap[smallest] = win.heap[smallest], win.heap[i]
		i = smallest
	}
}

// step is one planned event of a session: everything but SEND_MESSAGE.
type step struct {
	at   int64
	typ  Type
	chat int8   // index into cursor.chats for OPEN_CHAT and SUBSCRIBE
	n    uint8  // the step's number, part of its event id
	plan string // for SUBSCRIBE
}

// cursor is one session being read, positioned at its next event.
type cursor struct {
	user    userParams
	slot    int64
	profile profile
	start   int64 // JOIN
	end     int64 // LEAVE
	steps   [2 + 2*maxChats]step
	nSteps  int8
	iStep   int8
	chats   [maxChats]int64
	opened  [maxChats]int64 // when each chat was opened
	nChats  int8
	// The messages: a Poisson process from firstChat to end, drawn block by
	// block. sendAt is the next message's time within the current block,
	// and sendStop where the block's messages stop.
	firstChat int64
	block     int64
	sendAt    float64
	sendStop  float64
	sendN     uint64
	sends     rand.PCG
	// next is the time of the next event, math.MaxInt64 when none is left.
	next int64
}

// scratch is the random-number machinery a session is planned with. The
// rand.Rand draws from whichever PCG src points at: the planning PCG while a
// session is planned, a cursor's own while its messages are drawn. So one
// Rand and one Zipf serve every session, without allocating per session.
type scratch struct {
	w    *World
	src  *pcgRef
	plan rand.PCG
	r    *rand.Rand
	zipf *rand.Zipf
}

// pcgRef is a rand.Source that forwards to the PCG it points at.
type pcgRef struct{ p *rand.PCG }

// Uint64 draws from the PCG pointed at.
func (s *pcgRef) Uint64() uint64 { return s.p.Uint64() }

func (w *World) newScratch() scratch {
	s := scratch{w: w, src: &pcgRef{}}
	s.r = rand.New(s.src)
	s.zipf = rand.NewZipf(s.r, chatSkew, 1, uint64(w.chats-1))
	return s
}

// use points the scratch's Rand, and so its Zipf, at p and returns it.
func (s *scratch) use(p *rand.PCG) *rand.Rand {
	s.src.p = p
	return s.r
}

// session plans into c the session of user u in the given slot, which
// starts at slotStart, and reports whether there is one. The cursor is
// positioned at the session's JOIN.
func (s *scratch) session(c *cursor, u userParams, slot, slotStart int64) bool {
	w := s.w
	h := hash(w.seed, tagSession, uint64(u.id), uint64(slot), 0)
	s.plan.Seed(h, mix(h))
	r := s.use(&s.plan)
	g := math.Sqrt(u.online * w.rhythm.level(slotStart))
	if r.Float64() >= g {
		return false
	}
	// Durations spread uniformly around g·slot, at most ±50% and never past
	// the slot, so the mean stays g·slot.
	spread := min(0.5, (1-g)/g)
	length := int64(float64(slotMS) * g * (1 + spread*(2*r.Float64()-1)))
	length = max(minSessionMS, min(length, slotMS-1))
	*c = cursor{user: u, slot: slot, profile: profileOf(w.seed, u.id)}
	c.start = slotStart + int64(r.Float64()*float64(slotMS-length))
	c.end = c.start + length
	c.add(step{at: c.start, typ: Join, n: 0})

	c.firstChat = c.start + firstChatMS + int64(r.Float64()*firstChatSpreadMS)
	chats := 1
	switch k := r.Float64(); {
	case k >= 0.8:
		chats = 3
	case k >= 0.45:
		chats = 2
	}
	for i := range chats {
		chat := int64(s.zipf.Uint64()) + 1
		at := c.firstChat
		if i > 0 {
			at += int64(r.Float64() * float64(c.end-c.firstChat))
		}
		subscribe := r.Float64() < subscribeShare
		subAt := at + 1 + int64(r.Float64()*float64(c.end-at-1))
		plan := planAt(r.Float64())
		if at >= c.end || c.indexOf(chat) >= 0 {
			continue
		}
		j := c.nChats
		c.chats[j], c.opened[j] = chat, at
		c.nChats++
		c.add(step{at: at, typ: OpenChat, chat: j, n: uint8(2 + i)})
		if subscribe && subAt < c.end {
			c.add(step{at: subAt, typ: Subscribe, chat: j, n: uint8(2 + maxChats + i), plan: plan})
		}
	}
	c.add(step{at: c.end, typ: Leave, n: 1})
	c.next = c.start
	c.sendAt, c.sendStop = math.Inf(1), 0
	return true
}

// add inserts st among the steps, after every step at the same time or
// earlier, so that steps planned first come first at the same millisecond.
func (c *cursor) add(st step) {
	i := c.nSteps
	for i > 0 && c.steps[i-1].at > st.at {
		c.steps[i] = c.steps[i-1]
		i--
	}
	c.steps[i] = st
	c.nSteps++
}

func (c *cursor) indexOf(chat int64) int8 {
	for i := range c.nChats {
		if c.chats[i] == chat {
			return i
		}
	}
	return -1
}

// seek positions c at its first event at or after at.
func (s *scratch) seek(c *cursor, at int64) {
	for c.iStep < c.nSteps && c.steps[c.iStep].at < at {
		c.iStep++
	}
	if c.nChats > 0 {
		s.enterBlock(c, floorDiv(max(at, c.firstChat), blockMS))
		for c.sendAt < c.sendStop && int64(c.sendAt) < at {
			s.drawSend(c, nil)
		}
		s.nextBlockIfDone(c)
	}
	c.setNext()
}

// enterBlock starts c's messages of block b: from the block's start, or the
// first chat if later, to its end, or the session's end if earlier.
func (s *scratch) enterBlock(c *cursor, b int64) {
	begin := max(b*blockMS, c.firstChat)
	c.block, c.sendN = b, 0
	c.sendStop = float64(min((b+1)*blockMS, c.end))
	h := hash(s.w.seed, tagSendBlock, uint64(c.user.id), uint64(c.slot), uint64(b))
	c.sends.Seed(h, mix(h))
	c.sendAt = float64(begin) + s.use(&c.sends).ExpFloat64()/c.user.perMS
}

// nextBlockIfDone moves c to the next block that has a message, if the
// current one has none left and the session goes on.
func (s *scratch) nextBlockIfDone(c *cursor) {
	for c.sendAt >= c.sendStop && (c.block+1)*blockMS < c.end {
		s.enterBlock(c, c.block+1)
	}
}

// drawSend draws the message at c.sendAt into ev, when not nil, and the
// time of the one after it. The draws are the same whether or not ev is
// nil, so that skipping a message leaves the stream where reading it would.
func (s *scratch) drawSend(c *cursor, ev *Event) {
	r := s.use(&c.sends)
	at := int64(c.sendAt)
	pick := r.Uint64()
	z := r.NormFloat64()
	attach := r.Float64() < attachmentShare
	if ev != nil {
		// Messages start at the first chat's opening, so one is open.
		chat := c.nthOpen(at, int8(pick%uint64(c.openAt(at))))
		ev.Type, ev.ChatID = SendMessage, c.chats[chat]
		ev.MessageLength, ev.HasAttachment = messageLength(z), attach
		ev.ID = eventID(s.w.seed, c.user.id, c.slot, 1<<63|uint64(c.block)<<24|c.sendN)
		ev.Time = time.UnixMilli(at).UTC()
	}
	c.sendN++
	c.sendAt += r.ExpFloat64() / c.user.perMS
}

// openAt returns how many chats are open at t.
func (c *cursor) openAt(t int64) int8 {
	n := int8(0)
	for i := range c.nChats {
		if c.opened[i] <= t {
			n++
		}
	}
	return n
}

// nthOpen returns the index of the k-th chat (from 0) open at t.
func (c *cursor) nthOpen(t int64, k int8) int8 {
	for i := range c.nChats {
		if c.opened[i] <= t {
			if k == 0 {
				return i
			}
			k--
		}
	}
	return 0
}

// setNext sets c.next to the time of its next event: the next step, or the
// next message if it comes earlier. A step wins a tie, so that a chat is
// opened before the first message in it.
func (c *cursor) setNext() {
	c.next = math.MaxInt64
	if c.iStep < c.nSteps {
		c.next = c.steps[c.iStep].at
	}
	if c.sendAt < c.sendStop {
		c.next = min(c.next, int64(c.sendAt))
	}
}

// emit stores c's next event in ev and advances c.
func (s *scratch) emit(c *cursor, ev *Event) {
	*ev = Event{UserID: c.user.id}
	c.profile.set(ev)
	stepFirst := c.iStep < c.nSteps && (c.sendAt >= c.sendStop || c.steps[c.iStep].at <= int64(c.sendAt))
	if stepFirst {
		st := &c.steps[c.iStep]
		c.iStep++
		ev.Type, ev.Time = st.typ, time.UnixMilli(st.at).UTC()
		ev.ID = eventID(s.w.seed, c.user.id, c.slot, uint64(st.n))
		if st.typ.HasChat() {
			ev.ChatID = c.chats[st.chat]
		}
		ev.Plan = st.plan
	} else {
		s.drawSend(c, ev)
		s.nextBlockIfDone(c)
	}
	c.setNext()
}
