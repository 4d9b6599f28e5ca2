#!/usr/bin/python3
"""Data path: Produce, Fetch, ListOffsets, DeleteRecords and InitProducerId through real Kafka
clients (kcat, confluent-kafka on librdkafka, kafka-python) against a real eddyd. One scenario per
test; every wait is bounded.

  EDDYD=build/bin/eddyd /usr/bin/python3 tests/integration/broker/test_data_path.py -v
"""

import json
import os
import socket
import struct
import subprocess
import time
import unittest
import uuid

import confluent_kafka
import confluent_kafka.admin
import kafka

from eddy_harness import Broker
from kafka_wire import Reader, compact_string, frame, header_v2, read_frame, uvarint

WAIT_S = 30


def topic_name():
    return "t-" + uuid.uuid4().hex[:10]


def producer(b, **conf):
    c = {"bootstrap.servers": b.bootstrap, "linger.ms": 5}
    c.update(conf)
    return confluent_kafka.Producer(c)


def produce_all(p, topic, records, partition=0):
    """Produces (key, value, headers) tuples; returns the delivered messages in order."""
    delivered = []
    errors = []

    def on_delivery(err, msg):
        (errors if err else delivered).append(err or msg)

    for key, value, headers in records:
        p.produce(topic, key=key, value=value, headers=headers, partition=partition,
                  on_delivery=on_delivery)
    remaining = p.flush(WAIT_S)
    assert remaining == 0, f"{remaining} records not delivered"
    assert not errors, f"delivery errors: {errors[:3]}"
    return delivered


def consume_all(b, topic, count, partition=0, **conf):
    """Reads `count` messages from offset 0 of one partition (no consumer group)."""
    c = {"bootstrap.servers": b.bootstrap, "group.id": "unused", "enable.auto.commit": False}
    c.update(conf)
    consumer = confluent_kafka.Consumer(c)
    consumer.assign([confluent_kafka.TopicPartition(topic, partition, 0)])
    out = []
    deadline = time.time() + WAIT_S
    while len(out) < count and time.time() < deadline:
        for m in consumer.consume(num_messages=min(10000, count - len(out)), timeout=0.5):
            assert not m.error(), m.error()
            out.append(m)
    consumer.close()
    return out


class DataPathTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.broker = Broker(overrides={"auto.create.topics.enable": "true"}).start()

    @classmethod
    def tearDownClass(cls):
        cls.broker.__exit__(None, None, None)

    def test_kcat_round_trip_with_keys_headers_and_null_values(self):
        topic = topic_name()
        b = self.broker.bootstrap
        lines = "k1:v1\nk2:\nk3:v3\n"
        subprocess.run(["kcat", "-b", b, "-P", "-t", topic, "-p", "0", "-K", ":", "-Z",
                        "-H", "h1=x"], input=lines.encode(), check=True, timeout=WAIT_S)
        out = subprocess.run(["kcat", "-b", b, "-C", "-t", topic, "-p", "0", "-o", "beginning",
                              "-e", "-J"], capture_output=True, check=True, timeout=WAIT_S)
        msgs = [json.loads(line) for line in out.stdout.decode().splitlines() if line.strip()]
        self.assertEqual([m["key"] for m in msgs], ["k1", "k2", "k3"])
        self.assertEqual([m["payload"] for m in msgs], ["v1", None, "v3"])
        self.assertEqual([m["offset"] for m in msgs], [0, 1, 2])
        self.assertEqual(msgs[0]["headers"], ["h1", "x"])

    def test_confluent_empty_and_null_values_and_keys(self):
        topic = topic_name()
        recs = [(None, None, None), (b"", b"", None), (b"k", b"v", [("a", b"1"), ("b", None)])]
        produce_all(producer(self.broker), topic, recs)
        got = consume_all(self.broker, topic, 3)
        self.assertEqual([(m.key(), m.value()) for m in got],
                         [(None, None), (b"", b""), (b"k", b"v")])
        self.assertEqual(got[2].headers(), [("a", b"1"), ("b", None)])

    def test_every_compression_codec_round_trips(self):
        for codec in ["none", "gzip", "snappy", "lz4", "zstd"]:
            with self.subTest(codec=codec):
                topic = topic_name()
                recs = [(b"key-%d" % i, b"value-%d-" % i + b"x" * 200, None) for i in range(500)]
                produce_all(producer(self.broker, **{"compression.codec": codec}), topic, recs)
                got = consume_all(self.broker, topic, 500)
                self.assertEqual([m.value() for m in got], [r[1] for r in recs])
                self.assertEqual([m.offset() for m in got], list(range(500)))

    def test_large_900_kib_record(self):
        topic = topic_name()
        value = os.urandom(900 * 1024)
        produce_all(producer(self.broker, **{"message.max.bytes": 2000000}), topic,
                    [(b"big", value, None)])
        got = consume_all(self.broker, topic, 1, **{"fetch.message.max.bytes": 2000000})
        self.assertEqual(got[0].value(), value)

    def test_ordering_per_partition(self):
        topic = topic_name()
        recs = [(None, b"%d" % i, None) for i in range(5000)]
        produce_all(producer(self.broker, acks="all"), topic, recs)
        got = consume_all(self.broker, topic, 5000)
        self.assertEqual([int(m.value()) for m in got], list(range(5000)))

    def test_watermarks_and_offsets_for_times(self):
        topic = topic_name()
        p = producer(self.broker)
        base = int(time.time() * 1000) - 100000
        for i in range(10):
            p.produce(topic, value=b"%d" % i, partition=0, timestamp=base + i * 1000)
        self.assertEqual(p.flush(WAIT_S), 0)
        c = confluent_kafka.Consumer({"bootstrap.servers": self.broker.bootstrap,
                                      "group.id": "unused"})
        self.assertEqual(c.get_watermark_offsets(confluent_kafka.TopicPartition(topic, 0),
                                                 timeout=WAIT_S), (0, 10))
        found = c.offsets_for_times([confluent_kafka.TopicPartition(topic, 0, base + 4500)],
                                    timeout=WAIT_S)
        self.assertEqual(found[0].offset, 5)
        past_end = c.offsets_for_times([confluent_kafka.TopicPartition(topic, 0, base + 10**7)],
                                       timeout=WAIT_S)
        self.assertEqual(past_end[0].offset, -1)
        c.close()

    def test_idempotent_producer_writes_no_duplicates(self):
        topic = topic_name()
        p = producer(self.broker, **{"enable.idempotence": True, "linger.ms": 1})
        recs = [(None, b"%d" % i, None) for i in range(20000)]
        delivered = produce_all(p, topic, recs)
        self.assertEqual(len(delivered), 20000)
        got = consume_all(self.broker, topic, 20000)
        values = [int(m.value()) for m in got]
        self.assertEqual(values, list(range(20000)))

    def test_kafka_python_round_trip_with_gzip(self):
        topic = topic_name()
        p = kafka.KafkaProducer(bootstrap_servers=self.broker.bootstrap,
                                compression_type="gzip", acks="all")
        for i in range(100):
            p.send(topic, key=b"k%d" % i, value=b"v%d" % i, partition=0)
        p.flush(WAIT_S)
        p.close()
        c = kafka.KafkaConsumer(bootstrap_servers=self.broker.bootstrap,
                                auto_offset_reset="earliest", consumer_timeout_ms=5000,
                                enable_auto_commit=False)
        c.assign([kafka.TopicPartition(topic, 0)])
        c.seek_to_beginning()
        got = []
        deadline = time.time() + WAIT_S
        while len(got) < 100 and time.time() < deadline:
            for records in c.poll(timeout_ms=500).values():
                got.extend(records)
        c.close()
        self.assertEqual([r.value for r in got], [b"v%d" % i for i in range(100)])
        self.assertEqual([r.offset for r in got], list(range(100)))

    def test_keyless_record_on_compacted_topic_is_refused_and_keyed_one_accepted(self):
        # Kafka's LogValidator: a compacted topic cannot accept a record without a key.
        topic = topic_name()
        admin = confluent_kafka.admin.AdminClient({"bootstrap.servers": self.broker.bootstrap})
        futures = admin.create_topics([confluent_kafka.admin.NewTopic(
            topic, 1, 1, config={"cleanup.policy": "compact"})])
        futures[topic].result(WAIT_S)
        p = producer(self.broker, **{"retries": 0})
        errors = []
        p.produce(topic, value=b"no key", partition=0,
                  on_delivery=lambda err, msg: errors.append(err))
        self.assertEqual(p.flush(WAIT_S), 0)
        self.assertEqual(len(errors), 1)
        self.assertIsNotNone(errors[0])
        self.assertEqual(errors[0].code(), confluent_kafka.KafkaError.INVALID_RECORD)
        produce_all(p, topic, [(b"k", b"keyed", None)])
        got = consume_all(self.broker, topic, 1)
        self.assertEqual([(m.key(), m.value()) for m in got], [(b"k", b"keyed")])

    def topic_id(self, topic):
        """The topic's id from a Metadata v12 response."""
        body = (uvarint(2) + b"\x00" * 16 + compact_string(topic.encode()) + b"\x00"
                + b"\x00\x00\x00")  # one topic; no auto-create; no authorized ops; no tags
        with socket.create_connection(("127.0.0.1", self.broker.port), timeout=WAIT_S) as s:
            s.sendall(frame(header_v2(3, 12) + body))
            r = Reader(read_frame(s), 4)
        r.skip_tags()
        r.fixed(">i")  # throttle
        for _ in range(r.uvarint() - 1):  # brokers
            r.fixed(">i"), r.compact_bytes(), r.fixed(">i"), r.compact_bytes(), r.skip_tags()
        r.compact_bytes(), r.fixed(">i")  # cluster id, controller
        self.assertEqual(r.uvarint() - 1, 1)
        self.assertEqual(r.fixed(">h"), 0)
        self.assertEqual(r.compact_bytes(), topic.encode())
        return r.take(16)

    def test_a_fetch_naming_an_unknown_topic_id_fails_that_topic_only(self):
        # As Kafka: UNKNOWN_TOPIC_ID for the unknown topic's partitions, records for the others.
        # Refusing the whole fetch stalled a follower's every partition while one topic it
        # fetched was deleted on its leader (found by the chaos harness's topic churn).
        topic = topic_name()
        produce_all(producer(self.broker), topic, [(b"k", b"v", None)])
        known = self.topic_id(topic)
        unknown = uuid.uuid4().bytes

        def fetch_topic(tid):
            part = struct.pack(">iiqiqi", 0, -1, 0, -1, 0, 1 << 20) + b"\x00"
            return tid + uvarint(2) + part + b"\x00"

        body = (struct.pack(">iiiibii", -1, 100, 1, 1 << 20, 0, 0, -1) + uvarint(3)
                + fetch_topic(unknown) + fetch_topic(known) + uvarint(1) + uvarint(1) + b"\x00")
        with socket.create_connection(("127.0.0.1", self.broker.port), timeout=WAIT_S) as s:
            s.sendall(frame(header_v2(1, 13) + body))
            r = Reader(read_frame(s), 4)
        r.skip_tags()
        r.fixed(">i")  # throttle
        self.assertEqual(r.fixed(">h"), 0, "the whole fetch was refused")
        r.fixed(">i")  # session id
        answers = {}
        for _ in range(r.uvarint() - 1):
            tid = r.take(16)
            for _ in range(r.uvarint() - 1):
                r.fixed(">i")
                error = r.fixed(">h")
                r.fixed(">q"), r.fixed(">q"), r.fixed(">q")  # hw, last stable, log start
                for _ in range(max(r.uvarint() - 1, 0)):  # aborted transactions
                    r.fixed(">q"), r.fixed(">q"), r.skip_tags()
                r.fixed(">i")  # preferred read replica
                answers[tid] = (error, r.compact_bytes())
                r.skip_tags()
            r.skip_tags()
        self.assertEqual(answers[unknown][0], 100)  # UNKNOWN_TOPIC_ID
        self.assertEqual(answers[known][0], 0)
        self.assertIn(b"v", answers[known][1] or b"")

    def test_delete_records_moves_the_low_watermark(self):
        topic = topic_name()
        produce_all(producer(self.broker), topic, [(None, b"%d" % i, None) for i in range(10)])
        self.assertEqual(delete_records(self.broker, topic, 0, 4), (4, 0))
        self.assertEqual(delete_records(self.broker, topic, 0, 50)[1], 1)  # OFFSET_OUT_OF_RANGE
        c = confluent_kafka.Consumer({"bootstrap.servers": self.broker.bootstrap,
                                      "group.id": "unused"})
        self.assertEqual(c.get_watermark_offsets(confluent_kafka.TopicPartition(topic, 0),
                                                 timeout=WAIT_S), (4, 10))
        c.close()
        got = consume_all(self.broker, topic, 6, **{"auto.offset.reset": "earliest"})
        self.assertEqual([m.offset() for m in got], list(range(4, 10)))


def delete_records(b, topic, partition, offset):
    """DeleteRecords v0 by hand (none of the Debian clients has it): (low watermark, error)."""

    def string(s):
        return struct.pack(">h", len(s)) + s.encode()

    body = (struct.pack(">i", 1) + string(topic) + struct.pack(">i", 1) +
            struct.pack(">iq", partition, offset) + struct.pack(">i", 5000))
    header = struct.pack(">hhi", 21, 0, 7) + string("it")
    frame = header + body
    with socket.create_connection(("127.0.0.1", b.port), WAIT_S) as s:
        s.sendall(struct.pack(">i", len(frame)) + frame)
        size = struct.unpack(">i", recv_exact(s, 4))[0]
        resp = recv_exact(s, size)
    # correlation id, throttle, [topic: name, [partition, low watermark, error]]
    pos = 8
    pos += 4  # topic count (1)
    name_len = struct.unpack(">h", resp[pos:pos + 2])[0]
    pos += 2 + name_len + 4  # name, partition count (1)
    _, low, err = struct.unpack(">iqh", resp[pos:pos + 14])
    return low, err


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise EOFError("connection closed")
        buf += chunk
    return buf


if __name__ == "__main__":
    unittest.main()
