package localrun

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// BenchmarkKinesisLocalPutRecords measures how fast kinesis-local stores
// records as its stream grows: requests of 100 chat-sized records, one at a
// time, into an on-demand stream already holding 2,500, 5,000 and 10,000.
// The throughput falls in proportion to the size (see MaxEvents): the metric
// size*records/s stays about the same, and PaceConstant is set from it.
//
//	go test -run '^$' -bench KinesisLocal -benchtime 20x ./internal/localrun
func BenchmarkKinesisLocalPutRecords(b *testing.B) {
	k := startKinesis(b)
	ctx := testContext(b, 30*time.Minute)
	const stream = "bench"
	if err := CreateStream(ctx, k.Client, stream, 30*time.Second); err != nil {
		b.Fatal(err)
	}
	data := []byte(`{"schema_version":1,"event_id":"0d5a3c9e-5b8f-4a7e-9c1d-2f3e4a5b6c7d","event_time":"2026-11-27T10:00:00.000Z","event_name":"SEND_MESSAGE","user_id":123,"chat_id":45}`)
	stored := 0
	put := func(b *testing.B) {
		entries := make([]types.PutRecordsRequestEntry, 100)
		for i := range entries {
			entries[i] = types.PutRecordsRequestEntry{Data: data, PartitionKey: aws.String(strconv.Itoa(stored + i))}
		}
		out, err := k.Client.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String(stream), Records: entries})
		if err != nil || aws.ToInt32(out.FailedRecordCount) != 0 {
			b.Fatalf("PutRecords at %d records: %v", stored, err)
		}
		stored += len(entries)
	}
	for _, size := range []int{2_500, 5_000, 10_000} {
		b.Run(fmt.Sprintf("size=%d", size), func(b *testing.B) {
			for stored < size {
				put(b)
			}
			for b.Loop() {
				put(b)
			}
			perSecond := float64(100*b.N) / b.Elapsed().Seconds()
			b.ReportMetric(perSecond, "records/s")
			b.ReportMetric(float64(size)*perSecond, "size*records/s")
		})
	}
}
