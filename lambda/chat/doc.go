// Package chat simulates a chat service, as a continuous world that is a function of a seed and time or as a burst of sessions, and encodes each event as one JSON record.
//
// # The world
//
// A [World] is a function of its [WorldConfig] and time, nothing else: any
// window of time holds the events that happen in it, the same ones every
// time, and two adjacent windows hold exactly the events of one window
// spanning both. Every draw comes from a hash of what it is about (a user's
// phase and profile, a session's plan, the messages of a 10-second block of
// a session), never from one stream of random numbers, which is what lets
// any window be computed on its own: a window that starts in the middle of a
// session replays at most one block of it. Event ids are version 8 UUIDs
// hashed from the seed, the user, the session (the user's slot) and the
// event's place in it, so an event has the same id whenever it is generated.
//
// A [Window] is generated lazily, one event at a time as its caller asks,
// from a heap of the sessions under way, planned half an hour of world time
// ahead: memory grows with the users online, never with the window's length
// or its events (a test holds a day-long window of 100 users to the few
// dozen session cursors of its first two hours). A window scans every user
// once per half hour of world time.
//
// # Bursts
//
// A [Generator] makes a burst of sessions outside the world's clock, with
// the world's skew. What happens is drawn from Config.Rand and the event ids
// from Config.IDs, a source apart, so that a seed reproduces what happens
// while each invocation's ids stay its own (the producer seeds IDs with the
// Lambda request id, so a retry of one invocation sends the same ids).
//
// The model's parameters and figures, and the record format consumers read,
// are in docs/events.md.
package chat
