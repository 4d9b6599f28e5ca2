#!/usr/bin/env python3
"""RF=3 acks=all on three local eddyd nodes against single-node eddyd, side by side in one run
(issue 14's figures): produce throughput for 100 B and 1 KiB records with confluent-kafka, and
the time from kill -9 of a partition leader to the first acknowledged produce on the new leader.
Not a test: it prints figures.

  cd bench/cluster && EDDYD=../../build/bin/eddyd \\
    PYTHONPATH=../../tests/integration/broker:../../tests/integration/cluster \\
    /usr/bin/python3 replication_bench.py [--records N] [--failovers N]
"""

import argparse
import statistics
import time

from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic

from cluster_harness import Cluster, wait_for
from eddy_harness import Broker

FAST = {"broker.heartbeat.interval.ms": "300", "broker.session.timeout.ms": "3000",
        "replica.lag.time.max.ms": "3000"}


def create(bootstrap, name, rf):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for _, f in admin.create_topics([NewTopic(name, 1, rf)], request_timeout=30).items():
        f.result()


def throughput(bootstrap, topic, size, count):
    p = Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 5,
                  "enable.idempotence": True, "batch.size": 1 << 20})
    value = b"x" * size
    acked = [0]

    def cb(err, _msg):
        if err is None:
            acked[0] += 1
    # Warm up: topic metadata, connections.
    p.produce(topic, value, on_delivery=cb)
    p.flush(30)
    acked[0] = 0
    t0 = time.monotonic()
    for _ in range(count):
        while True:
            try:
                p.produce(topic, value, on_delivery=cb)
                break
            except BufferError:
                p.poll(0.01)
        p.poll(0)
    p.flush(120)
    dt = time.monotonic() - t0
    return acked[0] / dt, acked[0] * size / dt / 1e6


def leader_of(c, topic):
    for n in c.nodes.values():
        if n.alive():
            md = n.metadata(timeout_s=3)
            if topic in md.topics:
                return md.topics[topic].partitions[0].leader
    return -1


def failover_ms(c, topic):
    leader = leader_of(c, topic)
    p = Producer({"bootstrap.servers": c.bootstrap, "acks": "all",
                  "message.timeout.ms": 60000, "retry.backoff.ms": 20,
                  "topic.metadata.refresh.interval.ms": 100})
    p.produce(topic, b"warm")
    p.flush(30)
    c.nodes[leader].kill9()
    t0 = time.monotonic()
    done = []
    p.produce(topic, b"after", on_delivery=lambda err, msg: done.append(err))
    p.flush(60)
    ms = (time.monotonic() - t0) * 1000
    if done != [None]:
        raise AssertionError("the produce after the kill failed: %r" % done)
    c.nodes[leader].spawn()

    def whole():
        for n in c.nodes.values():
            if n.alive():
                return sorted(n.metadata(timeout_s=3).topics[topic].partitions[0].isrs) == [1, 2, 3]
        return False
    wait_for(whole, 60, "the ISR to be whole again")
    return ms


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=50000)
    ap.add_argument("--failovers", type=int, default=5)
    args = ap.parse_args()
    rows = []
    with Broker(overrides={}) as single:
        create(single.bootstrap, "b", 1)
        for size in (100, 1024):
            rows.append(("single node", size) + throughput(single.bootstrap, "b", size,
                                                           args.records))
    with Cluster(3, overrides=FAST) as c:
        create(c.bootstrap, "b", 3)
        for size in (100, 1024):
            rows.append(("3 nodes RF=3", size) + throughput(c.bootstrap, "b", size,
                                                            args.records))
        times = []
        create(c.bootstrap, "f", 3)
        for _ in range(args.failovers):
            times.append(failover_ms(c, "f"))
    print("| setup | record | acks=all records/s | MB/s |")
    print("|---|---|---|---|")
    for name, size, rps, mbs in rows:
        print("| %s | %d B | %.0f | %.1f |" % (name, size, rps, mbs))
    times.sort()
    print("kill -9 of the leader -> first acknowledged produce: p50 %.0f ms, max %.0f ms "
          "over %d trials (broker.session.timeout.ms 3000)"
          % (statistics.median(times), times[-1], len(times)))


if __name__ == "__main__":
    main()
