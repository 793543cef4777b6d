package fakekinesis

import (
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/chatstream/chatstream/internal/sdkhttp"
)

// Client returns a real SDK Kinesis client for the server, configured as the
// producer configures its own: SDK retries off (the caller retries), request
// bodies passed as plain readers (sdkhttp.PlainBodies), static credentials,
// region us-east-1, the server's URL as base endpoint, and a transport that
// keeps conns idle connections, so that up to conns requests in flight reuse
// connections rather than open new ones.
func (s *Server) Client(conns int) *kinesis.Client {
	httpClient := awshttp.NewBuildableClient().WithTransportOptions(func(t *http.Transport) {
		t.MaxIdleConnsPerHost = max(conns, t.MaxIdleConnsPerHost)
		t.MaxIdleConns = max(conns, t.MaxIdleConns)
	})
	return kinesis.NewFromConfig(aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDFAKEKINESIS", "fake-secret", ""),
		Retryer:      func() aws.Retryer { return aws.NopRetryer{} },
		HTTPClient:   httpClient,
		BaseEndpoint: aws.String(s.URL),
	}, func(o *kinesis.Options) { o.HTTPClient = sdkhttp.PlainBodies(o.HTTPClient) })
}
