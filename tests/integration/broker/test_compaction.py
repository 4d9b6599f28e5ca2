"""Log compaction with a real client (confluent-kafka): a compacted topic reads back exactly the
latest value of each key, read while the cleaner swaps segments and after; kill -9 in the middle
of a cleaning pass loses nothing; __consumer_offsets stays bounded under many commits (40,000 by
default, scaled down from 1,000,000 to keep CI short; EDDY_COMPACTION_COMMITS sets it; the bound
is what is checked). No test may leave eddyd reporting damage: a cleaner swap is not damage.

  EDDYD=build/bin/eddyd /usr/bin/python3 -m unittest -v test_compaction   (in this directory)

The kill -9 test's consumer, reading right after the restart, starts in about ten segments that
the cleaner left holding only record-less batches; a consumer's fetch passes over them to the
first batch with records in one response (docs/storage.md, "Compaction"), where librdkafka, given
ten record-less responses in a row, reported MSG_SIZE_TOO_LARGE.
"""

import glob
import os
import time
import unittest

import confluent_kafka
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic

from eddy_harness import Broker
from test_data_path import producer, topic_name

WAIT_S = 120
KEYS = 1000
UPDATES = 100_000

# Small segments that roll often, so that the cleaner has sealed segments to work on.
COMPACT_TOPIC = {
    "cleanup.policy": "compact",
    "segment.bytes": "1048576",
    "segment.ms": "1000",
    "min.cleanable.dirty.ratio": "0.01",
}
FAST_CLEANER = {"log.cleaner.backoff.ms": "100"}


def create_topic(b, topic, configs):
    admin = AdminClient({"bootstrap.servers": b.bootstrap})
    fs = admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1,
                                       config=configs)])
    fs[topic].result(timeout=30)


def write_updates(b, topic, updates=UPDATES, keys=KEYS):
    """updates records over `keys` keys, acks=all; returns {key: latest value}."""
    p = producer(b, acks="all", **{"linger.ms": 20, "batch.num.messages": 500})
    latest = {}
    for i in range(updates):
        k = b"key-%04d" % (i % keys)
        v = b"value-%07d-" % i + b"x" * 80
        latest[k] = v
        while True:
            try:
                p.produce(topic, key=k, value=v, partition=0)
                break
            except BufferError:
                p.poll(0.05)
        if i % 5000 == 0:
            p.poll(0)
    assert p.flush(60) == 0
    return latest


def read_all(b, topic):
    """Every record of partition 0, from the start to the high watermark: [(key, value)]."""
    # An out-of-range position must fail the test, not jump to the end ("latest").
    c = confluent_kafka.Consumer({"bootstrap.servers": b.bootstrap, "group.id": "unused",
                                  "enable.auto.commit": False, "auto.offset.reset": "error"})
    try:
        _, high = c.get_watermark_offsets(confluent_kafka.TopicPartition(topic, 0), timeout=10)
        c.assign([confluent_kafka.TopicPartition(topic, 0, confluent_kafka.OFFSET_BEGINNING)])
        out = []
        position = 0
        deadline = time.time() + 60
        if high <= 0:
            raise AssertionError("high watermark %d" % high)
        while position < high and time.time() < deadline:
            for m in c.consume(1000, timeout=1):
                if m.error():
                    raise AssertionError(str(m.error()))
                out.append((m.key(), m.value()))
                position = m.offset() + 1
            # Past the last record the consumer's position jumps over a trailing hole.
            pos = c.position([confluent_kafka.TopicPartition(topic, 0)])[0].offset
            if pos >= 0:
                position = max(position, pos)
        if position < high:
            raise AssertionError("read %d records up to %d of %d" % (len(out), position, high))
        return out
    finally:
        c.close()


def wait_compacted(test, b, topic, latest):
    """Until partition 0 holds each key exactly once, with its latest value. The first reads
    start while the cleaner is still at work (segments being cleaned and swapped): each read
    must get every offset up to the high watermark whatever the cleaner does meanwhile."""
    deadline = time.time() + WAIT_S
    records = []
    while time.time() < deadline:
        records = read_all(b, topic)
        if len(records) == len(latest):
            break
        time.sleep(0.5)
    test.assertEqual(len(records), len(latest), "the cleaner did not compact the topic")
    test.assertEqual(dict(records), latest)
    assert_no_damage(test, b)


def assert_no_damage(test, b):
    test.assertNotIn("damaged records", b.log())


def partition_dir(b, topic):
    return os.path.join(b.data_dir, "logs", "%s-0" % topic)


class CompactionTest(unittest.TestCase):
    def test_latest_value_of_each_key_survives_cleaning(self):
        with Broker(overrides=FAST_CLEANER) as b:
            topic = topic_name()
            create_topic(b, topic, COMPACT_TOPIC)
            latest = write_updates(b, topic)
            wait_compacted(self, b, topic, latest)
            # The log shrank on disk.
            size = sum(os.path.getsize(f) for f in glob.glob(partition_dir(b, topic) + "/*.log"))
            self.assertLess(size, UPDATES * 100 // 10)

    def test_kill_9_during_cleaning_loses_nothing(self):
        # A slow cleaner (1 MiB/s): a .cleaned file lives about a second per segment, so that
        # the kill lands inside a pass, and the pass starts well within WAIT_S even on a loaded
        # machine.
        b = Broker(overrides=dict(FAST_CLEANER, **{
            "log.cleaner.io.max.bytes.per.second": "1048576"}))
        with b:
            topic = topic_name()
            create_topic(b, topic, COMPACT_TOPIC)
            latest = write_updates(b, topic)
            d = partition_dir(b, topic)
            deadline = time.time() + WAIT_S
            while time.time() < deadline and not glob.glob(d + "/*.cleaned"):
                time.sleep(0.02)
            self.assertTrue(glob.glob(d + "/*.cleaned"), "no cleaning pass was seen")
            b.kill9()
            b.overrides.pop("log.cleaner.io.max.bytes.per.second")
            b.start()
            wait_compacted(self, b, topic, latest)

    def test_consumer_offsets_stay_bounded(self):
        commits = int(os.environ.get("EDDY_COMPACTION_COMMITS", "40000"))
        with Broker(overrides=dict(FAST_CLEANER, **{"offsets.topic.num.partitions": "1"})) as b:
            topic = topic_name()
            create_topic(b, topic, {})
            c = confluent_kafka.Consumer({"bootstrap.servers": b.bootstrap, "group.id": "g1",
                                          "enable.auto.commit": False})
            tp = confluent_kafka.TopicPartition(topic, 0, 0)
            c.commit(offsets=[tp], asynchronous=False)
            # The offsets topic's segments as small as the compacted topic's: a config change
            # through AlterConfigs (Debian's confluent-kafka has no IncrementalAlterConfigs),
            # applied without a restart.
            admin = AdminClient({"bootstrap.servers": b.bootstrap})
            res = ConfigResource(ConfigResource.Type.TOPIC, "__consumer_offsets",
                                 set_config=COMPACT_TOPIC)
            for f in admin.alter_configs([res]).values():
                f.result(timeout=30)
            for i in range(1, commits + 1):
                tp.offset = i
                while True:
                    try:
                        c.commit(offsets=[tp], asynchronous=True)
                        break
                    except confluent_kafka.KafkaException:
                        c.poll(0.01)
                if i % 100 == 0:
                    c.poll(0)
            c.commit(offsets=[confluent_kafka.TopicPartition(topic, 0, commits + 1)],
                     asynchronous=False)
            d = os.path.join(b.data_dir, "logs", "__consumer_offsets-0")
            written = commits * 100  # each commit is a batch of more than 100 bytes
            deadline = time.time() + WAIT_S
            size = None
            while time.time() < deadline:
                size = sum(os.path.getsize(f) for f in glob.glob(d + "/*.log"))
                if size < 3 * 1048576:
                    break
                time.sleep(0.5)
            self.assertLess(size, 3 * 1048576, "__consumer_offsets grew with the commits")
            self.assertGreater(written, 3 * 1048576)
            committed = c.committed([confluent_kafka.TopicPartition(topic, 0)], timeout=10)
            self.assertEqual(committed[0].offset, commits + 1)
            c.close()
            # The group coordinator loads the compacted log (fillers, delete horizons) again.
            b.restart()
            c = confluent_kafka.Consumer({"bootstrap.servers": b.bootstrap, "group.id": "g1",
                                          "enable.auto.commit": False})
            committed = c.committed([confluent_kafka.TopicPartition(topic, 0)], timeout=30)
            self.assertEqual(committed[0].offset, commits + 1)
            c.close()
            assert_no_damage(self, b)


if __name__ == "__main__":
    unittest.main()
