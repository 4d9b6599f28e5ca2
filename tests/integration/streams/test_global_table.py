"""The GlobalKTable example (streams_global_enrichment) with two instances against eddyd: the users
topic (3 partitions) and the orders topic (4 partitions) are not co-partitioned, yet every order
is joined with its user's region, because each instance restores the whole users table (all 3
partitions, every user) before it processes, and keeps applying the table's later updates. An
instance restarted after a clean stop keeps its global store and restores nothing (its checkpoint
holds an offset per users partition)."""

import os
import signal
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "broker"))
from eddy_harness import Broker, REPO  # noqa: E402

import example_instances as instances  # noqa: E402

from confluent_kafka import Consumer, Producer  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402

USERS = 300
ORDERS = 1000
UNKNOWN = 100
WAIT_S = 180
ARGS = ["--orders", "orders", "--users", "users", "--output", "enriched", "--app-id", "global-it"]


def binary():
    return os.environ.get("STREAMS_GLOBAL_ENRICHMENT") or os.path.join(
        REPO, "build", "bin", "streams_global_enrichment")


def read(path):
    with open(path) as f:
        return f.read()


def restored_of(log):
    """{partition: records} from an instance's "restored users-store partition p: n records"."""
    restored = {}
    for line in read(log.name).splitlines():
        if line.startswith("restored users-store partition"):
            words = line.split()
            restored[int(words[3].rstrip(":"))] = int(words[4])
    return restored


class GlobalTable(unittest.TestCase):
    def test_every_instance_joins_any_order_with_the_whole_users_table(self):
        with Broker() as b, tempfile.TemporaryDirectory() as tmp:
            admin = AdminClient({"bootstrap.servers": b.bootstrap})
            topics = [NewTopic("users", 3, 1), NewTopic("orders", 4, 1), NewTopic("enriched", 4, 1)]
            for f in admin.create_topics(topics).values():
                f.result(30)
            p = Producer({"bootstrap.servers": b.bootstrap, "linger.ms": 5})
            for u in range(USERS):
                p.produce("users", b"region-%d" % (u % 7), b"user-%d" % u)
            self.assertEqual(p.flush(60), 0)

            c = Consumer({"bootstrap.servers": b.bootstrap, "group.id": "reader",
                          "auto.offset.reset": "earliest"})
            c.subscribe(["enriched"])
            out = {}

            def read_until(n):
                deadline = time.time() + WAIT_S
                while len(out) < n and time.time() < deadline:
                    for m in c.consume(1000, 1):
                        if not m.error():
                            out.setdefault(m.key().decode(), []).append(m.value().decode())

            procs = []
            try:
                for name in ("a", "b"):
                    procs.append(instances.start(binary(), b.bootstrap, tmp, name, ARGS))
                self.assertTrue(instances.wait_tasks(procs, WAIT_S))
                # Each instance restored the whole table, from every partition of its topic.
                for _, log in procs:
                    restored = restored_of(log)
                    self.assertEqual(sorted(restored), [0, 1, 2], read(log.name))
                    self.assertEqual(sum(restored.values()), USERS, read(log.name))
                # Between them the instances run the 4 order tasks (global ones make no tasks).
                tasks = [line.split()[1:] for _, l in procs for line in read(l.name).splitlines()
                         if line.startswith("tasks")]
                self.assertEqual(sorted(set(sum(tasks, []))), ["1_0", "1_1", "1_2", "1_3"])

                for i in range(ORDERS):
                    p.produce("orders", b"user-%d:item-%d" % (i % USERS, i), b"order-%d" % i)
                for i in range(UNKNOWN):
                    p.produce("orders", b"nobody-%d:item-%d" % (i, i), b"lost-%d" % i)
                self.assertEqual(p.flush(60), 0)
                read_until(ORDERS + UNKNOWN)
                expected = {"order-%d" % i: ["item-%d for user-%d in region-%d" % (i, i % USERS, (i % USERS) % 7)]
                            for i in range(ORDERS)}
                expected.update({"lost-%d" % i: ["item-%d for nobody-%d in unknown" % (i, i)]
                                 for i in range(UNKNOWN)})
                self.assertEqual(out, expected)

                # A later update of the table reaches both instances: a probe of user-0 on each
                # order partition (so on both instances) per round, until a round says the new
                # region everywhere.
                p.produce("users", b"moved", b"user-0")
                self.assertEqual(p.flush(60), 0)
                deadline, moved = time.time() + WAIT_S, False
                for r in range(WAIT_S):
                    keys = ["probe-%d-%d" % (r, part) for part in range(4)]
                    for part, k in enumerate(keys):
                        p.produce("orders", b"user-0:probe", k.encode(), partition=part)
                    self.assertEqual(p.flush(60), 0)
                    read_until(len(out) + len(keys))
                    if all(out.get(k) == ["probe for user-0 in moved"] for k in keys):
                        moved = True
                        break
                    if time.time() > deadline:
                        break
                    time.sleep(0.5)
                self.assertTrue(moved, "the update of user-0 did not reach every instance")

                # Restarted after a clean stop, an instance keeps its global store: its checkpoint
                # (one offset per users partition) covers everything, so it restores nothing and
                # still has the update.
                a, a_log = procs[0]
                a.send_signal(signal.SIGTERM)
                self.assertEqual(a.wait(60), 0, read(a_log.name))
                procs.append(instances.start(binary(), b.bootstrap, tmp, "a", ARGS,
                                             log_name="a-restarted"))
                log = procs[-1][1]
                self.assertTrue(instances.wait_tasks(procs[-1:], WAIT_S))
                self.assertEqual(restored_of(log), {0: 0, 1: 0, 2: 0}, read(log.name))
                keys = ["after-restart-%d" % part for part in range(4)]
                for part, k in enumerate(keys):
                    p.produce("orders", b"user-0:probe", k.encode(), partition=part)
                self.assertEqual(p.flush(60), 0)
                read_until(len(out) + len(keys))
                self.assertEqual({k: out.get(k) for k in keys},
                                 {k: ["probe for user-0 in moved"] for k in keys})
            finally:
                c.close()
                instances.stop_all(self, procs)

if __name__ == "__main__":
    unittest.main()
