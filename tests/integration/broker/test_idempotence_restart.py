#!/usr/bin/python3
"""Idempotent producers across a kill -9: the retry of a batch that is already in the log is a
duplicate after the restart (answered with its first offset, nothing appended), however many
segments lie after it. The partition's producer state comes back from its producer-state
snapshots (docs/storage.md, "Producer-state snapshots").

The retry is sent on a raw socket (Produce v3 with a hand-built record batch), because no client
can be made to resend one given batch across a broker restart on demand.

  EDDYD=build/bin/eddyd /usr/bin/python3 tests/integration/broker/test_idempotence_restart.py -v
"""

import os
import socket
import struct
import unittest

import confluent_kafka.admin

from eddy_harness import Broker
from kafka_wire import frame, header, read_frame, uvarint
from test_data_path import WAIT_S, produce_all, producer, topic_name


def _crc32c_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


CRC32C_TABLE = _crc32c_table()


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = CRC32C_TABLE[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def varint(n):
    """A zigzag varint (record fields)."""
    return uvarint((n << 1) ^ (n >> 63))


def record_batch(producer_id, epoch, sequence, value, timestamp_ms=1_700_000_000_000):
    """A v2 record batch of one record (offset delta 0, no key, no headers)."""
    body = b"\x00" + varint(0) + varint(0) + varint(-1) + varint(len(value)) + value + varint(0)
    record = varint(len(body)) + body
    after_crc = struct.pack(">hiqqqhii", 0, 0, timestamp_ms, timestamp_ms, producer_id, epoch,
                            sequence, 1) + record
    after_length = struct.pack(">ib", -1, 2) + struct.pack(">I", crc32c(after_crc)) + after_crc
    return struct.pack(">qi", 0, len(after_length)) + after_length


def request(broker, api_key, version, body):
    with socket.create_connection(("127.0.0.1", broker.port), timeout=WAIT_S) as s:
        s.sendall(frame(header(api_key, version) + body))
        resp = read_frame(s)
    assert resp is not None, "the broker closed the connection"
    return resp[4:]  # after the correlation id


def init_producer_id(broker):
    """InitProducerId v0 without a transactional id: (producer id, epoch)."""
    resp = request(broker, 22, 0, struct.pack(">hi", -1, 60000))
    _throttle, error, pid, epoch = struct.unpack(">ihqh", resp[:16])
    assert error == 0, error
    return pid, epoch


def produce(broker, topic, batch):
    """Produce v3, acks=all, one batch to partition 0: (error code, base offset)."""
    name = topic.encode()
    body = (struct.pack(">hhi", -1, -1, WAIT_S * 1000) + struct.pack(">i", 1)
            + struct.pack(">h", len(name)) + name + struct.pack(">i", 1)
            + struct.pack(">ii", 0, len(batch)) + batch)
    resp = request(broker, 0, 3, body)
    pos = 4  # topic count
    (name_len,) = struct.unpack(">h", resp[pos:pos + 2])
    pos += 2 + name_len + 4  # name, partition count
    _index, error, base_offset = struct.unpack(">ihq", resp[pos:pos + 14])
    return error, base_offset


def log_end(broker, topic):
    c = confluent_kafka.Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "wm"})
    try:
        return c.get_watermark_offsets(confluent_kafka.TopicPartition(topic, 0),
                                       timeout=WAIT_S)[1]
    finally:
        c.close()


class IdempotenceAcrossRestartTest(unittest.TestCase):
    def test_retry_of_a_batch_segments_back_is_a_duplicate_after_kill9(self):
        with Broker() as broker:
            topic = topic_name()
            admin = confluent_kafka.admin.AdminClient({"bootstrap.servers": broker.bootstrap})
            # The smallest segments (1 MiB): the 3 MB below roll the log twice or more.
            futures = admin.create_topics([confluent_kafka.admin.NewTopic(
                topic, 1, 1, config={"segment.bytes": str(1 << 20)})])
            futures[topic].result(timeout=WAIT_S)
            pid, epoch = init_producer_id(broker)
            batch = record_batch(pid, epoch, 0, b"once")
            self.assertEqual(produce(broker, topic, batch), (0, 0))
            # Another producer writes segments' worth after it.
            p = producer(broker, acks="all")
            delivered = produce_all(p, topic, [(None, b"x" * 10_000, None)] * 300)
            self.assertEqual(len(delivered), 300)
            end = log_end(broker, topic)
            self.assertEqual(end, 301)
            part_dir = os.path.join(broker.data_dir, "logs", topic + "-0")
            segments = [f for f in os.listdir(part_dir) if f.endswith(".log")]
            self.assertGreaterEqual(len(segments), 3)

            broker.kill9()
            broker.start()
            # The first producer's retry of its batch: the original offset, nothing appended.
            self.assertEqual(produce(broker, topic, batch), (0, 0))
            self.assertEqual(log_end(broker, topic), end)
            # Its next batch continues the sequence; one that skips a sequence is refused.
            self.assertEqual(produce(broker, topic, record_batch(pid, epoch, 2, b"gap"))[0], 45)
            self.assertEqual(produce(broker, topic, record_batch(pid, epoch, 1, b"next")),
                             (0, end))

            # A clean stop writes the state at the log end; after it the retry is a duplicate too.
            self.assertEqual(broker.stop(), 0)
            snapshots = [f for f in os.listdir(part_dir) if f.endswith(".snapshot")]
            self.assertIn("%020d.snapshot" % (end + 1), snapshots)
            broker.start()
            self.assertEqual(produce(broker, topic, record_batch(pid, epoch, 1, b"next")),
                             (0, end))
            self.assertEqual(log_end(broker, topic), end + 1)


if __name__ == "__main__":
    unittest.main()
