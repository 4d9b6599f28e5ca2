"""Topic auto-creation (auto.create.topics.enable), shared by Metadata and Produce: crafted
Metadata v4 and Produce v3 requests on a raw socket, so the test controls
allow_auto_topic_creation and can produce to a topic no Metadata request named first."""

import socket
import struct
import unittest

from eddy_harness import Broker
from kafka_wire import frame, header, read_frame

RECV_TIMEOUT_S = 20
METADATA, PRODUCE = 3, 0
NONE, UNKNOWN_TOPIC_OR_PARTITION, INVALID_TOPIC_EXCEPTION = 0, 3, 17


def string(s):
    return struct.pack(">h", len(s)) + s


class Cursor:
    """Reads a Metadata v4 response field by field."""

    def __init__(self, data):
        self.data, self.pos = data, 0

    def take(self, fmt):
        values = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += struct.calcsize(fmt)
        return values if len(values) > 1 else values[0]

    def string(self):
        n = self.take(">h")
        if n < 0:
            return None
        s = self.data[self.pos:self.pos + n].decode()
        self.pos += n
        return s


def parse_metadata_v4(resp):
    """{topic: (error code, partition count)} of a Metadata v4 response (after the header)."""
    c = Cursor(resp)
    c.take(">i")  # correlation id
    c.take(">i")  # throttle time
    for _ in range(c.take(">i")):  # brokers: node id, host, port, rack
        c.take(">i"), c.string(), c.take(">i"), c.string()
    c.string()  # cluster id
    c.take(">i")  # controller id
    topics = {}
    for _ in range(c.take(">i")):
        err, name = c.take(">h"), c.string()
        c.take(">b")  # is_internal
        count = c.take(">i")
        for _ in range(count):  # error, index, leader, replicas, isr (no offline list before v5)
            c.take(">hii")
            for _ in range(2):
                c.take(">%di" % c.take(">i"))
        topics[name] = (err, count)
    return topics


class AutoCreate(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.broker = Broker(overrides={"auto.create.topics.enable": "true",
                                       "num.partitions": "3"}).start()
        cls.disabled = Broker(overrides={"auto.create.topics.enable": "false"}).start()

    @classmethod
    def tearDownClass(cls):
        cls.broker.__exit__(None, None, None)
        cls.disabled.__exit__(None, None, None)

    def request(self, broker, payload):
        s = socket.create_connection(("127.0.0.1", broker.port), timeout=RECV_TIMEOUT_S)
        self.addCleanup(s.close)
        s.sendall(frame(payload))
        resp = read_frame(s)
        self.assertIsNotNone(resp, "the broker closed the connection")
        return resp

    def metadata(self, name, allow=True, broker=None):
        body = struct.pack(">i", 1) + string(name) + struct.pack(">b", 1 if allow else 0)
        topics = parse_metadata_v4(self.request(broker or self.broker, header(METADATA, 4) + body))
        return topics[name.decode()]

    def test_metadata_creates_a_missing_topic_with_num_partitions(self):
        self.assertEqual(self.metadata(b"ac-meta"), (NONE, 3))

    def test_metadata_that_disallows_creation_leaves_the_topic_missing(self):
        self.assertEqual(self.metadata(b"ac-no", allow=False), (UNKNOWN_TOPIC_OR_PARTITION, 0))
        self.assertEqual(self.metadata(b"ac-no", allow=False), (UNKNOWN_TOPIC_OR_PARTITION, 0))

    def test_invalid_name_is_not_created(self):
        self.assertEqual(self.metadata(b"bad name!"), (INVALID_TOPIC_EXCEPTION, 0))

    def test_disabled_broker_creates_nothing(self):
        self.assertEqual(self.metadata(b"ac-off", broker=self.disabled),
                         (UNKNOWN_TOPIC_OR_PARTITION, 0))

    def test_produce_creates_a_topic_no_metadata_request_named(self):
        # Produce v3: no transactional id, acks=1, timeout, one topic with one partition whose
        # records are null (answered INVALID_RECORD after the topic is created).
        body = (struct.pack(">hhi", -1, 1, 10000) + struct.pack(">i", 1) + string(b"ac-produce") +
                struct.pack(">i", 1) + struct.pack(">ii", 0, -1))
        resp = self.request(self.broker, header(PRODUCE, 3) + body)
        (corr,) = struct.unpack(">i", resp[:4])
        self.assertEqual(corr, 7)
        self.assertEqual(self.metadata(b"ac-produce", allow=False), (NONE, 3))


if __name__ == "__main__":
    unittest.main()
