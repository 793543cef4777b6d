// Package chat simulates users chatting in sessions and encodes each step as one JSON event record.
package chat
