package publish_test

import (
	"context"
	"fmt"
	"log"
	"strconv"

	"github.com/chatstream/chatstream/internal/fakekinesis"
	"github.com/chatstream/chatstream/lambda/publish"
)

func Example() {
	// A local Kinesis endpoint stands in for the real one. In the Lambda the
	// client is kinesis.NewFromConfig(cfg) with aws.NopRetryer{}, since the
	// Publisher does the retrying, and an HTTP client wrapped in
	// sdkhttp.PlainBodies, so that no answer that arrived is lost.
	srv, err := fakekinesis.New(fakekinesis.Options{Streams: []string{"chat-events"}})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	p, err := publish.New(srv.Client(publish.DefaultMaxInFlight), publish.Options{Stream: "chat-events"})
	if err != nil {
		log.Fatal(err)
	}
	events := func(yield func(publish.Record) bool) {
		for i := range 1200 {
			user := strconv.Itoa(i%50 + 1)
			if !yield(publish.Record{PartitionKey: user, Data: []byte(`{"event_name":"JOIN","user_id":` + user + `}`)}) {
				return
			}
		}
	}
	res := p.Publish(context.Background(), events)
	fmt.Printf("sent %d, failed %d, in %d requests\n", res.Sent, res.Failed, res.Requests)
	// Output: sent 1200, failed 0, in 3 requests
}
