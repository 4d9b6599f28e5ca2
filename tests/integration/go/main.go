// franz-go (kgo producer and group consumer, kadm admin) against a broker, as a judge of eddyd.
// Run by test_franz_go.py: `go run . BOOTSTRAP`. Each case prints "ok NAME" or "FAIL NAME: why";
// the last line is "N passed, M failed" and the exit status is 1 when any case failed.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

var bootstrap string

func client(opts ...kgo.Opt) *kgo.Client {
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(bootstrap)}, opts...)...)
	if err != nil {
		panic(err)
	}
	return cl
}

func ctx(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}

// Admin: create topics, list, describe configs, alter configs, partitions, delete.
func adminCase() error {
	cl := client()
	defer cl.Close()
	adm := kadm.NewClient(cl)
	c, cancel := ctx(30 * time.Second)
	defer cancel()
	rr := "3600000"
	if _, err := adm.CreateTopic(c, 3, 1, map[string]*string{"retention.ms": &rr}, "franz-admin"); err != nil {
		return fmt.Errorf("create: %w", err)
	}
	td, err := adm.ListTopics(c, "franz-admin")
	if err != nil {
		return err
	}
	if t := td["franz-admin"]; t.Err != nil || len(t.Partitions) != 3 {
		return fmt.Errorf("described %+v", t)
	}
	rc, err := adm.DescribeTopicConfigs(c, "franz-admin")
	if err != nil {
		return err
	}
	cfg, err := rc.On("franz-admin", nil)
	if err != nil {
		return err
	}
	found := false
	for _, e := range cfg.Configs {
		if e.Key == "retention.ms" && e.MaybeValue() == "3600000" {
			found = true
		}
	}
	if !found {
		return fmt.Errorf("retention.ms not described as set: %+v", cfg.Configs)
	}
	seg := "600000"
	if _, err := adm.AlterTopicConfigs(c, []kadm.AlterConfig{{Op: kadm.SetConfig, Name: "segment.ms", Value: &seg}}, "franz-admin"); err != nil {
		return fmt.Errorf("alter: %w", err)
	}
	if _, err := adm.CreatePartitions(c, 1, "franz-admin"); err != nil {
		return fmt.Errorf("create partitions: %w", err)
	}
	meta, err := adm.Metadata(c)
	if err != nil {
		return err
	}
	if len(meta.Brokers) == 0 || len(meta.Topics["franz-admin"].Partitions) != 4 {
		return fmt.Errorf("metadata: brokers %d, topic %+v", len(meta.Brokers), meta.Topics["franz-admin"])
	}
	if _, err := adm.DeleteTopics(c, "franz-admin"); err != nil {
		return fmt.Errorf("delete: %w", err)
	}
	return nil
}

// Produce with each codec (idempotent, franz-go's default), then a two-member group consumes
// everything and commits; kadm reads the committed offsets back.
func produceConsumeGroupCase() error {
	const topic = "franz-data"
	const perCodec = 100
	codecs := []kgo.CompressionCodec{kgo.NoCompression(), kgo.GzipCompression(),
		kgo.SnappyCompression(), kgo.Lz4Compression(), kgo.ZstdCompression()}
	adminCl := client()
	defer adminCl.Close()
	adm := kadm.NewClient(adminCl)
	c, cancel := ctx(90 * time.Second)
	defer cancel()
	if _, err := adm.CreateTopic(c, 3, 1, nil, topic); err != nil {
		return fmt.Errorf("create: %w", err)
	}
	want := map[string]bool{}
	for i, codec := range codecs {
		p := client(kgo.ProducerBatchCompression(codec), kgo.DefaultProduceTopic(topic))
		var rs []*kgo.Record
		for j := 0; j < perCodec; j++ {
			v := fmt.Sprintf("c%d-%d", i, j)
			want[v] = true
			rs = append(rs, &kgo.Record{Key: []byte(v), Value: []byte(v)})
		}
		err := p.ProduceSync(c, rs...).FirstErr()
		p.Close()
		if err != nil {
			return fmt.Errorf("produce codec %d: %w", i, err)
		}
	}
	members := []*kgo.Client{}
	for i := 0; i < 2; i++ {
		members = append(members, client(kgo.ConsumerGroup("franz-group"), kgo.ConsumeTopics(topic),
			kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.DisableAutoCommit()))
	}
	seen := map[string]bool{}
	for len(seen) < len(want) {
		if c.Err() != nil {
			return fmt.Errorf("consumed %d of %d: %w", len(seen), len(want), c.Err())
		}
		for _, m := range members {
			pc, pcancel := context.WithTimeout(c, 200*time.Millisecond)
			fs := m.PollFetches(pc)
			pcancel()
			for _, fe := range fs.Errors() {
				if !errors.Is(fe.Err, context.DeadlineExceeded) {
					return fmt.Errorf("fetch %s/%d: %w", fe.Topic, fe.Partition, fe.Err)
				}
			}
			fs.EachRecord(func(r *kgo.Record) { seen[string(r.Value)] = true })
		}
	}
	for _, m := range members {
		if err := m.CommitUncommittedOffsets(c); err != nil {
			return fmt.Errorf("commit: %w", err)
		}
	}
	// The records may all be read before the second member's join completes: keep both members
	// polling (so they take part in the rebalance) until the group is Stable with both in it.
	var groups kadm.DescribedGroups
	for {
		var err error
		groups, err = adm.DescribeGroups(c, "franz-group")
		if err != nil {
			return err
		}
		if g := groups["franz-group"]; g.State == "Stable" && len(g.Members) == len(members) {
			break
		}
		if c.Err() != nil {
			g := groups["franz-group"]
			return fmt.Errorf("group state %q with %d members, want Stable with %d", g.State,
				len(g.Members), len(members))
		}
		for _, m := range members {
			pc, pcancel := context.WithTimeout(c, 200*time.Millisecond)
			m.PollFetches(pc)
			pcancel()
		}
	}
	if g := groups["franz-group"]; g.State != "Stable" {
		return fmt.Errorf("group state %q, want Stable", g.State)
	}
	for _, m := range members {
		m.Close()
	}
	offsets, err := adm.FetchOffsets(c, "franz-group")
	if err != nil {
		return err
	}
	var total int64
	offsets.Each(func(o kadm.OffsetResponse) { total += o.At })
	if total != int64(len(want)) {
		return fmt.Errorf("committed offsets sum to %d, want %d", total, len(want))
	}
	lags, err := adm.Lag(c, "franz-group")
	if err != nil {
		return err
	}
	if l := lags["franz-group"]; l.Error() != nil || l.Lag.Total() != 0 {
		return fmt.Errorf("lag %d (%v)", l.Lag.Total(), l.Error())
	}
	ends, err := adm.ListEndOffsets(c, topic)
	if err != nil {
		return err
	}
	var sum int64
	ends.Each(func(o kadm.ListedOffset) { sum += o.Offset })
	if sum != int64(len(want)) {
		return fmt.Errorf("end offsets sum to %d", sum)
	}
	return nil
}

func main() {
	bootstrap = os.Args[1]
	cases := map[string]func() error{
		"kadm: topics, configs, partitions, metadata":                  adminCase,
		"kgo: produce every codec, group of two consumes, kadm offsets": produceConsumeGroupCase,
	}
	names := make([]string, 0, len(cases))
	for n := range cases {
		names = append(names, n)
	}
	sort.Strings(names)
	passed, failed := 0, 0
	for _, n := range names {
		start := time.Now()
		if err := cases[n](); err != nil {
			failed++
			fmt.Printf("FAIL %s: %v\n", n, err)
		} else {
			passed++
			fmt.Printf("ok %s (%d ms)\n", n, time.Since(start).Milliseconds())
		}
	}
	fmt.Printf("%d passed, %d failed\n", passed, failed)
	if failed > 0 {
		os.Exit(1)
	}
}
