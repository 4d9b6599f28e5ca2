"""End-to-end consumer-group figures against a real eddyd with confluent-kafka (librdkafka):

  1. rebalance time: 10 consumers subscribe at once; time from the first subscribe until every
     member has its assignment (group.initial.rebalance.delay.ms 0 and the default 3000);
  2. offset commits: one consumer commits synchronously in a loop; commits/s and latency p50/p99;
  3. load time: 100,000 committed offsets (1,000 groups x 100 partitions), then kill -9 and
     restart eddyd; time from start until a committed offset of the last group is readable,
     and the coordinator's own "loaded" log lines.

    /usr/bin/python3 bench/groups/groups_e2e_bench.py [--eddyd build/bin/eddyd] [--trials 3]
        [--members 10] [--commits 2000] [--groups 1000] [--partitions 100]

Every wait is bounded; the broker binds 127.0.0.1 on a free port and stops at the end.
"""

import argparse
import os
import re
import statistics
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "integration", "groups"))

from confluent_kafka import Consumer, KafkaException, TopicPartition  # noqa: E402

from groups_support import Broker, create_topic  # noqa: E402


def rebalance_time(bootstrap, topic, members, group):
    assigned = [threading.Event() for _ in range(members)]
    consumers = []
    stop = threading.Event()

    def run(i):
        c = Consumer({"bootstrap.servers": bootstrap, "group.id": group,
                      "session.timeout.ms": 10000, "heartbeat.interval.ms": 500})
        consumers.append(c)
        c.subscribe([topic], on_assign=lambda cons, parts: assigned[i].set() if parts else None)
        while not stop.is_set():
            c.poll(0.05)

    t0 = time.monotonic()
    threads = [threading.Thread(target=run, args=(i,)) for i in range(members)]
    for t in threads:
        t.start()
    ok = all(e.wait(timeout=120) for e in assigned)
    elapsed = time.monotonic() - t0
    stop.set()
    for t in threads:
        t.join(timeout=30)
    for c in consumers:
        c.close()
    if not ok:
        raise RuntimeError("not every member got an assignment")
    return elapsed * 1000


def commit_figures(bootstrap, topic, commits):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "commit-bench"})
    lat = []
    try:
        c.commit(offsets=[TopicPartition(topic, 0, 0)], asynchronous=False)  # finds the coordinator
        t0 = time.monotonic()
        for i in range(commits):
            s = time.monotonic()
            c.commit(offsets=[TopicPartition(topic, 0, i + 1)], asynchronous=False)
            lat.append((time.monotonic() - s) * 1000)
        total = time.monotonic() - t0
    finally:
        c.close()
    lat.sort()
    return commits / total, lat[len(lat) // 2], lat[int(len(lat) * 0.99) - 1]


def load_figures(broker, topic, groups, partitions):
    for g in range(groups):
        c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "load-%d" % g})
        c.commit(offsets=[TopicPartition(topic, p, 1000 + p) for p in range(partitions)],
                 asynchronous=False)
        c.close()
    broker.kill9()
    t0 = time.monotonic()
    broker.start()
    c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "load-%d" % (groups - 1)})
    got = None
    try:
        # Until the coordinator has taken its partitions over it answers NOT_COORDINATOR or
        # COORDINATOR_LOAD_IN_PROGRESS; ask again (bounded).
        for _ in range(600):
            try:
                got = c.committed([TopicPartition(topic, partitions - 1)], timeout=30)[0].offset
                break
            except KafkaException:
                time.sleep(0.05)
    finally:
        c.close()
    elapsed = (time.monotonic() - t0) * 1000
    if got != 1000 + partitions - 1:
        raise RuntimeError("committed offset %s after restart" % got)
    loaded = re.findall(r"loaded __consumer_offsets-\d+: .*", broker.log())
    return elapsed, loaded


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--eddyd")
    p.add_argument("--trials", type=int, default=3)
    p.add_argument("--members", type=int, default=10)
    p.add_argument("--commits", type=int, default=2000)
    p.add_argument("--groups", type=int, default=1000)
    p.add_argument("--partitions", type=int, default=100)
    a = p.parse_args()
    if a.eddyd:
        os.environ["EDDYD"] = os.path.abspath(a.eddyd)

    for delay in ("0", "3000"):
        with Broker(overrides={"group.initial.rebalance.delay.ms": delay}) as b:
            create_topic(b.bootstrap, "rb", a.members)
            times = [rebalance_time(b.bootstrap, "rb", a.members, "rb-%d" % t)
                     for t in range(a.trials)]
        print("rebalance, %d members joining at once, initial delay %s ms: median %.0f ms "
              "(min %.0f, max %.0f, %d trials)" % (a.members, delay, statistics.median(times),
                                                  min(times), max(times), a.trials))

    with Broker() as b:
        create_topic(b.bootstrap, "cm", 1)
        results = [commit_figures(b.bootstrap, "cm", a.commits) for _ in range(a.trials)]
    rates = [r[0] for r in results]
    print("synchronous commits, one consumer: median %.0f commits/s (min %.0f, max %.0f); "
          "latency p50 %.2f ms, p99 %.2f ms (median over %d trials of %d commits)"
          % (statistics.median(rates), min(rates), max(rates),
             statistics.median(r[1] for r in results), statistics.median(r[2] for r in results),
             a.trials, a.commits))

    with Broker() as b:
        create_topic(b.bootstrap, "ld", a.partitions)
        elapsed, loaded = load_figures(b, "ld", a.groups, a.partitions)
    print("restart with %d committed offsets (%d groups x %d partitions): first committed "
          "offset readable %.0f ms after eddyd started" % (a.groups * a.partitions, a.groups,
                                                            a.partitions, elapsed))
    total_ms = sum(float(re.search(r"in ([\d.]+) ms", l).group(1)) for l in loaded
                   if re.search(r"in ([\d.]+) ms", l))
    print("coordinator load of all __consumer_offsets partitions: %.1f ms summed over %d "
          "partitions" % (total_ms, len(loaded)))


if __name__ == "__main__":
    main()
