#!/usr/bin/env python3
"""DeleteRecords latency on three local eddyd nodes, RF=3: each request deletes one more record
and answers once every replica has moved its log start (the low watermark). Not a test: it
prints figures.

  cd bench/cluster && EDDYD=../../build/bin/eddyd \\
    PYTHONPATH=../../tests/integration/broker:../../tests/integration/cluster:../../tests/integration/faults \\
    /usr/bin/python3 delete_records_bench.py [--requests N]
"""

import argparse
import statistics
import time

from cluster_harness import Cluster
from test_delete_records import delete_records, produce
from test_replication import create, wait_isr


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=30)
    n = ap.parse_args().requests
    with Cluster(3) as c:
        create(c.bootstrap, "bench-delete")
        leader, _ = wait_isr(c, "bench-delete", [1, 2, 3])
        produce(c.bootstrap, "bench-delete", n + 1)
        ms = []
        for offset in range(1, n + 1):
            start = time.monotonic()
            low_watermark, error = delete_records(c.nodes[leader], "bench-delete", offset, 30000)
            ms.append((time.monotonic() - start) * 1000)
            assert (low_watermark, error) == (offset, 0), (low_watermark, error)
        ms.sort()
        print("DeleteRecords RF=3, %d requests: p50 %.1f ms, p90 %.1f ms, max %.1f ms" %
              (n, statistics.median(ms), ms[int(0.9 * n) - 1], ms[-1]))


if __name__ == "__main__":
    main()
