"""Helpers for the consumer-group integration tests: the broker harness of
tests/integration/broker, member processes (group_member.py) and topic set-up. Every wait is
bounded.

Run (from this directory, with eddyd built):
    EDDYD=../../../build/bin/eddyd /usr/bin/python3 -m unittest -v test_groups_confluent
    EDDYD=../../../build/bin/eddyd /usr/bin/python3 -m unittest -v test_groups_kafka_python
ctest runs each test_*.py under the integration label (CMakeLists.txt).
"""

import json
import os
import queue
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "broker"))

from eddy_harness import Broker  # noqa: E402

__all__ = ["Broker", "Member", "create_topic", "produce", "wait_for_assignments"]

from confluent_kafka import Producer  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402

PYTHON = "/usr/bin/python3"


def create_topic(bootstrap, name, partitions, timeout_s=30):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    futures = admin.create_topics([NewTopic(name, num_partitions=partitions,
                                            replication_factor=1)])
    futures[name].result(timeout=timeout_s)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        md = admin.list_topics(timeout=5)
        t = md.topics.get(name)
        if t is not None and t.error is None and len(t.partitions) == partitions:
            return
        time.sleep(0.1)
    raise AssertionError("topic %s did not appear" % name)


def produce(bootstrap, topic, partitions, per_partition, prefix="v"):
    p = Producer({"bootstrap.servers": bootstrap, "acks": "all"})
    for part in range(partitions):
        for i in range(per_partition):
            p.produce(topic, value=("%s-%d-%d" % (prefix, part, i)).encode(), partition=part)
    left = p.flush(30)
    if left:
        raise AssertionError("%d messages not delivered" % left)


class Member:
    """A group member process. events() and wait_for() read its JSON lines."""

    def __init__(self, bootstrap, group, topic, **options):
        cmd = [PYTHON, os.path.join(HERE, "group_member.py"), "--bootstrap", bootstrap,
               "--group", group, "--topic", topic]
        for k, v in options.items():
            flag = "--" + k.replace("_", "-")
            if v is True:
                cmd.append(flag)
            elif v not in (None, False):
                cmd += [flag, str(v)]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL)
        self.queue = queue.Queue()
        self.history = []
        self.assignment = None
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            try:
                self.queue.put(json.loads(line))
            except ValueError:
                continue
        self.queue.put(None)

    def _drain(self, timeout):
        ev = self.queue.get(timeout=timeout)
        if ev is None:
            raise AssertionError("member exited: %s" % self.history[-5:])
        self.history.append(ev)
        if ev["event"] in ("assigned", "revoked"):
            self.assignment = ev["partitions"]
        return ev

    def wait_for(self, predicate, timeout_s=60):
        """Reads events until predicate(event) holds; returns that event."""
        deadline = time.monotonic() + timeout_s
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("timed out; last events: %s" % self.history[-10:])
            try:
                ev = self._drain(min(left, 1.0))
            except queue.Empty:
                continue
            if predicate(ev):
                return ev

    def pump(self, seconds):
        """Reads whatever events arrive for `seconds`."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                self._drain(max(0.01, min(0.2, deadline - time.monotonic())))
            except queue.Empty:
                pass

    def close(self, timeout_s=30):
        """Asks the member to leave the group cleanly (closes its stdin)."""
        if self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.wait(timeout=timeout_s)

    def kill(self):
        self.proc.kill()
        self.proc.wait(timeout=30)


def wait_for_assignments(members, expected, timeout_s=90):
    """Pumps every member until their assignments are `expected` (a sorted list of partition
    counts) and together cover each partition exactly once."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for m in members:
            m.pump(0.05)
        sizes = sorted(len(m.assignment or []) for m in members)
        union = [p for m in members for p in (m.assignment or [])]
        if sizes == expected and len(union) == len(set(union)) == sum(expected):
            return
    raise AssertionError("assignments never became %s: %s" %
                         (expected, [m.assignment for m in members]))
