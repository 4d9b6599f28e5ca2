"""Corrupt bytes in sealed segments, with a real client (confluent-kafka), against the real eddyd.

A careless operator's disk (or a bit flip) damages a sealed segment: a payload byte, a length byte
or a base-offset byte of one batch. After a restart, the consumer must never be handed a corrupt
record nor a record under a wrong offset, and must not wait silently either: it gets an error
for the damaged offsets (CORRUPT_MESSAGE), and the records before and after the damaged segment
are still served. After an unclean stop, damage in a closed segment must not delete the segments
after it: they are kept on disk and their offsets are not reused (docs/storage.md, "Damage and
quarantine").

  EDDYD=build/bin/eddyd /usr/bin/python3 -m unittest -v test_corrupt_segments
"""

import glob
import os
import struct
import subprocess
import time
import unittest

import confluent_kafka
import confluent_kafka.admin

from eddy_harness import Broker

WAIT_S = 30
RECORDS = 3000
# About 1.2 KB a record: 3000 records fill four 1 MiB segments (the smallest log.segment.bytes).
PAD = b"x" * 1200


def value_of(i):
    return b"v-%08d-" % i + PAD


def batches(path):
    """(position, base offset, size) of every whole batch in a segment file."""
    with open(path, "rb") as f:
        data = f.read()
    out, pos = [], 0
    while pos + 61 <= len(data):
        base, length = struct.unpack(">qi", data[pos:pos + 12])
        if length <= 0 or data[pos + 16] != 2 or pos + 12 + length > len(data):
            break
        out.append((pos, base, 12 + length))
        pos += 12 + length
    return out


def cluster_health(b):
    """`eddyctl cluster health`: (exit code, stdout)."""
    repo = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
    cli = os.environ.get("EDDYCTL") or os.path.join(repo, "build", "bin", "eddyctl")
    r = subprocess.run([cli, "-b", b.bootstrap, "cluster", "health"], capture_output=True,
                       timeout=60)
    return r.returncode, r.stdout.decode()


def flip(path, pos, mask):
    with open(path, "r+b") as f:
        f.seek(pos)
        b = f.read(1)[0]
        f.seek(pos)
        f.write(bytes([b ^ mask]))


class CorruptSegmentsTest(unittest.TestCase):
    def start_broker(self):
        b = Broker(overrides={
            "log.segment.bytes": "1048576",
            "auto.create.topics.enable": "false",
            # A fast scrubber, so that a test waits only briefly for its pass.
            "log.scrubber.io.max.bytes.per.second": "104857600",
        })
        b.start()
        self.addCleanup(b.__exit__, None, None, None)
        return b

    def create_and_fill(self, b, topic):
        admin = confluent_kafka.admin.AdminClient({"bootstrap.servers": b.bootstrap})
        for f in admin.create_topics([confluent_kafka.admin.NewTopic(topic, 1, 1)]).values():
            f.result(timeout=WAIT_S)
        p = confluent_kafka.Producer({"bootstrap.servers": b.bootstrap, "linger.ms": 0,
                                      "batch.num.messages": 10, "acks": "all"})
        errors = []
        for i in range(RECORDS):
            p.produce(topic, value=value_of(i), partition=0,
                      on_delivery=lambda err, msg: err and errors.append(err))
            if i % 10 == 9:
                p.flush(WAIT_S)
        p.flush(WAIT_S)
        self.assertEqual(errors, [])

    def segments(self, b, topic):
        return sorted(glob.glob(os.path.join(b.data_dir, "logs", topic + "-0", "*.log")))

    def consume(self, b, topic, start):
        """Consumes from `start` until an error arrives or everything up to RECORDS was read.
        Returns ({offset: value}, the first error or None)."""
        c = confluent_kafka.Consumer({"bootstrap.servers": b.bootstrap, "group.id": "unused",
                                      "enable.auto.commit": False})
        c.assign([confluent_kafka.TopicPartition(topic, 0, start)])
        got, error = {}, None
        deadline = time.time() + WAIT_S
        # Bounded by the deadline: a consumer that hears nothing would wait for ever otherwise.
        while time.time() < deadline and error is None and start + len(got) < RECORDS:
            for m in c.consume(num_messages=1000, timeout=0.5):
                if m.error():
                    error = m.error()
                    break
                got[m.offset()] = m.value()
        c.close()
        return got, error

    def check_damage_answered(self, b, topic, damaged_offset, next_segment_base):
        got, error = self.consume(b, topic, 0)
        wrong = {o: v for o, v in got.items() if v != value_of(o)}
        self.assertEqual(wrong, {}, "corrupt records, or records under wrong offsets, delivered")
        self.assertIsNotNone(error, "the consumer stalled without an error at the damage")
        self.assertEqual(error.code(), confluent_kafka.KafkaError.INVALID_MSG, str(error))
        self.assertLessEqual(max(got) + 1 if got else 0, damaged_offset)
        self.assertIn("damaged records at offsets", b.log())
        # The operator's probe says so.
        code, out = cluster_health(b)
        self.assertEqual(code, 1, out)
        self.assertIn("OFFLINE PARTITIONS:           %s/0 (damaged offsets on broker " % topic, out)
        # Later segments are served as before.
        got, error = self.consume(b, topic, next_segment_base)
        self.assertIsNone(error)
        self.assertEqual(got, {o: value_of(o) for o in range(next_segment_base, RECORDS)})

    def damage_after_clean_stop(self, where):
        b = self.start_broker()
        topic = "corrupt-" + where
        self.create_and_fill(b, topic)
        self.assertEqual(b.stop(), 0)
        segs = self.segments(b, topic)
        self.assertGreaterEqual(len(segs), 3)
        # The fifth batch of the first (sealed) segment: before its last index entry, so that a
        # clean open does not scan it; only reads and the scrubber meet it.
        pos, base, size = batches(segs[0])[4]
        next_base = batches(segs[1])[0][1]
        if where == "payload":
            flip(segs[0], pos + size - 20, 0x01)  # inside the last record's value padding
        elif where == "length":
            flip(segs[0], pos + 10, 0x01)  # batch_length + 256
        else:
            flip(segs[0], pos + 6, 0x01)  # base offset + 256
        b.start()
        if where == "payload":
            # Framing is intact: the scrubber's CRC pass finds it. Wait for its report first.
            deadline = time.time() + WAIT_S
            while "damaged records at offsets" not in b.log() and time.time() < deadline:
                time.sleep(0.1)
        self.check_damage_answered(b, topic, base, next_base)

    def test_flipped_payload_byte_is_never_delivered(self):
        self.damage_after_clean_stop("payload")

    def test_flipped_length_byte_answers_an_error_instead_of_stalling(self):
        self.damage_after_clean_stop("length")

    def test_flipped_base_offset_byte_never_serves_wrong_offsets(self):
        self.damage_after_clean_stop("base_offset")

    def test_unclean_stop_damage_keeps_later_segments_and_their_offsets(self):
        b = self.start_broker()
        topic = "corrupt-unclean"
        self.create_and_fill(b, topic)
        b.kill9()
        segs = self.segments(b, topic)
        self.assertGreaterEqual(len(segs), 3)
        later = {os.path.basename(s): os.path.getsize(s) for s in segs[2:]}
        pos, base, size = batches(segs[1])[4]
        flip(segs[1], pos + size - 20, 0x01)
        b.start()
        qdirs = glob.glob(os.path.join(b.data_dir, "logs", topic + "-0", "quarantine-*"))
        self.assertEqual(len(qdirs), 1, b.log())
        for name in later:
            self.assertTrue(os.path.exists(os.path.join(qdirs[0], name)), name)
        self.assertIn("kept in", b.log())
        code, out = cluster_health(b)
        self.assertEqual(code, 1, out)
        self.assertIn("OFFLINE PARTITIONS:           %s/0 (damaged offsets on broker " % topic, out)
        got, error = self.consume(b, topic, 0)
        self.assertEqual(got, {o: value_of(o) for o in range(base)})
        self.assertIsNotNone(error)
        self.assertEqual(error.code(), confluent_kafka.KafkaError.INVALID_MSG, str(error))
        # The damaged and later offsets are not handed to new records.
        p = confluent_kafka.Producer({"bootstrap.servers": b.bootstrap, "acks": "all",
                                      "retries": 0, "message.timeout.ms": 5000})
        results = []
        p.produce(topic, value=b"new", partition=0,
                  on_delivery=lambda err, msg: results.append((err, msg.offset())))
        p.flush(WAIT_S)
        self.assertEqual(len(results), 1)
        self.assertIsNotNone(results[0][0], "a new record took offset %s" % results[0][1])


if __name__ == "__main__":
    unittest.main()
