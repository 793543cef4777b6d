// Package loadcall runs one load now by invoking the deployed loader Lambda the way its schedule does.
package loadcall
