#!/usr/bin/env python3
"""Issue 13's cluster metadata figures on three local eddyd nodes with default timeouts, through
confluent-kafka's AdminClient (librdkafka) as a user's tool would see them. Not a test: it prints
figures and asserts nothing about time.

Topic creation rate (topics of one partition, replication factor 3), each way on a fresh cluster:
  - one at a time: each CreateTopics answered before the next is sent (latency p50/p99);
  - pipelined: every CreateTopics (one topic each) sent at once, the client keeps them in flight;
  - batched: one CreateTopics naming every topic.
Broker failure: kill -9 of a broker that leads partitions (never the active controller), then the
time until a surviving node's Metadata names another leader for each of those partitions (Kafka's
model: the controller fences the broker when `broker.session.timeout.ms`, 9 s by default, passes
without a heartbeat, and moves its leaderships in the same batch). The node is restarted and the
cluster re-forms between trials.

  cd bench/cluster && EDDYD=../../build/bin/eddyd \\
    PYTHONPATH=../../tests/integration/broker:../../tests/integration/cluster \\
    /usr/bin/python3 cluster_metadata_bench.py [--topics N] [--failovers N]
"""

import argparse
import time

from confluent_kafka.admin import AdminClient, NewTopic

from cluster_harness import Cluster, wait_for


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def wait_all(futures):
    for f in futures.values():
        f.result(timeout=300)


def one_at_a_time(admin, n):
    latencies = []
    for i in range(n):
        t = time.monotonic()
        wait_all(admin.create_topics([NewTopic("one-%d" % i, 1, 3)], request_timeout=60))
        latencies.append((time.monotonic() - t) * 1000)
    return latencies


def pipelined(admin, n):
    pending = [admin.create_topics([NewTopic("piped-%d" % i, 1, 3)], request_timeout=120)
               for i in range(n)]
    for futures in pending:
        wait_all(futures)


def batched(admin, n):
    wait_all(admin.create_topics([NewTopic("batch-%d" % i, 1, 3) for i in range(n)],
                                 request_timeout=300))


def creation_rate(n):
    """Each way on a fresh cluster, so that none pays for the topics of another."""
    rows = []
    for what, run in (("one at a time", one_at_a_time),
                      ("pipelined, one topic per request", pipelined),
                      ("batched, %d topics in one request" % n, batched)):
        with Cluster(3) as c:
            admin = AdminClient({"bootstrap.servers": c.bootstrap})
            t0 = time.monotonic()
            latencies = run(admin, n)
            rows.append((what, n, time.monotonic() - t0, latencies))
    print("| CreateTopics, 1 partition, RF 3 | topics | seconds | topics/s | latency p50 | p99 |")
    print("|---|---|---|---|---|---|")
    for what, count, secs, lat in rows:
        extra = ("%.1f ms | %.1f ms" % (pct(lat, 0.5), pct(lat, 0.99))) if lat else "- | -"
        print("| %s | %d | %.2f | %.0f | %s |" % (what, count, secs, count / secs, extra))


def leaders(node, topic):
    md = node.metadata(timeout_s=2)
    t = md.topics.get(topic)
    if t is None or t.error is not None:
        return None
    return {p: pm.leader for p, pm in t.partitions.items()}


def broker_failover(c, index):
    topic = "leaders-%d" % index
    admin = AdminClient({"bootstrap.servers": c.bootstrap})
    wait_all(admin.create_topics([NewTopic(topic, 6, 3)], request_timeout=60))
    controller = c.controller_id()
    observer = c.nodes[controller]
    before = wait_for(lambda: (lambda m: m if m and len(m) == 6 and -1 not in m.values()
                               else None)(leaders(observer, topic)), 60, "leaders of " + topic)
    victim = next(i for i in sorted(c.nodes) if i != controller and i in before.values())
    led = {p for p, leader in before.items() if leader == victim}
    c.nodes[victim].kill9()
    t0 = time.monotonic()
    first = None
    while True:
        try:
            now = leaders(observer, topic)
        except Exception:  # a transient client error: ask again
            now = None
        if now is not None:
            moved = {p for p in led if now.get(p) not in (victim, -1, None)}
            if moved and first is None:
                first = time.monotonic() - t0
            if moved == led:
                every = time.monotonic() - t0
                break
        time.sleep(0.02)
    c.nodes[victim].spawn()
    c.wait_formed(120)
    return first * 1000, every * 1000, len(led)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--topics", type=int, default=1000)
    ap.add_argument("--failovers", type=int, default=10)
    args = ap.parse_args()
    if args.topics:
        creation_rate(args.topics)
    with Cluster(3) as c:
        if args.failovers:
            first, every, counts = [], [], []
            for i in range(args.failovers):
                f, e, n = broker_failover(c, i)
                first.append(f)
                every.append(e)
                counts.append(n)
            print()
            print("| kill -9 of a broker (not the controller) -> | p50 | p99 | max | trials |")
            print("|---|---|---|---|---|")
            for what, v in (("its first leadership moved", first),
                             ("all its leaderships moved (%d-%d partitions)"
                              % (min(counts), max(counts)), every)):
                print("| %s | %.0f ms | %.0f ms | %.0f ms | %d |"
                      % (what, pct(v, 0.5), pct(v, 0.99), max(v), len(v)))


if __name__ == "__main__":
    main()
