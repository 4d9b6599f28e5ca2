"""Hostile record batches on the wire (shared/docs/reliability.md, "Bad inputs"): a raw Produce
request whose batch no real client would send gets the Kafka error code for it in the partition
response, nothing of it is appended (the log end offset stays), and the same connection then
gets a good batch appended. Also a Fetch with replica_id >= 0 from a client, which must not be
taken for a follower. Real clients set up and check; raw requests (kafka_wire) only carry the bad
bytes.

Kafka's own answers, for comparison: CRC mismatches are CorruptRecordException
(CORRUPT_MESSAGE); a batch that is not magic 2 in Produce v3+, count and offset-delta mismatches,
control batches from clients and transactional batches without a producer id are
InvalidRecordException (INVALID_RECORD). Eddy answers a batch length that runs past the bytes
sent, and a magic other than 0-2, with CORRUPT_MESSAGE (docs/records.md), codecs 5-7 with
UNSUPPORTED_COMPRESSION_TYPE, and a batch that decompresses past its 64 MiB cap with
MESSAGE_TOO_LARGE (Kafka has no such cap).

  cd tests/integration/faults && EDDYD=../../../build/bin/eddyd \
    /usr/bin/python3 -m unittest -v test_hostile_batches
"""

import socket
import struct
import unittest
import zlib

import confluent_kafka
from kafka.record.default_records import DefaultRecordBatchBuilder
from kafka.record.legacy_records import LegacyRecordBatchBuilder
from kafka.record.util import calc_crc32c, encode_varint

from faults_support import Broker
from kafka_wire import frame, header, read_frame  # noqa: E402
from test_data_path import WAIT_S, produce_all, producer, topic_name  # noqa: E402

CORRUPT_MESSAGE = 2
MESSAGE_TOO_LARGE = 10
CLUSTER_AUTHORIZATION_FAILED = 31
UNSUPPORTED_COMPRESSION_TYPE = 76
INVALID_RECORD = 87

# v2 batch header positions (docs/records.md).
BATCH_LENGTH, MAGIC, CRC, ATTRIBUTES, LAST_OFFSET_DELTA, RECORDS_COUNT, RECORDS = (
    8, 16, 17, 21, 23, 57, 61)
GZIP = 1


def good_batch(values=(b"good",)):
    b = DefaultRecordBatchBuilder(magic=2, compression_type=0, is_transactional=False,
                                  producer_id=-1, producer_epoch=-1, base_sequence=-1,
                                  batch_size=1 << 20)
    for i, v in enumerate(values):
        b.append(i, timestamp=None, key=None, value=v, headers=[])
    return bytearray(b.build())


def recrc(batch):
    """The CRC-32C over attributes..end, as a hostile client that knows the format computes it."""
    struct.pack_into(">I", batch, CRC, calc_crc32c(bytes(batch[ATTRIBUTES:])))
    return batch


def set_attribute_bits(batch, bits):
    (attrs,) = struct.unpack_from(">h", batch, ATTRIBUTES)
    struct.pack_into(">h", batch, ATTRIBUTES, attrs | bits)
    return recrc(batch)


def gzip_bomb_batch(inflated_bytes):
    """One record whose value is `inflated_bytes` zeros, gzip-compressed (about 1000:1)."""
    value_len = bytearray()
    encode_varint(inflated_bytes, value_len.append)
    # attributes, timestamp delta 0, offset delta 0, null key (-1), value length
    head = b"\x00\x00\x00\x01" + bytes(value_len)
    body_len = len(head) + inflated_bytes + 1  # + header count 0
    record_len = bytearray()
    encode_varint(body_len, record_len.append)
    z = zlib.compressobj(9, zlib.DEFLATED, 31)  # gzip framing
    packed = z.compress(bytes(record_len) + head)
    chunk = bytes(1 << 20)
    for _ in range(inflated_bytes >> 20):
        packed += z.compress(chunk)
    packed += z.compress(bytes(inflated_bytes & ((1 << 20) - 1)) + b"\x00") + z.flush()
    batch = good_batch()
    batch = batch[:RECORDS] + packed
    struct.pack_into(">i", batch, BATCH_LENGTH, len(batch) - 12)
    return set_attribute_bits(batch, GZIP)


def produce_request(topic, batch, acks=-1):
    """Produce v8 (not flexible) for partition 0 of `topic`."""
    name = topic.encode()
    body = (struct.pack(">hhi", -1, acks, 10000) + struct.pack(">i", 1) +
            struct.pack(">h", len(name)) + name + struct.pack(">i", 1) +
            struct.pack(">ii", 0, len(batch)) + bytes(batch))
    return frame(header(0, 8) + body)


def produce_response(resp):
    """(error code, base offset, error message) of the one partition of a Produce v8 answer."""
    pos = 4 + 4  # correlation id, topic count
    (name_len,) = struct.unpack_from(">h", resp, pos)
    pos += 2 + name_len + 4  # name, partition count
    _, err, base, _, _ = struct.unpack_from(">ihqqq", resp, pos)
    pos += 4 + 2 + 8 + 8 + 8
    (nerrors,) = struct.unpack_from(">i", resp, pos)
    pos += 4
    for _ in range(nerrors):
        pos += 4
        (n,) = struct.unpack_from(">h", resp, pos)
        pos += 2 + max(n, 0)
    (n,) = struct.unpack_from(">h", resp, pos)
    message = resp[pos + 2:pos + 2 + n].decode() if n >= 0 else None
    return err, base, message


def fetch_request(topic, replica_id):
    """Fetch v11 (not flexible) of partition 0 from offset 0."""
    name = topic.encode()
    body = (struct.pack(">iiiib", replica_id, 0, 1, 1 << 20, 0) + struct.pack(">ii", 0, -1) +
            struct.pack(">i", 1) + struct.pack(">h", len(name)) + name + struct.pack(">i", 1) +
            struct.pack(">iiqqi", 0, -1, 0, -1, 1 << 20) + struct.pack(">i", 0) +
            struct.pack(">h", 0))
    return frame(header(1, 11) + body)


def fetch_errors(resp):
    """(top-level error, [partition errors]) of a Fetch v11 answer."""
    _, _, top, _ = struct.unpack_from(">iihi", resp, 0)
    pos = 14
    (ntopics,) = struct.unpack_from(">i", resp, pos)
    pos += 4
    errs = []
    for _ in range(ntopics):
        (n,) = struct.unpack_from(">h", resp, pos)
        pos += 2 + n
        (nparts,) = struct.unpack_from(">i", resp, pos)
        pos += 4
        for _ in range(nparts):
            _, err = struct.unpack_from(">ih", resp, pos)
            errs.append(err)
            pos += 4 + 2 + 8 + 8 + 8
            (naborted,) = struct.unpack_from(">i", resp, pos)
            pos += 4 + max(naborted, 0) * 16 + 4  # aborted transactions, preferred replica
            (nrec,) = struct.unpack_from(">i", resp, pos)
            pos += 4 + max(nrec, 0)
    return top, errs


class HostileBatches(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.broker = Broker(overrides={"auto.create.topics.enable": "true"}).start()

    @classmethod
    def tearDownClass(cls):
        rc = cls.broker.stop()
        cls.broker.__exit__(None, None, None)
        assert rc == 0, "eddyd exited %s on SIGTERM" % rc

    def setUp(self):
        self.topic = topic_name()
        produce_all(producer(self.broker, acks="all"), self.topic,
                    [(None, b"seed-%d" % i, None) for i in range(3)])

    def log_end(self):
        c = confluent_kafka.Consumer({"bootstrap.servers": self.broker.bootstrap,
                                      "group.id": "unused"})
        _, high = c.get_watermark_offsets(confluent_kafka.TopicPartition(self.topic, 0),
                                          timeout=WAIT_S)
        c.close()
        return high

    def connect(self):
        s = socket.create_connection(("127.0.0.1", self.broker.port), timeout=WAIT_S)
        self.addCleanup(s.close)
        return s

    def assert_refused(self, batch, expected_error):
        end = self.log_end()
        s = self.connect()
        s.sendall(produce_request(self.topic, batch))
        resp = read_frame(s)
        self.assertIsNotNone(resp, "the broker closed the connection instead of answering")
        err, base, message = produce_response(resp)
        print(f"\n{self._testMethodName}: error {err} ({message})")
        self.assertEqual(err, expected_error)
        self.assertEqual(base, -1)
        self.assertTrue(self.broker.alive())
        self.assertEqual(self.log_end(), end, "something of the refused request was appended")
        # The same connection: the next good request is appended where the log ended.
        s.sendall(produce_request(self.topic, good_batch()))
        self.assertEqual(produce_response(read_frame(s))[:2], (0, end))
        self.assertEqual(self.log_end(), end + 1)

    def test_bad_magic_is_corrupt_message(self):
        batch = good_batch()
        batch[MAGIC] = 3
        self.assert_refused(batch, CORRUPT_MESSAGE)

    def test_legacy_magic_1_message_set_is_invalid_record(self):
        b = LegacyRecordBatchBuilder(magic=1, compression_type=0, batch_size=1 << 20)
        b.append(0, timestamp=1000, key=None, value=b"legacy")
        self.assert_refused(bytearray(b.build()), INVALID_RECORD)

    def test_bad_crc_is_corrupt_message(self):
        batch = good_batch()
        batch[-2] ^= 0xFF
        self.assert_refused(batch, CORRUPT_MESSAGE)

    def test_batch_length_past_the_bytes_sent_is_corrupt_message(self):
        batch = good_batch()
        struct.pack_into(">i", batch, BATCH_LENGTH, len(batch) - 12 + 100)
        self.assert_refused(batch, CORRUPT_MESSAGE)

    def test_batch_length_short_of_the_bytes_sent_is_corrupt_message(self):
        # The length covers the header alone; the records dangle as a second, partial batch.
        batch = good_batch()
        struct.pack_into(">i", batch, BATCH_LENGTH, RECORDS - 12)
        self.assert_refused(batch, CORRUPT_MESSAGE)

    def test_record_count_not_last_offset_delta_plus_one_is_invalid_record(self):
        batch = good_batch([b"a", b"b", b"c"])
        struct.pack_into(">i", batch, RECORDS_COUNT, 5)
        self.assert_refused(recrc(batch), INVALID_RECORD)

    def test_header_count_the_records_do_not_match_is_invalid_record(self):
        # Consistent on its face (2 records, last offset delta 1), three records inside.
        batch = good_batch([b"a", b"b", b"c"])
        struct.pack_into(">i", batch, LAST_OFFSET_DELTA, 1)
        struct.pack_into(">i", batch, RECORDS_COUNT, 2)
        self.assert_refused(recrc(batch), INVALID_RECORD)

    def test_control_bit_from_a_client_is_invalid_record(self):
        self.assert_refused(set_attribute_bits(good_batch(), 0x20), INVALID_RECORD)

    def test_transactional_bit_from_a_plain_producer_is_invalid_record(self):
        self.assert_refused(set_attribute_bits(good_batch(), 0x10), INVALID_RECORD)

    def test_unknown_compression_codecs_are_unsupported(self):
        for codec in (5, 6, 7):
            with self.subTest(codec=codec):
                self.assert_refused(set_attribute_bits(good_batch(), codec),
                                    UNSUPPORTED_COMPRESSION_TYPE)

    def test_gzip_bomb_is_message_too_large(self):
        batch = gzip_bomb_batch(128 << 20)
        self.assertLess(len(batch), 1 << 20)  # under message.max.bytes as sent
        self.assert_refused(batch, MESSAGE_TOO_LARGE)

    def test_fetch_with_a_replica_id_from_a_client_is_refused(self):
        for replica_id in (1, 2):  # this broker's own id, and one no broker has
            with self.subTest(replica_id=replica_id):
                s = self.connect()
                s.sendall(fetch_request(self.topic, replica_id))
                top, errs = fetch_errors(read_frame(s))
                self.assertEqual((top, errs),
                                 (CLUSTER_AUTHORIZATION_FAILED, [CLUSTER_AUTHORIZATION_FAILED]))
                s.sendall(fetch_request(self.topic, -1))  # the same connection, as a consumer
                self.assertEqual(fetch_errors(read_frame(s)), (0, [0]))
        self.assertEqual(self.log_end(), 3)


if __name__ == "__main__":
    unittest.main()
