// Command infra is the chatstream CDK app: one stack per environment with the stream, the scheduled producer and Redshift Serverless.
package main
