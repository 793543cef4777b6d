// Package sdkhttp adapts the HTTP client of AWS SDK clients so that a connection is not closed under an answer that has already arrived.
package sdkhttp
