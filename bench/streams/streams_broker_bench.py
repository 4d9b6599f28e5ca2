#!/usr/bin/python3
"""Eddy Streams against eddyd: records per CPU-second of the streams process for the map-filter
and windowed-count topologies of streams_bench, consuming RECORDS records (default 1,000,000;
1000 keys, 100 records per ms of event time) from a 4-partition topic. Also prints the in-process
figures of the same binary for the same record count.

    /usr/bin/python3 bench/streams/streams_broker_bench.py [RECORDS]
"""

import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tests", "integration", "broker"))
from eddy_harness import Broker, REPO  # noqa: E402

from confluent_kafka import Producer  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402

RECORDS = int(sys.argv[1]) if len(sys.argv) > 1 else 1000000
BENCH = os.path.join(REPO, "build", "bin", "streams_bench")


def main():
    print(subprocess.run([BENCH, "--records", str(RECORDS)], check=True, capture_output=True, text=True).stdout, end="")
    with Broker(overrides={"num.partitions": "4"}) as b:
        admin = AdminClient({"bootstrap.servers": b.bootstrap})
        admin.create_topics([NewTopic("bench-in", 4, 1)])["bench-in"].result(30)
        p = Producer({"bootstrap.servers": b.bootstrap, "linger.ms": 20, "batch.num.messages": 10000})
        for i in range(RECORDS):
            while True:
                try:
                    p.produce("bench-in", str(i).encode(), ("key-%d" % (i % 1000)).encode(), timestamp=1 + i // 100)
                    break
                except BufferError:
                    p.poll(0.05)
        assert p.flush(120) == 0
        for topology in ("map-filter", "windowed-count"):
            r = subprocess.run([BENCH, "--bootstrap", b.bootstrap, "--input", "bench-in", "--records", str(RECORDS),
                                "--topology", topology], capture_output=True, text=True, timeout=900)
            print(r.stdout, end="")
            if r.returncode:
                sys.exit(r.stderr)


if __name__ == "__main__":
    main()
