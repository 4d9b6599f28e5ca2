"""The orders-payments stream-stream join with two instances against eddyd: every order meets its
payment although each instance runs only some partitions (partition p of both topics must land in
the same task), and no order without a payment within the join window is emitted."""

import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "broker"))
from eddy_harness import Broker, REPO  # noqa: E402

from confluent_kafka import Consumer, Producer, TopicPartition  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402

ORDERS = 2000
PARTITIONS = 4
WAIT_S = 180


def binary():
    return os.environ.get("STREAMS_ORDERS_PAYMENTS") or os.path.join(REPO, "build", "bin", "streams_orders_payments")


def read(path):
    with open(path) as f:
        return f.read()


class Join(unittest.TestCase):
    def test_two_instances_join_every_order_with_its_payment(self):
        with Broker() as b, tempfile.TemporaryDirectory() as tmp:
            admin = AdminClient({"bootstrap.servers": b.bootstrap})
            for f in admin.create_topics([NewTopic(t, PARTITIONS, 1) for t in ("orders", "payments", "paid")]).values():
                f.result(30)
            procs = []
            try:
                for name in ("a", "b"):
                    log = open(os.path.join(tmp, name + ".log"), "w")
                    procs.append((subprocess.Popen(
                        [binary(), "--bootstrap", b.bootstrap, "--orders", "orders", "--payments", "payments",
                         "--output", "paid", "--app-id", "join-it", "--state-dir", os.path.join(tmp, name),
                         "--commit-interval-ms", "500"], stdout=log, stderr=subprocess.STDOUT), log))
                # Both instances run tasks before any input exists.
                deadline = time.time() + WAIT_S
                while time.time() < deadline:
                    logs = [read(l.name) for _, l in procs]
                    if all("\ntasks " in "\n" + s for s in logs):
                        break
                    time.sleep(0.2)
                base = int(time.time() * 1000)
                p = Producer({"bootstrap.servers": b.bootstrap, "linger.ms": 5})
                for i in range(ORDERS):
                    p.produce("orders", b"order-%d" % i, b"o-%d" % i, timestamp=base + i)
                    # Odd orders are paid 10 minutes later: outside the 5-minute join window.
                    late = 600000 if i % 2 else 1000
                    p.produce("payments", b"pay-%d" % i, b"o-%d" % i, timestamp=base + i + late)
                self.assertEqual(p.flush(60), 0)
                c = Consumer({"bootstrap.servers": b.bootstrap, "group.id": "reader", "auto.offset.reset": "earliest"})
                c.subscribe(["paid"])
                joined = {}
                deadline = time.time() + WAIT_S
                while len(joined) < ORDERS // 2 and time.time() < deadline:
                    for m in c.consume(1000, 1):
                        if not m.error():
                            joined.setdefault(m.key().decode(), []).append(m.value().decode())
                c.close()
                expected = {"o-%d" % i: ["order-%d paid by pay-%d" % (i, i)] for i in range(0, ORDERS, 2)}
                self.assertEqual(joined, expected)
            finally:
                for proc, log in procs:
                    proc.send_signal(signal.SIGTERM)
                    self.assertEqual(proc.wait(60), 0, read(log.name))
                    log.close()


if __name__ == "__main__":
    unittest.main()
