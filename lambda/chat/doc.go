// Package chat simulates a chat service, as a continuous world that is a function of a seed and time or as a burst of sessions, and encodes each event as one JSON record.
package chat
