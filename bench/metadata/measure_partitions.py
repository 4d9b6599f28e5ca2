"""Figures for docs/benchmarks/metadata.md: eddyd creating one topic of N partitions with
CreateTopics, and restarting with it (wall time from exec to the listener accepting connections).
Not a test (never asserts timings); run by hand:

    EDDYD=build/bin/eddyd /usr/bin/python3 bench/metadata/measure_partitions.py --partitions 100000
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tests", "integration",
                                "broker"))

from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402

from eddy_harness import Broker  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--partitions", type=int, default=100000)
    ap.add_argument("--restarts", type=int, default=3)
    args = ap.parse_args()

    b = Broker(start_timeout_s=600)
    b.start()
    # One CreateTopics creates every partition's log directory before it answers.
    admin = AdminClient({"bootstrap.servers": b.bootstrap, "socket.timeout.ms": 300000})
    t0 = time.monotonic()
    try:
        futures = admin.create_topics([NewTopic("big", num_partitions=args.partitions,
                                                replication_factor=1)], request_timeout=600)
        for f in futures.values():
            f.result(timeout=600)
        created_ms = (time.monotonic() - t0) * 1000.0
    finally:
        del admin
        b.stop()

    starts = []
    for _ in range(args.restarts):
        t0 = time.monotonic()
        b.start()
        starts.append((time.monotonic() - t0) * 1000.0)
        b.stop()
    print("CreateTopics of one topic of %d partitions: %.0f ms" % (args.partitions, created_ms))
    print("restart with it, %d runs: %s ms" % (args.restarts,
                                                ", ".join("%.0f" % s for s in starts)))


if __name__ == "__main__":
    main()
