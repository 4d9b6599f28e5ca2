"""Counts the fsync-family system calls of one eddyd start and one clean stop with N partitions,
for docs/benchmarks/storage.md. Not a test (asserts nothing); run by hand:

    EDDYD=build/bin/eddyd /usr/bin/python3 bench/log/count_startup_syncs.py --partitions 1000

It creates N partitions (10 topics of N/10) with confluent-kafka's AdminClient on a fresh broker
and stops it (SIGTERM), then starts it again under `strace -f -c` and stops it, and prints the
calls strace counted for that second start and stop, and for the creation run.
"""

import argparse
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tests", "integration",
                                "broker"))

from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402

from eddy_harness import Broker  # noqa: E402

SYSCALLS = "fsync,fdatasync,syncfs,sync_file_range,rename,openat,unlink"


class TracedBroker(Broker):
    """eddyd under strace -f -c; stop() signals eddyd itself, and strace writes its summary."""

    def __init__(self, out_path, **kw):
        super().__init__(**kw)
        self.out_path = out_path

    def command(self):
        return ["strace", "-f", "-c", "-o", self.out_path, "-e", "trace=" + SYSCALLS, "--"] + \
            super().command()

    def stop(self, timeout_s=120):
        if self.proc is None:
            return None
        with open("/proc/%d/task/%d/children" % (self.proc.pid, self.proc.pid)) as f:
            children = [int(p) for p in f.read().split()]
        for pid in children:
            os.kill(pid, signal.SIGTERM)
        rc = self.proc.wait(timeout=timeout_s)
        self.proc = None
        return rc


def summary(path):
    counts = {}
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 5 and parts[-1] in SYSCALLS.split(","):
                counts[parts[-1]] = int(parts[3])
    return counts


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--partitions", type=int, default=1000)
    args = ap.parse_args()
    create_out = "/tmp/eddy-syncs-create-%d.txt" % os.getpid()
    restart_out = "/tmp/eddy-syncs-restart-%d.txt" % os.getpid()

    b = TracedBroker(create_out)
    b.start()
    admin = AdminClient({"bootstrap.servers": b.bootstrap})
    topics = [NewTopic("bench-%d" % i, num_partitions=args.partitions // 10, replication_factor=1)
              for i in range(10)]
    t0 = time.monotonic()
    for f in admin.create_topics(topics).values():
        f.result(timeout=300)
    create_ms = (time.monotonic() - t0) * 1000.0
    del admin
    b.stop()

    restarted = TracedBroker(restart_out, data_dir=b.data_dir)
    t0 = time.monotonic()
    restarted.start()
    start_ms = (time.monotonic() - t0) * 1000.0
    restarted.stop()
    restarted.__exit__(None, None, None)
    b.__exit__(None, None, None)

    print("create %d partitions: %.0f ms (under strace)" % (args.partitions, create_ms))
    print("  start, create, stop:", summary(create_out))
    print("restart with %d partitions: %.0f ms to accept (under strace)" % (args.partitions,
                                                                          start_ms))
    print("  start and stop:", summary(restart_out))
    os.unlink(create_out)
    os.unlink(restart_out)


if __name__ == "__main__":
    main()
