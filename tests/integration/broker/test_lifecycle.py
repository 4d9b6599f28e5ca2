"""Broker lifecycle: clean shutdown on SIGTERM, identity and metadata across restarts, and topic
configs applied to the live partition logs."""

import glob
import os
import time
import unittest

from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic

from eddy_harness import Broker
from test_crash_recovery import batches_end

TIMEOUT_S = 30


def produce(bootstrap, topic, count, size=1000):
    p = Producer({"bootstrap.servers": bootstrap, "linger.ms": 0, "batch.num.messages": 1})
    for i in range(count):
        p.produce(topic, value=(b"%06d" % i) + b"x" * (size - 6))
        p.poll(0)
    left = p.flush(TIMEOUT_S)
    assert left == 0, "%d messages not delivered" % left


def consume_all(bootstrap, topic, expected):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "lifecycle-" + topic,
                  "auto.offset.reset": "earliest", "enable.auto.commit": False})
    c.subscribe([topic])
    got = []
    for _ in range(600):
        if len(got) >= expected:
            break
        m = c.poll(0.5)
        if m is not None and m.error() is None:
            got.append(m.value())
    c.close()
    return got


class Lifecycle(unittest.TestCase):
    def test_sigterm_exits_zero_and_marks_the_log_dir_clean(self):
        b = Broker()
        try:
            b.start()
            admin = AdminClient({"bootstrap.servers": b.bootstrap})
            for f in admin.create_topics([NewTopic("lc-clean", 3, 1)]).values():
                f.result(timeout=TIMEOUT_S)
            del admin
            produce(b.bootstrap, "lc-clean", 30)
            self.assertEqual(b.stop(), 0, b.log())
            log_dir = os.path.join(b.data_dir, "logs")
            self.assertEqual(len(glob.glob(os.path.join(log_dir, "lc-clean-*"))), 3)
            # One marker for the whole log dir, written after every log in it was closed.
            self.assertTrue(os.path.exists(os.path.join(log_dir, ".clean_shutdown")), log_dir)
            self.assertIn("shutdown complete", b.log())
        finally:
            b.__exit__(None, None, None)

    def test_topics_data_and_cluster_id_survive_restart(self):
        b = Broker()
        try:
            b.start()
            admin = AdminClient({"bootstrap.servers": b.bootstrap})
            for f in admin.create_topics([NewTopic("lc-restart", 2, 1,
                                                   config={"retention.ms": "86400000"})]).values():
                f.result(timeout=TIMEOUT_S)
            cluster_id = admin.list_topics(timeout=TIMEOUT_S).cluster_id
            del admin
            produce(b.bootstrap, "lc-restart", 20)
            b.restart()
            admin = AdminClient({"bootstrap.servers": b.bootstrap})
            md = admin.list_topics(timeout=TIMEOUT_S)
            self.assertEqual(md.cluster_id, cluster_id)
            self.assertEqual(len(md.topics["lc-restart"].partitions), 2)
            res = ConfigResource(ConfigResource.Type.TOPIC, "lc-restart")
            cfg = admin.describe_configs([res])[res].result(timeout=TIMEOUT_S)
            self.assertEqual(cfg["retention.ms"].value, "86400000")
            del admin
            self.assertEqual(len(consume_all(b.bootstrap, "lc-restart", 20)), 20)
            with open(os.path.join(b.data_dir, "logs", "meta.properties")) as f:
                self.assertIn("cluster.id=" + cluster_id, f.read())
            self.assertEqual(b.stop(), 0, b.log())
        finally:
            b.__exit__(None, None, None)

    def test_preallocated_tail_is_cut_at_clean_stop_and_only_with_preallocate(self):
        """flush.policy=sync preallocates by default: while the broker runs, the active segment
        has zeros after its batches (and a topic with preallocate=false none); a clean stop cuts
        the file back to exactly its batches, and every record is served after the restart."""
        b = Broker()
        try:
            b.start()
            admin = AdminClient({"bootstrap.servers": b.bootstrap})
            topics = [NewTopic("lc-prealloc", 1, 1),
                      NewTopic("lc-noprealloc", 1, 1, config={"preallocate": "false"})]
            for f in admin.create_topics(topics).values():
                f.result(timeout=TIMEOUT_S)
            del admin
            seg = {t: os.path.join(b.data_dir, "logs", t + "-0", "%020d.log" % 0)
                   for t in ("lc-prealloc", "lc-noprealloc")}
            for t in seg:
                produce(b.bootstrap, t, 20)
            # The tail is topped up on the flusher thread after the acks: wait for it (bounded).
            deadline = time.time() + TIMEOUT_S
            while (os.path.getsize(seg["lc-prealloc"]) <= batches_end(seg["lc-prealloc"]) and
                   time.time() < deadline):
                time.sleep(0.05)
            running = {t: (os.path.getsize(p), batches_end(p)) for t, p in seg.items()}
            self.assertGreater(running["lc-prealloc"][1], 20 * 1000)
            self.assertGreater(running["lc-prealloc"][0], running["lc-prealloc"][1], running)
            with open(seg["lc-prealloc"], "rb") as f:
                f.seek(running["lc-prealloc"][1])
                self.assertEqual(f.read().strip(b"\0"), b"")
            self.assertEqual(running["lc-noprealloc"][0], running["lc-noprealloc"][1], running)

            self.assertEqual(b.stop(), 0, b.log())
            for t, p in seg.items():
                self.assertEqual(os.path.getsize(p), running[t][1], t)
                self.assertEqual(batches_end(p), running[t][1], t)
            b.start()
            for t in seg:
                got = consume_all(b.bootstrap, t, 20)
                self.assertEqual([v[:6] for v in got], [b"%06d" % i for i in range(20)], t)
            self.assertEqual(b.stop(), 0, b.log())
        finally:
            b.__exit__(None, None, None)

    def test_deleted_topic_stays_deleted_after_restart(self):
        b = Broker(overrides={"auto.create.topics.enable": "false"})
        try:
            b.start()
            admin = AdminClient({"bootstrap.servers": b.bootstrap})
            for f in admin.create_topics([NewTopic("lc-gone", 1, 1)]).values():
                f.result(timeout=TIMEOUT_S)
            for f in admin.delete_topics(["lc-gone"]).values():
                f.result(timeout=TIMEOUT_S)
            del admin
            b.restart()
            admin = AdminClient({"bootstrap.servers": b.bootstrap})
            self.assertNotIn("lc-gone", admin.list_topics(timeout=TIMEOUT_S).topics)
            del admin
            self.assertEqual(b.stop(), 0, b.log())
        finally:
            b.__exit__(None, None, None)

    def test_segment_bytes_change_applies_to_the_live_log(self):
        with Broker() as b:
            admin = AdminClient({"bootstrap.servers": b.bootstrap})
            for f in admin.create_topics([NewTopic("lc-segments", 1, 1)]).values():
                f.result(timeout=TIMEOUT_S)
            res = ConfigResource(ConfigResource.Type.TOPIC, "lc-segments",
                                 set_config={"segment.bytes": "1048576"})
            for f in admin.alter_configs([res]).values():
                f.result(timeout=TIMEOUT_S)
            del admin
            # 5 MB of 50 kB records: a 1 MiB segment (the smallest allowed) holds about 20.
            produce(b.bootstrap, "lc-segments", 100, size=50000)
            segs = glob.glob(os.path.join(b.data_dir, "logs", "lc-segments-0", "*.log"))
            self.assertGreater(len(segs), 3, segs)


if __name__ == "__main__":
    unittest.main()
