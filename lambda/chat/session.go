package chat

// maxOpenChats is how many chats one session keeps open at once; small, as
// a person juggles only a few conversations.
const maxOpenChats = 3

// session is one signed-in user: the chats opened since JOIN and whether
// the user subscribed to each.
type session struct {
	user       int64
	chats      [maxOpenChats]int64
	subscribed [maxOpenChats]bool
	open       int // chats[:open] are in use
}

// indexOf returns the position of chat among the open chats, or -1.
func (s *session) indexOf(chat int64) int {
	for i := range s.open {
		if s.chats[i] == chat {
			return i
		}
	}
	return -1
}

// sessions is the set of users currently signed in, at most a fixed number.
// A slice keeps the random pick of "some signed-in user" O(1); the map finds
// a given user's session.
type sessions struct {
	list []session
	at   map[int64]int // user id → index in list
}

func newSessions(capacity int) sessions {
	return sessions{list: make([]session, 0, capacity), at: make(map[int64]int, capacity)}
}

func (ss *sessions) len() int { return len(ss.list) }

func (ss *sessions) full() bool { return len(ss.list) == cap(ss.list) }

// get returns the user's session, or nil when the user is signed out.
func (ss *sessions) get(user int64) *session {
	i, ok := ss.at[user]
	if !ok {
		return nil
	}
	return &ss.list[i]
}

func (ss *sessions) add(user int64) {
	ss.at[user] = len(ss.list)
	ss.list = append(ss.list, session{user: user})
}

// remove ends the user's session, moving the last session into its place.
func (ss *sessions) remove(user int64) {
	i := ss.at[user]
	last := len(ss.list) - 1
	if i != last {
		ss.list[i] = ss.list[last]
		ss.at[ss.list[i].user] = i
	}
	ss.list = ss.list[:last]
	delete(ss.at, user)
}

func (ss *sessions) reset() {
	ss.list = ss.list[:0]
	clear(ss.at)
}
