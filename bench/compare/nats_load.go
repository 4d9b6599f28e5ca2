// eddy-nats-load: the NATS JetStream side of bench/run. It runs the same workloads as eddy-load
// (bench/broker/load_driver.cc) with the same flags and prints the same one-line key=value
// results, so bench/run aggregates every system the same way.
//
// A Kafka partition maps to one JetStream stream with one subject (T.p in stream T_p): a stream
// is JetStream's unit of ordering and of server-side parallelism, as a partition is Kafka's.
// Producers publish asynchronously (PublishAsync with a window of unacknowledged messages, the
// client's fastest documented publish path); consumers are ordered push consumers (no acks,
// flow control), the client's fastest way to replay a stream.
//
// Built offline from Debian's golang-github-nats-io-go-nats-dev:
//
//	GOPATH=/usr/share/gocode GO111MODULE=off go build -o eddy-nats-load nats_load.go
package main

import (
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
)

type options struct {
	mode        string
	url         string
	topic       string
	storage     string
	partitions  int
	producers   int
	records     int64
	recordBytes int
	window      int
	rate        int64
	durationS   int64
	timeoutS    int64
}

// epoch is the one monotonic clock that producer and consumer share: the send time travels in
// the first 8 bytes of every record, as in eddy-load.
var epoch = time.Now()

func nowNs() int64 { return int64(time.Since(epoch)) }

func die(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "eddy-nats-load: "+format+"\n", args...)
	os.Exit(2)
}

func parse() options {
	var o options
	flag.StringVar(&o.mode, "mode", "produce", "produce | consume | e2e")
	flag.StringVar(&o.url, "url", "nats://127.0.0.1:4222", "server URL")
	flag.StringVar(&o.topic, "topic", "eddy-load", "stream name prefix")
	flag.StringVar(&o.storage, "storage", "file", "file | memory")
	flag.IntVar(&o.partitions, "partitions", 1, "streams, one subject each")
	flag.IntVar(&o.producers, "producers", 1, "independent connections publishing")
	flag.Int64Var(&o.records, "records", 1_000_000, "records to produce")
	flag.IntVar(&o.recordBytes, "record-bytes", 100, "bytes per record")
	flag.IntVar(&o.window, "window", 4000, "unacknowledged async publishes per producer")
	flag.Int64Var(&o.rate, "rate", 20_000, "e2e records/s")
	flag.Int64Var(&o.durationS, "duration-s", 10, "e2e length")
	flag.Int64Var(&o.timeoutS, "timeout-s", 120, "bound on every wait")
	flag.Parse()
	if o.records <= 0 || o.recordBytes < 8 || o.recordBytes > 1<<20 || o.partitions <= 0 ||
		o.partitions > 1000 || o.producers <= 0 || o.producers > 64 || o.window <= 0 ||
		o.rate <= 0 || o.durationS <= 0 || o.timeoutS <= 0 {
		die("out-of-range option")
	}
	if o.storage != "file" && o.storage != "memory" {
		die("--storage must be file or memory")
	}
	return o
}

func streamName(topic string, p int) string { return fmt.Sprintf("%s_%d", topic, p) }
func subject(topic string, p int) string    { return fmt.Sprintf("%s.%d", topic, p) }

func connect(o options) (*nats.Conn, nats.JetStreamContext, *int64) {
	nc, err := nats.Connect(o.url, nats.Timeout(time.Duration(o.timeoutS)*time.Second))
	if err != nil {
		die("connect: %v", err)
	}
	failed := new(int64)
	js, err := nc.JetStream(nats.PublishAsyncMaxPending(o.window),
		nats.PublishAsyncErrHandler(func(nats.JetStream, *nats.Msg, error) {
			atomic.AddInt64(failed, 1)
		}))
	if err != nil {
		die("jetstream: %v", err)
	}
	return nc, js, failed
}

// createStreams makes one stream per partition; an existing stream with the same name is fine.
func createStreams(o options, js nats.JetStreamContext) {
	storage := nats.FileStorage
	if o.storage == "memory" {
		storage = nats.MemoryStorage
	}
	for p := 0; p < o.partitions; p++ {
		_, err := js.AddStream(&nats.StreamConfig{
			Name: streamName(o.topic, p), Subjects: []string{subject(o.topic, p)},
			Storage: storage, Replicas: 1,
		})
		if err != nil && !errors.Is(err, nats.ErrStreamNameAlreadyInUse) {
			die("add stream: %v", err)
		}
	}
}

// publish sends one record, waiting out the client's stall when the window is full.
func publish(js nats.JetStreamContext, subj string, data []byte, deadline time.Time) error {
	for {
		_, err := js.PublishAsync(subj, data)
		if err == nil || !strings.Contains(err.Error(), "stalled") {
			return err
		}
		if time.Now().After(deadline) {
			return err
		}
	}
}

// waitAcked waits until every async publish of js is acknowledged.
func waitAcked(js nats.JetStreamContext, timeout time.Duration) error {
	select {
	case <-js.PublishAsyncComplete():
		return nil
	case <-time.After(timeout):
		return errors.New("timed out waiting for publish acks")
	}
}

// produceShare publishes records [first, first+count) round-robin over the partitions on its own
// connection. The client keeps each message until it is acknowledged, so each gets its own buffer.
func produceShare(o options, first, count int64) error {
	nc, js, failed := connect(o)
	defer nc.Close()
	deadline := time.Now().Add(time.Duration(o.timeoutS) * time.Second)
	for i := first; i < first+count; i++ {
		data := make([]byte, o.recordBytes)
		binary.LittleEndian.PutUint64(data, uint64(i))
		if err := publish(js, subject(o.topic, int(i%int64(o.partitions))), data, deadline); err != nil {
			return fmt.Errorf("publish: %v", err)
		}
	}
	if err := waitAcked(js, time.Until(deadline)); err != nil {
		return err
	}
	if n := atomic.LoadInt64(failed); n > 0 {
		return fmt.Errorf("%d publishes failed", n)
	}
	return nil
}

func runProduce(o options) {
	nc, js, _ := connect(o)
	createStreams(o, js)
	nc.Close()
	errs := make([]error, o.producers)
	var wg sync.WaitGroup
	start := time.Now()
	first := int64(0)
	for p := 0; p < o.producers; p++ {
		count := o.records / int64(o.producers)
		if int64(p) < o.records%int64(o.producers) {
			count++
		}
		wg.Add(1)
		go func(p int, first, count int64) {
			defer wg.Done()
			errs[p] = produceShare(o, first, count)
		}(p, first, count)
		first += count
	}
	wg.Wait()
	secs := time.Since(start).Seconds()
	for _, err := range errs {
		if err != nil {
			die("produce: %v", err)
		}
	}
	rate := float64(o.records) / secs
	fmt.Printf("mode=produce records=%d bytes=%d producers=%d partitions=%d acks=%s secs=%.3f "+
		"rec_per_s=%.0f mb_per_s=%.2f\n", o.records, o.recordBytes, o.producers, o.partitions,
		o.storage, secs, rate, rate*float64(o.recordBytes)/1e6)
}

// subscribeAll starts an ordered consumer from the first message of every partition's stream;
// handle runs for each message on the client's delivery goroutine.
func subscribeAll(o options, js nats.JetStreamContext, handle func(*nats.Msg)) []*nats.Subscription {
	var subs []*nats.Subscription
	for p := 0; p < o.partitions; p++ {
		sub, err := js.Subscribe(subject(o.topic, p), handle, nats.OrderedConsumer(),
			nats.DeliverAll(), nats.BindStream(streamName(o.topic, p)))
		if err != nil {
			die("subscribe: %v", err)
		}
		if err := sub.SetPendingLimits(-1, -1); err != nil {
			die("pending limits: %v", err)
		}
		subs = append(subs, sub)
	}
	return subs
}

func runConsume(o options) {
	nc, js, _ := connect(o)
	defer nc.Close()
	expected := int64(0)
	for p := 0; p < o.partitions; p++ {
		info, err := js.StreamInfo(streamName(o.topic, p))
		if err != nil {
			die("stream info: %v", err)
		}
		expected += int64(info.State.Msgs)
	}
	var seen, bytes, startNs int64
	done := make(chan struct{})
	var once sync.Once
	// Every subscription has its own delivery goroutine, so the counters are atomics.
	subs := subscribeAll(o, js, func(m *nats.Msg) {
		atomic.CompareAndSwapInt64(&startNs, 0, nowNs())
		atomic.AddInt64(&bytes, int64(len(m.Data)))
		if atomic.AddInt64(&seen, 1) == expected {
			once.Do(func() { close(done) })
		}
	})
	select {
	case <-done:
	case <-time.After(time.Duration(o.timeoutS) * time.Second):
		die("consume: timed out after %d of %d records", atomic.LoadInt64(&seen), expected)
	}
	secs := float64(nowNs()-atomic.LoadInt64(&startNs)) / 1e9
	for _, s := range subs {
		s.Unsubscribe()
	}
	n := atomic.LoadInt64(&seen)
	fmt.Printf("mode=consume records=%d secs=%.3f rec_per_s=%.0f mb_per_s=%.2f\n", n, secs,
		float64(n)/secs, float64(atomic.LoadInt64(&bytes))/secs/1e6)
}

// runE2E publishes at o.rate records/s for o.durationS into fresh streams and measures, in the
// same process, the time from handing a record to the client until the consumer receives it.
func runE2E(o options) {
	nc, js, failed := connect(o)
	defer nc.Close()
	createStreams(o, js)
	total := o.rate * o.durationS
	latencies := make([]int64, 0, total)
	var mu sync.Mutex
	got := make(chan struct{})
	var once sync.Once
	subs := subscribeAll(o, js, func(m *nats.Msg) {
		now := nowNs()
		if len(m.Data) < 8 {
			return
		}
		sent := int64(binary.LittleEndian.Uint64(m.Data))
		mu.Lock()
		latencies = append(latencies, now-sent)
		if int64(len(latencies)) >= total {
			once.Do(func() { close(got) })
		}
		mu.Unlock()
	})
	interval := time.Second / time.Duration(o.rate)
	deadline := time.Now().Add(time.Duration(o.timeoutS) * time.Second)
	start := time.Now()
	for i := int64(0); i < total; i++ {
		if d := time.Until(start.Add(time.Duration(i) * interval)); d > 0 {
			time.Sleep(d)
		}
		data := make([]byte, o.recordBytes)
		binary.LittleEndian.PutUint64(data, uint64(nowNs()))
		if err := publish(js, subject(o.topic, int(i%int64(o.partitions))), data, deadline); err != nil {
			die("e2e publish: %v", err)
		}
	}
	if err := waitAcked(js, time.Duration(o.timeoutS)*time.Second); err != nil {
		die("e2e: %v", err)
	}
	// Records that never arrive count as missing; this bounds the wait for them.
	select {
	case <-got:
	case <-time.After(10 * time.Second):
	}
	for _, s := range subs {
		s.Unsubscribe()
	}
	mu.Lock()
	defer mu.Unlock()
	sort.Slice(latencies, func(a, b int) bool { return latencies[a] < latencies[b] })
	pct := func(q float64) float64 {
		if len(latencies) == 0 {
			return -1
		}
		return float64(latencies[int(q*float64(len(latencies)-1))]) / 1e6
	}
	fmt.Printf("mode=e2e rate=%d sent=%d received=%d failed=%d p50_ms=%.3f p99_ms=%.3f "+
		"p999_ms=%.3f max_ms=%.3f\n", o.rate, total, len(latencies), atomic.LoadInt64(failed),
		pct(0.50), pct(0.99), pct(0.999), pct(1.0))
}

func main() {
	o := parse()
	switch o.mode {
	case "produce":
		runProduce(o)
	case "consume":
		runConsume(o)
	case "e2e":
		runE2E(o)
	default:
		die("unknown --mode %q", o.mode)
	}
}
