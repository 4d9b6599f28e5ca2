"""Hostile writes into internal topics: a client may not Produce to `__consumer_offsets` (or
`__transaction_state`), DeleteRecords from it nor DeleteTopics it, because the group coordinator
rebuilds groups from what it reads back there at every load. Kafka answers
INVALID_TOPIC_EXCEPTION to the first two; so does eddyd. Kafka leaves deletion to ACLs
(TOPIC_AUTHORIZATION_FAILED for a client without DELETE); eddyd, without ACLs, answers that to
every client.

The forged-offset attack: a victim group commits offset 5, an attacker produces a hand-made
OffsetCommit record for the victim's group into `__consumer_offsets`, and after a restart the
victim must still read offset 5 (before the refusal it read the forged 999999).

The forged-group crash: a group record whose two members share a member id under different
group.instance.ids, then two static-member JoinGroups after a restart, crashed eddyd (SIGSEGV).
With client writes refused the record is written into the partition's segment file while eddyd
is stopped, as corrupt bytes on disk would be; the load skips it and the joins are served."""

import os
import socket
import struct
import time
import unittest

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic
from kafka.record.default_records import DefaultRecordBatchBuilder

import kafka_wire as wire
from eddy_harness import Broker

OFFSETS_TOPIC = "__consumer_offsets"
OFFSETS_PARTITIONS = 50  # offsets.topic.num.partitions default


def java_string_hash(s):
    h = 0
    for c in s.encode("utf-16-be").decode("utf-16-be"):
        h = (31 * h + ord(c)) & 0xFFFFFFFF
    return h - (1 << 32) if h >= 1 << 31 else h


def partition_for_group(group):
    h = java_string_hash(group)
    return 0 if h == -(1 << 31) else abs(h) % OFFSETS_PARTITIONS


def kstring(s):
    b = s.encode()
    return struct.pack(">h", len(b)) + b


def offset_commit_key(group, topic, partition):
    return struct.pack(">h", 1) + kstring(group) + kstring(topic) + struct.pack(">i", partition)


def offset_commit_value(offset):
    # v3: offset, leader epoch, metadata, commit timestamp.
    return (struct.pack(">hqi", 3, offset, -1) + kstring("") +
            struct.pack(">q", int(time.time() * 1000)))


def nullable_kstring(s):
    return struct.pack(">h", -1) if s is None else kstring(s)


def kbytes(b):
    return struct.pack(">i", len(b)) + b


def group_metadata_key(group):
    return struct.pack(">h", 2) + kstring(group)


def group_metadata_value(generation, protocol, leader, members):
    """GroupMetadataValue v3; members are (member id, group.instance.id)."""
    out = (struct.pack(">h", 3) + kstring("consumer") + struct.pack(">i", generation) +
           nullable_kstring(protocol) + nullable_kstring(leader) +
           struct.pack(">q", int(time.time() * 1000)) + struct.pack(">i", len(members)))
    for member_id, instance_id in members:
        out += (kstring(member_id) + nullable_kstring(instance_id) + kstring("forger") +
                kstring("/127.0.0.1") + struct.pack(">ii", 30000, 10000) + kbytes(b"\x00") +
                kbytes(b""))
    return out


def record_batch(key, value):
    """One record at offset 0 (base offset 0, leader epoch 0), CRC-32C computed."""
    b = DefaultRecordBatchBuilder(magic=2, compression_type=0, is_transactional=False,
                                  producer_id=-1, producer_epoch=-1, base_sequence=-1,
                                  batch_size=1 << 20)
    b.append(0, timestamp=None, key=key, value=value, headers=[])
    return bytes(b.build())


def static_join_v5(group, instance_id):
    """JoinGroup v5 of a (re)starting static member: no member id, one 'range' protocol."""
    body = (kstring(group) + struct.pack(">ii", 10000, 10000) + kstring("") +
            nullable_kstring(instance_id) + kstring("consumer") + struct.pack(">i", 1) +
            kstring("range") + kbytes(b"\x00"))
    return wire.frame(wire.header(11, 5) + body)


def join_v5_answer(resp):
    """(error code, generation) of a JoinGroup v5 answer."""
    error, generation = struct.unpack_from(">hi", resp, 8)
    return error, generation


def produce_one(bootstrap, topic, partition, key, value):
    """Produces one record with a real client; returns the delivery error (None when accepted)."""
    p = Producer({"bootstrap.servers": bootstrap, "message.send.max.retries": 0,
                  "message.timeout.ms": 20000})
    outcome = []
    p.produce(topic, value=value, key=key, partition=partition,
              on_delivery=lambda err, msg: outcome.append(err))
    p.flush(30)
    assert len(outcome) == 1, "no delivery report"
    return outcome[0]


class InternalTopicsTest(unittest.TestCase):
    def create_topic(self, b, name):
        admin = AdminClient({"bootstrap.servers": b.bootstrap})
        for f in admin.create_topics([NewTopic(name, 1, 1)]).values():
            f.result(30)

    def commit(self, b, group, topic, offset):
        c = Consumer({"bootstrap.servers": b.bootstrap, "group.id": group,
                      "enable.auto.commit": False})
        try:
            c.commit(offsets=[TopicPartition(topic, 0, offset)], asynchronous=False)
        finally:
            c.close()

    def committed(self, b, group, topic):
        c = Consumer({"bootstrap.servers": b.bootstrap, "group.id": group,
                      "enable.auto.commit": False})
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    return c.committed([TopicPartition(topic, 0)], timeout=10)[0].offset
                except Exception:  # the coordinator may still be loading after a restart
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
        finally:
            c.close()

    def test_forged_offset_commit_is_refused_and_the_victims_offset_survives_a_restart(self):
        with Broker() as b:
            self.create_topic(b, "victim-topic")
            self.commit(b, "victim", "victim-topic", 5)
            self.assertEqual(self.committed(b, "victim", "victim-topic"), 5)

            err = produce_one(b.bootstrap, OFFSETS_TOPIC, partition_for_group("victim"),
                              offset_commit_key("victim", "victim-topic", 0),
                              offset_commit_value(999999))
            b.restart()
            # Before the refusal: 999999, the forged offset.
            self.assertEqual(self.committed(b, "victim", "victim-topic"), 5)
            self.assertIsNotNone(err, "a client's Produce to __consumer_offsets was accepted")
            self.assertEqual(err.code(), KafkaError.TOPIC_EXCEPTION, str(err))

    def test_produce_to_internal_topic_answers_invalid_topic_exception_on_the_wire(self):
        with Broker() as b:
            # Produce v8, acks=1, one partition of __consumer_offsets with an empty record set:
            # the refusal comes before the records are looked at.
            body = (struct.pack(">h", -1) + struct.pack(">hi", 1, 10000) +
                    struct.pack(">i", 1) + kstring(OFFSETS_TOPIC) +
                    struct.pack(">i", 1) + struct.pack(">i", 0) + struct.pack(">i", 0))
            with socket.create_connection(("127.0.0.1", b.port), timeout=10) as s:
                s.sendall(wire.frame(wire.header(0, 8) + body))
                resp = wire.read_frame(s)
            self.assertIsNotNone(resp)
            # correlation id, [topic [partition, error, ...]]
            pos = 4 + 4
            (name_len,) = struct.unpack_from(">h", resp, pos)
            pos += 2
            self.assertEqual(resp[pos:pos + name_len].decode(), OFFSETS_TOPIC)
            pos += name_len + 4
            partition, error = struct.unpack_from(">ih", resp, pos)
            self.assertEqual((partition, error), (0, 17))  # INVALID_TOPIC_EXCEPTION

    def test_delete_records_of_internal_topic_answers_invalid_topic_exception(self):
        with Broker() as b:
            # DeleteRecords v0: [topic [partition, offset]], timeout.
            body = (struct.pack(">i", 1) + kstring(OFFSETS_TOPIC) + struct.pack(">i", 1) +
                    struct.pack(">iq", 0, -1) + struct.pack(">i", 10000))
            with socket.create_connection(("127.0.0.1", b.port), timeout=10) as s:
                s.sendall(wire.frame(wire.header(21, 0) + body))
                resp = wire.read_frame(s)
            self.assertIsNotNone(resp)
            # correlation id, throttle, [topic name, [partition, low watermark, error]]
            pos = 4 + 4 + 4
            (name_len,) = struct.unpack_from(">h", resp, pos)
            pos += 2 + name_len + 4
            partition, _low, error = struct.unpack_from(">iqh", resp, pos)
            self.assertEqual((partition, error), (0, 17))  # INVALID_TOPIC_EXCEPTION

    def test_delete_topics_of_consumer_offsets_is_refused_and_offsets_survive(self):
        with Broker() as b:
            self.create_topic(b, "victim-topic")
            self.commit(b, "victim", "victim-topic", 5)
            admin = AdminClient({"bootstrap.servers": b.bootstrap})
            fut = admin.delete_topics([OFFSETS_TOPIC], operation_timeout=30)[OFFSETS_TOPIC]
            # Before the refusal: accepted, and every group's offsets were gone.
            with self.assertRaises(KafkaException) as caught:
                fut.result(30)
            err = caught.exception.args[0]
            self.assertEqual(err.code(), KafkaError.TOPIC_AUTHORIZATION_FAILED, str(err))
            md = admin.list_topics(timeout=30)
            self.assertIn(OFFSETS_TOPIC, md.topics)
            self.assertEqual(self.committed(b, "victim", "victim-topic"), 5)

    def test_a_forged_group_record_on_disk_is_skipped_and_static_rejoins_do_not_crash(self):
        group = "forged-group"
        with Broker() as b:
            # Start once so that __consumer_offsets exists; the group's partition stays empty.
            self.committed(b, "warm-up", "no-such-topic")
            b.stop()
            segment = os.path.join(b.data_dir, "logs",
                                   "%s-%d" % (OFFSETS_TOPIC, partition_for_group(group)),
                                   "%020d.log" % 0)
            self.assertEqual(os.path.getsize(segment), 0, "the group's partition is not empty")
            with open(segment, "ab") as f:
                f.write(record_batch(group_metadata_key(group),
                                     group_metadata_value(3, "range", "dup",
                                                          [("dup", "i1"), ("dup", "i2")])))
            b.start()
            answers = []
            for instance_id in ("i1", "i2"):
                deadline = time.monotonic() + 30
                while True:
                    # The second join waits for the first member's rebalance timeout (10 s).
                    with socket.create_connection(("127.0.0.1", b.port), timeout=60) as s:
                        s.sendall(static_join_v5(group, instance_id))
                        resp = wire.read_frame(s)
                    self.assertIsNotNone(resp, "eddyd closed the connection:\n" + b.log()[-4000:])
                    error, generation = join_v5_answer(resp)
                    # COORDINATOR_LOAD_IN_PROGRESS, COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR
                    if error not in (14, 15, 16) or time.monotonic() > deadline:
                        break
                    time.sleep(0.2)
                answers.append((error, generation))
            self.assertTrue(b.alive(), "eddyd died:\n" + b.log()[-4000:])
            # The forged generation is not loaded: the first static member starts the group
            # anew, the second joins it in the next generation.
            self.assertEqual(answers, [(0, 1), (0, 2)])
            self.assertIn("skipped a record", b.log())


if __name__ == "__main__":
    unittest.main()
