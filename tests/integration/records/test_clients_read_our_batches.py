"""Real Kafka clients decode the batches our BatchBuilder writes, for every codec and framing.

write_sample_batches (built beside this test, path in $WRITE_SAMPLE_BATCHES) writes one batch per
codec. Each is stored in a librdkafka mock cluster with a raw Produce v3 request (the mock keeps the
bytes as sent and assigns the base offset), then read back by librdkafka through confluent_kafka
with check.crcs=true, and by kafka-python for the codecs it can decode without optional modules.
"""
import os
import socket
import struct
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "data", "records"))

import capture  # noqa: E402  (RECORDS, BASE_TS, read_exact: the same five records)
import confluent_kafka  # noqa: E402

WAIT_S = 20


def produce_raw(host, port, topic, batch):
    """Produce v3 of one batch to topic/0 with acks=1; returns the partition error code."""
    name = topic.encode()
    body = struct.pack(">hhi", -1, 1, 5000)
    body += struct.pack(">i", 1) + struct.pack(">h", len(name)) + name
    body += struct.pack(">i", 1) + struct.pack(">ii", 0, len(batch)) + batch
    client = b"eddy-records-it"
    msg = struct.pack(">hhih", 0, 3, 7, len(client)) + client + body
    with socket.create_connection((host, port), timeout=10) as s:
        s.sendall(struct.pack(">i", len(msg)) + msg)
        size = struct.unpack(">i", capture.read_exact(s, 4))[0]
        resp = capture.read_exact(s, size)
    pos = 4 + 4  # correlation id, topic count
    (tlen,) = struct.unpack_from(">h", resp, pos)
    pos += 2 + tlen + 4  # topic name, partition count
    _partition, err = struct.unpack_from(">ih", resp, pos)
    return err


class ClientsReadOurBatches(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        tool = os.environ.get("WRITE_SAMPLE_BATCHES")
        if not tool:
            raise RuntimeError("WRITE_SAMPLE_BATCHES is not set (run through ctest)")
        subprocess.run([tool, cls.tmp.name], check=True, timeout=60)
        # The producer owns the mock cluster for the whole class; the test talks to its broker.
        cls.holder = confluent_kafka.Producer({"test.mock.num.brokers": 1})
        broker = next(iter(cls.holder.list_topics(timeout=10).brokers.values()))
        cls.host, cls.port = broker.host, broker.port
        cls.bootstrap = "%s:%d" % (cls.host, cls.port)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def store(self, sample):
        """Creates topic `sample` with one warm-up record at offset 0, then stores our batch at 1."""
        with open(os.path.join(self.tmp.name, sample + ".bin"), "rb") as f:
            batch = f.read()
        self.holder.produce(sample, value=b"warm-up", partition=0)
        self.assertEqual(self.holder.flush(WAIT_S), 0)
        self.assertEqual(produce_raw(self.host, self.port, sample, batch), 0)

    def consume_librdkafka(self, topic):
        c = confluent_kafka.Consumer({"bootstrap.servers": self.bootstrap, "group.id": "it",
                                      "check.crcs": True, "enable.auto.commit": False})
        try:
            c.assign([confluent_kafka.TopicPartition(topic, 0, 1)])
            got = []
            deadline = time.monotonic() + WAIT_S
            while len(got) < len(capture.RECORDS) and time.monotonic() < deadline:
                m = c.poll(0.5)
                if m is None:
                    continue
                self.assertIsNone(m.error(), str(m.error()))
                got.append((m.key(), m.value(), m.headers() or [], m.timestamp()[1]))
            return got
        finally:
            c.close()

    def expected(self, null_header=None):
        out = []
        for i, (key, value, headers) in enumerate(capture.RECORDS):
            hs = [(k, v if v is not None else null_header) for k, v in headers]
            out.append((key, value, hs, capture.BASE_TS + i))
        return out

    def check_librdkafka(self, sample):
        self.store(sample)
        self.assertEqual(self.consume_librdkafka(sample), self.expected())

    def test_librdkafka_reads_uncompressed(self):
        self.check_librdkafka("none")

    def test_librdkafka_reads_gzip(self):
        self.check_librdkafka("gzip")

    def test_librdkafka_reads_xerial_snappy(self):
        self.check_librdkafka("snappy-xerial")

    def test_librdkafka_reads_raw_snappy(self):
        self.check_librdkafka("snappy-raw")

    def test_librdkafka_reads_lz4(self):
        self.check_librdkafka("lz4")

    def test_librdkafka_reads_zstd(self):
        self.check_librdkafka("zstd")

    def check_kafka_python(self, sample):
        import kafka

        topic = "kp-" + sample
        with open(os.path.join(self.tmp.name, sample + ".bin"), "rb") as f:
            batch = f.read()
        self.holder.produce(topic, value=b"warm-up", partition=0)
        self.assertEqual(self.holder.flush(WAIT_S), 0)
        self.assertEqual(produce_raw(self.host, self.port, topic, batch), 0)
        c = kafka.KafkaConsumer(bootstrap_servers=self.bootstrap, api_version=(2, 0, 0),
                                check_crcs=True, enable_auto_commit=False, group_id=None)
        try:
            tp = kafka.TopicPartition(topic, 0)
            c.assign([tp])
            c.seek(tp, 1)
            got = []
            deadline = time.monotonic() + WAIT_S
            while len(got) < len(capture.RECORDS) and time.monotonic() < deadline:
                for records in c.poll(timeout_ms=500).values():
                    got.extend((r.key, r.value, r.headers, r.timestamp) for r in records)
        finally:
            c.close()
        self.assertEqual(got, self.expected())

    def test_kafka_python_reads_uncompressed(self):
        self.check_kafka_python("none")

    def test_kafka_python_reads_gzip(self):
        self.check_kafka_python("gzip")


if __name__ == "__main__":
    unittest.main()
