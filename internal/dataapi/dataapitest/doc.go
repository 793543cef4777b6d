// Package dataapitest provides a fake of the Redshift Data API calls that dataapi.Runner makes, for tests.
package dataapitest
