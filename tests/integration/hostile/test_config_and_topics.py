"""Hostile configs, topic names, topic creation floods and request framing (issue "Hardening",
docs/hostile-inputs.md "Metadata, topics and configs"), against a real eddyd with confluent-kafka
and crafted frames on a raw socket:

- a config value the log cannot live with (segment.bytes 60) is INVALID_CONFIG naming the key, on
  CreateTopics, AlterConfigs and IncrementalAlterConfigs, for a topic and for the broker-wide
  default, and the broker keeps creating working topics, also after a restart;
- a name that collides with an existing one ('.' vs '_') is INVALID_TOPIC_EXCEPTION;
- no client creates a reserved name (__cluster_metadata, __transaction_state, ...);
- Metadata auto-creates at most auto.create.topics.max.per.request topics per request, nothing
  while the controller.mutation.rate quota is in debt, and nothing past max.partitions;
  CreateTopics and CreatePartitions answer THROTTLING_QUOTA_EXCEEDED with a throttle time (v6+ /
  v3+) or POLICY_VIOLATION past max.partitions;
- trailing bytes after a request body are ignored, as Kafka ignores them.
"""

import socket
import struct
import time
import unittest

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, NewPartitions, NewTopic

from eddy_harness import Broker
from kafka_wire import frame, header, header_v2, read_frame
from test_auto_create import parse_metadata_v4

RECV_TIMEOUT_S = 20
ADMIN_TIMEOUT_S = 30

METADATA, CREATE_TOPICS, API_VERSIONS, CREATE_PARTITIONS, INCREMENTAL_ALTER_CONFIGS = (
    3, 19, 18, 37, 44)
NONE, UNKNOWN_TOPIC_OR_PARTITION, LEADER_NOT_AVAILABLE = 0, 3, 5
INVALID_TOPIC_EXCEPTION, INVALID_CONFIG, INVALID_REQUEST = 17, 40, 42
POLICY_VIOLATION, THROTTLING_QUOTA_EXCEEDED = 44, 89
TOPIC, BROKER = 2, 4


def string(s):
    return struct.pack(">h", len(s)) + s


def uvarint(n):
    out = b""
    while n >= 0x80:
        out += bytes([(n & 0x7F) | 0x80])
        n >>= 7
    return out + bytes([n])


def compact_string(s):
    return uvarint(len(s) + 1) + s


def metadata_v4(names, allow=True):
    body = struct.pack(">i", len(names)) + b"".join(string(n) for n in names)
    return header(METADATA, 4) + body + struct.pack(">b", 1 if allow else 0)


def create_topics_v6(name, partitions):
    """CreateTopics v6 (flexible): one topic, no assignment, no configs, not validate-only."""
    topic = (compact_string(name) + struct.pack(">ih", partitions, 1) + uvarint(1) + uvarint(1) +
             b"\x00")
    body = uvarint(2) + topic + struct.pack(">ib", 30000, 0) + b"\x00"
    return header_v2(CREATE_TOPICS, 6) + body


def parse_create_topics_v6(resp):
    """(throttle time, error code) of the first topic of a CreateTopics v6 response."""
    pos = 4 + 1  # correlation id, response header tagged fields
    (throttle,) = struct.unpack_from(">i", resp, pos)
    pos += 4 + 1  # throttle, topic count (one varint byte)
    name_len = resp[pos] - 1
    pos += 1 + name_len
    (err,) = struct.unpack_from(">h", resp, pos)
    return throttle, err


def create_partitions_v3(name, count):
    """CreatePartitions v3 (flexible): one topic grown to `count`, no assignment."""
    topic = compact_string(name) + struct.pack(">i", count) + uvarint(0) + b"\x00"
    return (header_v2(CREATE_PARTITIONS, 3) + uvarint(2) + topic + struct.pack(">ib", 30000, 0) +
            b"\x00")


def create_topics_v4(name, partitions):
    """CreateTopics v4 (not flexible): one topic, not validate-only."""
    topic = string(name) + struct.pack(">ihii", partitions, 1, 0, 0)
    return header(CREATE_TOPICS, 4) + struct.pack(">i", 1) + topic + struct.pack(">ib", 30000, 0)


def parse_create_topics_v4(resp):
    (throttle, count) = struct.unpack_from(">ii", resp, 4)
    (name_len,) = struct.unpack_from(">h", resp, 12)
    (err,) = struct.unpack_from(">h", resp, 14 + name_len)
    return throttle, err


def incremental_alter_v0(resource_type, resource_name, key, value):
    body = (struct.pack(">i", 1) + struct.pack(">b", resource_type) + string(resource_name) +
            struct.pack(">i", 1) + string(key) + struct.pack(">b", 0) + string(value) +
            struct.pack(">b", 0))
    return header(INCREMENTAL_ALTER_CONFIGS, 0) + body


def parse_incremental_alter_v0(resp):
    """(error code, error message) of the first resource."""
    (err, msg_len) = struct.unpack_from(">hh", resp, 12)
    msg = resp[16:16 + msg_len].decode() if msg_len >= 0 else None
    return err, msg


class BrokerTest(unittest.TestCase):
    """One broker per class, started with the class's OVERRIDES, and helpers to talk to it."""

    OVERRIDES = {}

    @classmethod
    def setUpClass(cls):
        cls.broker = Broker(overrides=cls.OVERRIDES).start()
        cls.admin_client = AdminClient({"bootstrap.servers": cls.broker.bootstrap})

    @classmethod
    def tearDownClass(cls):
        del cls.admin_client
        cls.broker.__exit__(None, None, None)

    def request(self, payload):
        s = socket.create_connection(("127.0.0.1", self.broker.port), timeout=RECV_TIMEOUT_S)
        self.addCleanup(s.close)
        s.sendall(frame(payload))
        resp = read_frame(s)
        self.assertIsNotNone(resp, "the broker closed the connection")
        (corr,) = struct.unpack_from(">i", resp)
        self.assertEqual(corr, 7)
        return resp

    def metadata(self, names, allow=True):
        return parse_metadata_v4(self.request(metadata_v4(names, allow)))

    def admin(self):
        return self.admin_client

    def create_error(self, topic):
        """The KafkaError of creating `topic` (a NewTopic), None when it was created."""
        for f in self.admin().create_topics([topic], request_timeout=ADMIN_TIMEOUT_S).values():
            try:
                f.result(timeout=ADMIN_TIMEOUT_S)
                return None
            except KafkaException as e:
                return e.args[0]

    def topics(self):
        return set(self.admin().list_topics(timeout=ADMIN_TIMEOUT_S).topics)

    def assert_topic_works(self, name):
        """Creates `name`, produces a record and reads it back."""
        self.assertIsNone(self.create_error(NewTopic(name, 1, 1)))
        p = Producer({"bootstrap.servers": self.broker.bootstrap, "acks": "all"})
        p.produce(name, b"payload")
        self.assertEqual(p.flush(ADMIN_TIMEOUT_S), 0)
        c = Consumer({"bootstrap.servers": self.broker.bootstrap, "group.id": "hc-" + name,
                      "auto.offset.reset": "earliest", "enable.auto.commit": False})
        self.addCleanup(c.close)
        c.assign([TopicPartition(name, 0, 0)])
        for _ in range(60):
            m = c.poll(1.0)
            if m is not None and m.error() is None:
                self.assertEqual(m.value(), b"payload")
                return
        self.fail("record on %s not read back" % name)


class ConfigValues(BrokerTest):
    def test_create_topics_with_segment_bytes_60_is_invalid_config(self):
        err = self.create_error(NewTopic("hc-seg-60", 1, 1, config={"segment.bytes": "60"}))
        self.assertIsNotNone(err)
        self.assertEqual(err.code(), INVALID_CONFIG)
        self.assertIn("segment.bytes", err.str())
        self.assertNotIn("hc-seg-60", self.topics())
        self.assert_topic_works("hc-after-seg-60")

    def test_alter_configs_of_a_topic_with_segment_bytes_60_is_invalid_config(self):
        self.assertIsNone(self.create_error(NewTopic("hc-alter-topic", 1, 1)))
        res = ConfigResource(ConfigResource.Type.TOPIC, "hc-alter-topic",
                             set_config={"segment.bytes": "60"})
        with self.assertRaises(KafkaException) as cm:
            for f in self.admin().alter_configs([res]).values():
                f.result(timeout=ADMIN_TIMEOUT_S)
        self.assertEqual(cm.exception.args[0].code(), INVALID_CONFIG)
        self.assertIn("segment.bytes", cm.exception.args[0].str())

    def test_alter_configs_of_the_broker_default_log_segment_bytes_60_is_invalid_config(self):
        res = ConfigResource(ConfigResource.Type.BROKER, "1",
                             set_config={"log.segment.bytes": "60"})
        with self.assertRaises(KafkaException) as cm:
            for f in self.admin().alter_configs([res]).values():
                f.result(timeout=ADMIN_TIMEOUT_S)
        self.assertEqual(cm.exception.args[0].code(), INVALID_CONFIG)
        self.assertIn("log.segment.bytes", cm.exception.args[0].str())
        self.assert_topic_works("hc-after-broker-seg")

    def test_incremental_alter_configs_with_bad_values_is_invalid_config(self):
        for resource_type, name, key in ((BROKER, b"", b"log.segment.bytes"),
                                         (BROKER, b"1", b"log.index.size.max.bytes"),
                                         (TOPIC, b"hc-incr", b"retention.bytes")):
            if resource_type == TOPIC:
                self.assertIsNone(self.create_error(NewTopic("hc-incr", 1, 1)))
            value = b"-2" if key == b"retention.bytes" else b"60" if b"segment" in key else b"4"
            err, msg = parse_incremental_alter_v0(
                self.request(incremental_alter_v0(resource_type, name, key, value)))
            self.assertEqual(err, INVALID_CONFIG, msg)
            self.assertIn("'%s'" % key.decode(), msg)
        self.assert_topic_works("hc-after-incremental")

    def test_broker_keeps_creating_working_topics_after_a_restart(self):
        res = ConfigResource(ConfigResource.Type.BROKER, "1",
                             set_config={"log.segment.bytes": "30"})
        with self.assertRaises(KafkaException):
            for f in self.admin().alter_configs([res]).values():
                f.result(timeout=ADMIN_TIMEOUT_S)
        self.broker.restart()
        self.assert_topic_works("hc-after-restart")


class TopicNames(BrokerTest):
    def test_dot_and_underscore_collision_is_invalid_topic(self):
        self.assertIsNone(self.create_error(NewTopic("hc.a.b", 1, 1)))
        err = self.create_error(NewTopic("hc.a_b", 1, 1))
        self.assertIsNotNone(err)
        self.assertEqual(err.code(), INVALID_TOPIC_EXCEPTION)
        self.assertIn("collides with existing topic: hc.a.b", err.str())
        self.assertNotIn("hc.a_b", self.topics())

    def test_auto_create_refuses_a_colliding_name(self):
        self.assertIsNone(self.create_error(NewTopic("hc_auto.x", 1, 1)))
        self.assertEqual(self.metadata([b"hc_auto_x"])["hc_auto_x"], (INVALID_TOPIC_EXCEPTION, 0))
        self.assertNotIn("hc_auto_x", self.topics())

    def test_create_topics_of_a_reserved_name_is_invalid_request(self):
        for name in ("__cluster_metadata", "__transaction_state", "__consumer_offsets",
                     "__share_group_state"):
            err = self.create_error(NewTopic(name, 1, 1))
            self.assertIsNotNone(err, name)
            self.assertEqual(err.code(), INVALID_REQUEST, name)
            self.assertIn("Creation of internal topic %s is prohibited" % name, err.str())

    def test_auto_create_of_a_reserved_name_creates_nothing(self):
        names = [b"__cluster_metadata", b"__transaction_state"]
        got = self.metadata(names)
        for n in names:
            self.assertEqual(got[n.decode()], (UNKNOWN_TOPIC_OR_PARTITION, 0))
        self.assertFalse({"__cluster_metadata", "__transaction_state"} & self.topics())


class AutoCreateFlood(BrokerTest):
    """The issue's attack (30,000 topics from three Metadata requests), at 3 x 1,000 names with
    the default limits."""

    def test_three_requests_of_a_thousand_names_create_at_most_the_per_request_cap(self):
        for r in range(3):
            names = [b"hc-flood-%d-%d" % (r, i) for i in range(1000)]
            got = self.metadata(names)
            created = [n for n, (err, _) in got.items() if err == NONE]
            deferred = [n for n, (err, _) in got.items() if err == LEADER_NOT_AVAILABLE]
            self.assertEqual(len(created), 100)  # auto.create.topics.max.per.request
            self.assertEqual(len(deferred), 900)
        self.assertEqual(len([t for t in self.topics() if t.startswith("hc-flood-")]), 300)
        self.assert_topic_works("hc-after-flood")


class CreationQuota(BrokerTest):
    """controller.mutation.rate=1: a burst of 11 partitions, then one partition per second."""

    OVERRIDES = {"controller.mutation.rate": "1"}

    def test_quota_in_debt_throttles_create_topics_and_defers_auto_create(self):
        # The burst, then a large topic admitted while the bucket is not in debt: 100 s of debt,
        # far longer than this test runs.
        self.assertEqual(parse_create_topics_v6(self.request(create_topics_v6(b"hc-q-a", 11))),
                         (0, NONE))
        self.assertEqual(parse_create_topics_v6(self.request(create_topics_v6(b"hc-q-b", 100)))[1],
                         NONE)
        throttle, err = parse_create_topics_v6(self.request(create_topics_v6(b"hc-q-c", 1)))
        self.assertEqual(err, THROTTLING_QUOTA_EXCEEDED)
        self.assertGreater(throttle, 0)
        self.assertEqual(self.metadata([b"hc-q-auto"])["hc-q-auto"], (LEADER_NOT_AVAILABLE, 0))
        # CreatePartitions v3 answers as CreateTopics v6 (same response layout up to the error).
        throttle, err = parse_create_topics_v6(self.request(create_partitions_v3(b"hc-q-a", 12)))
        self.assertEqual(err, THROTTLING_QUOTA_EXCEEDED)
        self.assertGreater(throttle, 0)
        self.assertEqual(self.metadata([b"hc-q-a"], allow=False)["hc-q-a"], (NONE, 11))
        # Versions before v6 know no THROTTLING_QUOTA_EXCEEDED: served, and told the throttle.
        throttle, err = parse_create_topics_v4(self.request(create_topics_v4(b"hc-q-old", 1)))
        self.assertEqual(err, NONE)
        self.assertGreater(throttle, 0)
        self.assertNotIn("hc-q-c", self.topics())
        self.assertIn("hc-q-old", self.topics())


class PartitionCap(BrokerTest):
    """max.partitions=25, of which the broker's own __consumer_offsets (created on the first
    FindCoordinator, not refused by the cap) takes 5: 20 are left for the test's topics."""

    OVERRIDES = {"max.partitions": "25", "offsets.topic.num.partitions": "5",
                 "num.partitions": "6"}

    def test_creations_past_max_partitions_are_refused(self):
        for _ in range(300):
            if "__consumer_offsets" in self.topics():
                break
            # FindCoordinator v0 for group "g": the first group use creates the offsets topic.
            self.request(header(10, 0) + struct.pack(">h", 1) + b"g")
            time.sleep(0.1)
        self.assertIn("__consumer_offsets", self.topics())
        self.assertIsNone(self.create_error(NewTopic("hc-cap-a", 15, 1)))
        err = self.create_error(NewTopic("hc-cap-b", 10, 1))
        self.assertIsNotNone(err)
        self.assertEqual(err.code(), POLICY_VIOLATION)
        self.assertIn("max.partitions", err.str())
        with self.assertRaises(KafkaException) as cm:
            for f in self.admin().create_partitions([NewPartitions("hc-cap-a", 25)]).values():
                f.result(timeout=ADMIN_TIMEOUT_S)
        self.assertEqual(cm.exception.args[0].code(), POLICY_VIOLATION)
        # num.partitions=6 would take the cluster to 21.
        self.assertEqual(self.metadata([b"hc-cap-auto"])["hc-cap-auto"],
                         (UNKNOWN_TOPIC_OR_PARTITION, 0))
        self.assertIsNone(self.create_error(NewTopic("hc-cap-c", 5, 1)))
        self.assertEqual(self.topics() & {"hc-cap-a", "hc-cap-b", "hc-cap-c", "hc-cap-auto"},
                         {"hc-cap-a", "hc-cap-c"})


class TrailingBytes(BrokerTest):
    """Kafka parses a request body and ignores what follows it, for every version
    (RequestContext.parseRequest); so does Eddy."""

    def test_metadata_v4_with_trailing_bytes_is_answered(self):
        self.assertIsNone(self.create_error(NewTopic("hc-trailing", 2, 1)))
        resp = self.request(metadata_v4([b"hc-trailing"], allow=False) + b"\xde\xad\xbe\xef")
        self.assertEqual(parse_metadata_v4(resp)["hc-trailing"], (NONE, 2))

    def test_flexible_api_versions_v3_with_trailing_bytes_is_answered(self):
        body = compact_string(b"eddy-it") + compact_string(b"1.0") + b"\x00"
        resp = self.request(header_v2(API_VERSIONS, 3) + body + b"\x00\x01\x02")
        (err,) = struct.unpack_from(">h", resp, 4)
        self.assertEqual(err, NONE)


if __name__ == "__main__":
    unittest.main()
