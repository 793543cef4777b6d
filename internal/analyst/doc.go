// Package analyst signs in to a deployed environment's warehouse the way analysts do: as the stack's read-only analyst role, assumed with the caller's credentials, through the Data API with no secret.
package analyst
