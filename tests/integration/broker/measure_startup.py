"""Figures for docs/benchmarks/broker.md: eddyd's RSS at idle and its start-up time with N
partitions. Not a test (never asserts timings); run by hand:

    EDDYD=build/bin/eddyd /usr/bin/python3 tests/integration/broker/measure_startup.py \
        --partitions 1000 --runs 5

Start-up time is wall time from exec to the listener accepting connections (what a client sees),
for a broker whose log dirs already hold the partitions after a clean shutdown.
"""

import argparse
import statistics
import time

from confluent_kafka.admin import AdminClient, NewTopic

from eddy_harness import Broker


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--partitions", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--idle-s", type=float, default=5.0)
    args = ap.parse_args()

    b = Broker()
    b.start()
    time.sleep(args.idle_s)
    idle_rss = rss_kb(b.proc.pid)

    admin = AdminClient({"bootstrap.servers": b.bootstrap})
    topics = [NewTopic("bench-%d" % i, num_partitions=100, replication_factor=1)
              for i in range(args.partitions // 100)]
    for f in admin.create_topics(topics).values():
        f.result(timeout=120)
    del admin
    time.sleep(args.idle_s)
    loaded_rss = rss_kb(b.proc.pid)
    b.stop()

    starts = []
    for _ in range(args.runs):
        t0 = time.monotonic()
        b.start()
        starts.append((time.monotonic() - t0) * 1000.0)
        b.stop()
    b.__exit__(None, None, None)

    print("idle RSS (no user topics): %d KiB" % idle_rss)
    print("RSS with %d user partitions: %d KiB" % (args.partitions, loaded_rss))
    print("start-up with %d user partitions, %d runs: median %.0f ms (min %.0f, max %.0f)"
          % (args.partitions, args.runs, statistics.median(starts), min(starts), max(starts)))


if __name__ == "__main__":
    main()
