"""kill -9 during an acks=all produce load, then restart: every record acknowledged with acks=all
is served again (default flush policy: sync), and after the last segment is additionally cut by a
few bytes (a torn tail), what is served is an intact, gap-free prefix.

  EDDYD=build/bin/eddyd /usr/bin/python3 tests/integration/broker/test_crash_recovery.py -v
"""

import os
import struct
import time
import unittest

import confluent_kafka

from eddy_harness import Broker
from test_data_path import WAIT_S, consume_all, producer, topic_name


def batches_end(path):
    """Where the last whole record batch of a segment file ends. A kill -9 leaves the active
    segment's preallocated tail of zeros after it (flush.policy=sync preallocates), so the
    file's size is not the batches' end."""
    end = 0
    with open(path, "rb") as f:
        data = f.read()
    # Each batch: base offset (8 bytes), then the length of the rest (4 bytes, big-endian).
    while end + 12 <= len(data):
        (length,) = struct.unpack(">i", data[end + 8:end + 12])
        if length <= 0 or end + 12 + length > len(data):
            break
        end += 12 + length
    return end


def acks_all_producer(broker, linger_ms):
    """An acks=all producer that does not retry, and the {offset: value} of what it got
    acknowledged, filled in by its delivery callback."""
    acked = {}
    p = producer(broker, acks="all", **{"linger.ms": linger_ms, "message.timeout.ms": 3000,
                                         "retries": 0})

    def on_delivery(err, msg):
        if not err:
            acked[msg.offset()] = msg.value()

    return p, acked, on_delivery


class CrashTest(unittest.TestCase):
    """kill -9 under an acks=all load: every acknowledged record survives the restart."""

    def produce_until_killed(self, broker, topic):
        p, acked, on_delivery = acks_all_producer(broker, linger_ms=2)
        deadline = time.time() + WAIT_S
        i = 0
        while len(acked) < 20000 and time.time() < deadline:
            p.produce(topic, value=b"record-%08d" % i, partition=0, on_delivery=on_delivery)
            i += 1
            if i % 1000 == 0:
                p.poll(0.01)
        broker.kill9()
        p.flush(5)
        return acked

    def check_served_prefix(self, broker, topic, acked, expect_all_acked):
        c = confluent_kafka.Consumer({"bootstrap.servers": broker.bootstrap,
                                      "group.id": "unused"})
        low, high = c.get_watermark_offsets(confluent_kafka.TopicPartition(topic, 0),
                                            timeout=WAIT_S)
        c.close()
        got = consume_all(broker, topic, high)
        self.assertEqual(len(got), high)
        served = {m.offset(): m.value() for m in got}
        self.assertEqual(sorted(served), list(range(high)))  # a gap-free prefix
        for offset, value in served.items():
            if offset in acked:
                self.assertEqual(value, acked[offset], f"offset {offset} changed")
            self.assertRegex(value, rb"^record-\d{8}$")  # never garbage
        if expect_all_acked:
            lost = [o for o in acked if o not in served]
            self.assertEqual(lost, [], f"{len(lost)} acknowledged records lost")
        return high

    def test_acknowledged_records_survive_kill9(self):
        broker = Broker(overrides={"auto.create.topics.enable": "true"}).start()
        topic = topic_name()
        try:
            acked = self.produce_until_killed(broker, topic)
            self.assertGreater(len(acked), 0)
            broker.start()
            self.check_served_prefix(broker, topic, acked, expect_all_acked=True)
        finally:
            broker.__exit__(None, None, None)

    def test_torn_tail_after_kill9_is_never_served(self):
        broker = Broker(overrides={"auto.create.topics.enable": "true"}).start()
        topic = topic_name()
        try:
            acked = self.produce_until_killed(broker, topic)
            part_dir = os.path.join(broker.data_dir, "logs", f"{topic}-0")
            segments = sorted(f for f in os.listdir(part_dir) if f.endswith(".log"))
            last = os.path.join(part_dir, segments[-1])
            end = batches_end(last)
            self.assertGreater(end, 10)
            # Tear the last batch: cut its last 7 bytes, and the zeros after it.
            os.truncate(last, end - 7)
            broker.start()
            high = self.check_served_prefix(broker, topic, acked, expect_all_acked=False)
            self.assertGreater(high, 0)
            # Only the torn batch at the end may be gone.
            lost = [o for o in acked if o >= high]
            self.assertLess(len(lost), len(acked))
        finally:
            broker.__exit__(None, None, None)



if __name__ == "__main__":
    unittest.main()
