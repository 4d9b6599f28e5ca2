"""The orders-payments stream-stream join with two instances against eddyd: every order meets its
payment although each instance runs only some partitions (partition p of both topics must land in
the same task), and no order without a payment within the join window is emitted."""

import os
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "broker"))
from eddy_harness import Broker, REPO  # noqa: E402

import example_instances as instances  # noqa: E402

from confluent_kafka import Consumer, Producer, TopicPartition  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402

ORDERS = 2000
PARTITIONS = 4
WAIT_S = 180


def binary():
    return os.environ.get("STREAMS_ORDERS_PAYMENTS") or os.path.join(REPO, "build", "bin", "streams_orders_payments")


class Join(unittest.TestCase):
    def test_two_instances_join_every_order_with_its_payment(self):
        with Broker() as b, tempfile.TemporaryDirectory() as tmp:
            admin = AdminClient({"bootstrap.servers": b.bootstrap})
            for f in admin.create_topics([NewTopic(t, PARTITIONS, 1) for t in ("orders", "payments", "paid")]).values():
                f.result(30)
            procs = []
            try:
                for name in ("a", "b"):
                    procs.append(instances.start(
                        binary(), b.bootstrap, tmp, name,
                        ["--orders", "orders", "--payments", "payments", "--output", "paid",
                         "--app-id", "join-it"]))
                # Both instances run tasks before any input exists.
                self.assertTrue(instances.wait_tasks(procs, WAIT_S))
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
                instances.stop_all(self, procs)

if __name__ == "__main__":
    unittest.main()
