#!/usr/bin/python3
"""Eddy Streams against eddyd: records per CPU-second of the streams process for the map-filter
and windowed-count topologies of streams_bench, consuming RECORDS records (default 1,000,000;
1000 keys, 100 records per ms of event time) from a 4-partition topic. Also prints the in-process
figures of the same binary for the same record count.

Then the restore rate of a RESTORE_MIB MiB changelog (default 1024: 1 GiB of 1 KiB values).

    /usr/bin/python3 bench/streams/streams_broker_bench.py [RECORDS [RESTORE_MIB]]
"""

import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tests", "integration", "broker"))
from eddy_harness import Broker, REPO  # noqa: E402

from confluent_kafka import Producer  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402

RECORDS = int(sys.argv[1]) if len(sys.argv) > 1 else 1000000
RESTORE_MIB = int(sys.argv[2]) if len(sys.argv) > 2 else 1024
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
        # Restore: a changelog of RESTORE_MIB MiB (1 KiB values, distinct keys) read back into an
        # empty RocksDB store.
        app = "bench-restore"
        changelog = app + "-counts-changelog"
        admin.create_topics([NewTopic(changelog, 1, 1, config={"cleanup.policy": "compact"}),
                             NewTopic("bench-restore-in", 1, 1)])[changelog].result(30)
        value = b"v" * 1024
        n = RESTORE_MIB * 1024
        for i in range(n):
            while True:
                try:
                    p.produce(changelog, value, b"key-%09d" % i, partition=0)
                    break
                except BufferError:
                    p.poll(0.05)
        assert p.flush(300) == 0
        r = subprocess.run([BENCH, "--bootstrap", b.bootstrap, "--input", "bench-restore-in", "--restore-app-id", app,
                            "--changelog-bytes", str(n * (len(value) + 13))], capture_output=True, text=True, timeout=900)
        print(r.stdout, end="")
        if r.returncode:
            sys.exit(r.stderr)
        for topology in ("map-filter", "windowed-count"):
            r = subprocess.run([BENCH, "--bootstrap", b.bootstrap, "--input", "bench-in", "--records", str(RECORDS),
                                "--topology", topology], capture_output=True, text=True, timeout=900)
            print(r.stdout, end="")
            if r.returncode:
                sys.exit(r.stderr)


if __name__ == "__main__":
    main()
