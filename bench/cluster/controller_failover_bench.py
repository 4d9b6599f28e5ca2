#!/usr/bin/env python3
"""Controller failover on three local eddyd nodes with default timeouts (issue 13's figure): over
N trials, kill -9 of the active controller, then (a) the time until a surviving node's Metadata
names a new active controller, and (b) the time until the first metadata write is accepted again
(a CreateTopics sent to a surviving node, which forwards it, answered without error). The killed
node is restarted and the cluster re-forms between trials. Not a test: it prints figures.

  cd bench/cluster && EDDYD=../../build/bin/eddyd \\
    PYTHONPATH=../../tests/integration/broker:../../tests/integration/cluster \\
    /usr/bin/python3 controller_failover_bench.py [--trials N]
"""

import argparse
import struct
import time

from cluster_harness import Cluster
from test_forwarding import call, create_topics


def controller_id(port):
    """Metadata v1 for no topics: the controller id the node names."""
    resp = call(port, 3, 1, struct.pack(">i", 0))
    pos = 0
    (brokers,) = struct.unpack_from(">i", resp, pos)
    pos += 4
    for _ in range(brokers):
        pos += 4  # node id
        (n,) = struct.unpack_from(">h", resp, pos)
        pos += 2 + n + 4  # host, port
        (n,) = struct.unpack_from(">h", resp, pos)
        pos += 2 + max(n, 0)  # rack
    return struct.unpack_from(">i", resp, pos)[0]


def trial(c, index):
    old = c.controller_id()
    via = c.nodes[min(i for i in c.nodes if i != old)]
    c.nodes[old].kill9()
    t0 = time.monotonic()
    elected = written = None
    while written is None:
        if elected is None:
            try:
                if controller_id(via.port) not in (old, -1):
                    elected = time.monotonic() - t0
            except (OSError, struct.error, TypeError):  # TypeError: connection closed
                pass
        if elected is not None and create_topics(via.port, "failover-%d" % index) == 0:
            written = time.monotonic() - t0
        time.sleep(0.005)
    c.nodes[old].spawn()
    c.wait_formed(120)
    return elected * 1000, written * 1000


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--trials", type=int, default=50)
    args = ap.parse_args()
    elected, written = [], []
    with Cluster(3) as c:
        for i in range(args.trials):
            e, w = trial(c, i)
            elected.append(e)
            written.append(w)
    print("| kill -9 of the active controller -> | p50 | p99 | max | trials |")
    print("|---|---|---|---|---|")
    for what, v in (("a new active controller named", elected),
                     ("first metadata write accepted", written)):
        print("| %s | %.0f ms | %.0f ms | %.0f ms | %d |"
              % (what, pct(v, 0.5), pct(v, 0.99), max(v), len(v)))


if __name__ == "__main__":
    main()
