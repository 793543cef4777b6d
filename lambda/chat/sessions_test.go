package chat_test

import (
	"fmt"
	"time"

	"github.com/chatstream/chatstream/lambda/chat"
)

// online replays events and checks the session rules: JOIN before anything
// else, LEAVE last, OPEN_CHAT before SUBSCRIBE or SEND_MESSAGE in that chat,
// one SUBSCRIBE per opened chat, at most three open chats. Unless fresh, a
// user's state is unknown until the user's first JOIN or LEAVE, since a
// session may have started before the first event replayed.
type online struct {
	fresh    bool                    // every user starts signed out
	state    map[int64]*sessionState // signed in, or nil when signed out
	seen     map[int64]bool          // users whose state is known
	signedIn int
	problems []string
}

type sessionState struct {
	subscribed map[int64]bool // opened chats → subscribed
	known      bool           // the JOIN was replayed, so the chats are known
}

func newOnline(fresh bool) *online {
	return &online{fresh: fresh, state: map[int64]*sessionState{}, seen: map[int64]bool{}}
}

// count returns how many users are known to be signed in.
func (o *online) count() int { return o.signedIn }

func (o *online) bad(ev chat.Event, format string, args ...any) {
	if len(o.problems) < 10 {
		o.problems = append(o.problems, fmt.Sprintf("%s %s by user %d in chat %d: ", ev.Time.Format(time.RFC3339Nano), ev.Type, ev.UserID, ev.ChatID)+fmt.Sprintf(format, args...))
	}
}

// set records the user's state, keeping the count of users signed in.
func (o *online) set(user int64, s *sessionState) {
	if old := o.state[user]; old != nil {
		o.signedIn--
	}
	if s != nil {
		o.signedIn++
	}
	o.state[user] = s
	o.seen[user] = true
}

func (o *online) replay(ev chat.Event) {
	s := o.state[ev.UserID]
	known := o.fresh || o.seen[ev.UserID]
	switch ev.Type {
	case chat.Join:
		if s != nil {
			o.bad(ev, "already signed in")
		}
		o.set(ev.UserID, &sessionState{subscribed: map[int64]bool{}, known: true})
		return
	case chat.Leave:
		if known && s == nil {
			o.bad(ev, "not signed in")
		}
		o.set(ev.UserID, nil)
		return
	}
	if !known {
		// Under way since before the replay: signed in, chats unknown.
		if s == nil {
			o.set(ev.UserID, &sessionState{subscribed: map[int64]bool{}})
			o.seen[ev.UserID] = false
		}
		return
	}
	if s == nil {
		o.bad(ev, "not signed in")
		return
	}
	if !s.known {
		return
	}
	subscribed, opened := s.subscribed[ev.ChatID]
	switch ev.Type {
	case chat.OpenChat:
		if opened {
			o.bad(ev, "chat already open")
		}
		if len(s.subscribed) == 3 {
			o.bad(ev, "a fourth open chat")
		}
		s.subscribed[ev.ChatID] = false
	case chat.Subscribe:
		if !opened || subscribed {
			o.bad(ev, "chat opened %t, already subscribed %t", opened, subscribed)
		}
		s.subscribed[ev.ChatID] = true
	case chat.SendMessage:
		if !opened {
			o.bad(ev, "chat not opened in this session")
		}
	default:
		o.bad(ev, "unknown type")
	}
}

// checkSessions replays the events of a burst, where everyone starts signed
// out, and returns every way they break the session rules, ids outside
// 1..users and 1..chats and more than maxSessions users signed in at once
// included. It also returns how many are still signed in.
func checkSessions(events []chat.Event, users, chats, maxSessions int) (problems []string, stillOnline int) {
	o := newOnline(true)
	for _, ev := range events {
		if ev.UserID < 1 || ev.UserID > int64(users) {
			o.bad(ev, "user id outside 1..%d", users)
		}
		if ev.Type.HasChat() && (ev.ChatID < 1 || ev.ChatID > int64(chats)) {
			o.bad(ev, "chat id outside 1..%d", chats)
		}
		o.replay(ev)
		if o.count() > maxSessions {
			o.bad(ev, "%d users signed in, more than %d", o.count(), maxSessions)
		}
	}
	return o.problems, o.count()
}
