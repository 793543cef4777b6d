// Package dataapi runs SQL statements on a Redshift Serverless workgroup through the Redshift Data API and reads their rows.
package dataapi
