"""T11, a full disk (shared/docs/reliability.md): eddyd runs under power_loss_shim.cc, which, while
a control file exists, fails writes under the data dir the way a full ext4 does: overwrites of
bytes a file already has succeed (the sync policy's zero-filled preallocated tail), anything that
would grow a file is cut where the free bytes (the control file's content, none when empty) run
out, and the rest fails with ENOSPC. A real confluent-kafka producer
(acks=all, no retries) keeps writing.

What Eddy does (docs/storage.md, "Disk full and power loss, end to end"): the append whose write
fails is cut back and answered KAFKA_STORAGE_ERROR (56; Kafka's KafkaStorageException, which Java
and librdkafka clients treat as retriable after a metadata refresh), and the partition refuses
further appends with the same code until eddyd restarts, as Kafka takes a failed log dir offline.
Reads go on. Nothing acknowledged, before or during the fault, is lost or changed; after a
restart with space back the partition accepts writes again. A metadata log entry torn by the full
disk is cut back, so a topic created once space is back survives a restart.

  cd tests/integration/faults && EDDYD=../../../build/bin/eddyd \
    EDDY_POWER_LOSS_SHIM=../../../build/tests/integration/faults/libeddy_power_loss_shim.so \
    /usr/bin/python3 -m unittest -v test_disk_full
"""

import os
import re
import time
import unittest
import urllib.request

import confluent_kafka
import confluent_kafka.admin

from faults_support import ShimBroker, temp_dir
from test_data_path import WAIT_S, consume_all, produce_all, producer, topic_name  # noqa: E402

STORAGE_ERROR = confluent_kafka.KafkaError.KAFKA_STORAGE_ERROR
# Bounds the fault phase: the preallocated tail (1 MiB) holds about 20000 of these records.
MAX_RECORDS_WHILE_FULL = 200000


class DiskFullTest(unittest.TestCase):
    def setUp(self):
        self.full_file = os.path.join(temp_dir(self, "eddy-full-"), "full")
        self.broker = ShimBroker(full_file=self.full_file,
                                 overrides={"auto.create.topics.enable": "true"})
        self.addCleanup(self.broker.__exit__, None, None, None)
        self.addCleanup(self.space_back)  # cleanups run last first: before the broker stops
        self.broker.start()
        self.topic = topic_name()
        self.acked = {}

    def space_back(self):
        if os.path.exists(self.full_file):
            os.remove(self.full_file)

    def produce_acked(self, count, tag):
        delivered = produce_all(producer(self.broker, acks="all"), self.topic,
                                [(None, b"%s-%06d" % (tag, i), None) for i in range(count)])
        for m in delivered:
            self.acked[m.offset()] = m.value()

    def fill_disk_until_refused(self):
        """Turns the disk full and produces until a record is refused; returns the errors."""
        open(self.full_file, "w").close()
        p = producer(self.broker, acks="all", retries=0, **{"linger.ms": 1,
                                                             "message.timeout.ms": 10000})
        errors = []

        def on_delivery(err, msg):
            if err:
                errors.append(err)
            else:
                self.acked[msg.offset()] = msg.value()

        deadline = time.time() + WAIT_S
        sent = 0
        while not errors and sent < MAX_RECORDS_WHILE_FULL and time.time() < deadline:
            for _ in range(500):
                p.produce(self.topic, value=b"full-%06d" % sent, partition=0,
                          on_delivery=on_delivery)
                sent += 1
            self.assertEqual(p.flush(WAIT_S), 0)
        self.assertTrue(errors, f"{sent} records produced to a full disk, none refused")
        return errors

    def assert_serves_every_acked_record(self):
        c = confluent_kafka.Consumer({"bootstrap.servers": self.broker.bootstrap,
                                      "group.id": "unused"})
        _, high = c.get_watermark_offsets(confluent_kafka.TopicPartition(self.topic, 0),
                                          timeout=WAIT_S)
        c.close()
        got = consume_all(self.broker, self.topic, high)
        served = {m.offset(): m.value() for m in got}
        self.assertEqual(sorted(served), list(range(high)))  # a gap-free prefix
        lost = [o for o in self.acked if served.get(o) != self.acked[o]]
        self.assertEqual(lost, [], f"{len(lost)} acknowledged records lost or changed")
        self.assertEqual(high, len(self.acked), "a refused record was appended")
        return high

    def test_full_disk_answers_storage_error_and_loses_no_acked_record(self):
        self.produce_acked(1000, b"before")
        errors = self.fill_disk_until_refused()
        self.assertEqual({e.code() for e in errors}, {STORAGE_ERROR}, errors[:3])
        self.assertTrue(self.broker.alive())
        served = self.assert_serves_every_acked_record()  # reads go on while the disk is full
        print(f"\ndisk full: acked {len(self.acked)} ({len(self.acked) - 1000} while full), "
              f"refused {len(errors)} with KAFKA_STORAGE_ERROR, lost 0, served {served}")

    def test_full_disk_raises_the_storage_error_metric_and_logs_the_partition(self):
        self.produce_acked(100, b"before")
        self.fill_disk_until_refused()
        with urllib.request.urlopen(self.broker.admin_url + "/metrics", timeout=WAIT_S) as r:
            text = r.read().decode()
        m = re.search(r'^eddy_log_storage_errors_total\{topic="%s",partition="0"\} (\d+)$'
                      % re.escape(self.topic), text, re.M)
        self.assertIsNotNone(m, "no storage error counted for the partition")
        self.assertGreaterEqual(int(m.group(1)), 1)
        errors = [line for line in self.broker.log().splitlines()
                  if "[error]" in line and f"partition {self.topic}-0:" in line]
        self.assertTrue(errors, "no error line names the partition")
        self.assertIn("free space", errors[0])  # and says what to do

    def test_partition_refuses_writes_until_restart_then_accepts_again(self):
        self.produce_acked(1000, b"before")
        self.fill_disk_until_refused()
        self.space_back()
        # The partition stays failed: Kafka's offline log dir, until a restart.
        p = producer(self.broker, acks="all", retries=0)
        results = []
        p.produce(self.topic, value=b"after-space-back", partition=0,
                  on_delivery=lambda err, msg: results.append(err))
        self.assertEqual(p.flush(WAIT_S), 0)
        self.assertEqual([e.code() if e else None for e in results], [STORAGE_ERROR])
        # Said once in the log, at error level, naming the partition and its log dir; not once
        # per refused request.
        refusals = [line for line in self.broker.log().splitlines()
                    if "refused a write" in line and f"partition {self.topic}-0:" in line]
        self.assertEqual(len(refusals), 1, refusals)
        self.assertIn("error", refusals[0])
        self.assertIn(os.path.join(self.broker.data_dir, "logs"), refusals[0])
        # Other partitions were never refused a write: a new topic takes one.
        other = topic_name()
        self.assertEqual(len(produce_all(producer(self.broker), other, [(None, b"x", None)])), 1)

        self.assertEqual(self.broker.stop(), 0)
        self.broker.start()
        self.assert_serves_every_acked_record()
        self.produce_acked(100, b"after")
        high = self.assert_serves_every_acked_record()
        print(f"\ndisk full, then restart: acked {len(self.acked)}, lost 0, served {high}")

    def create_topic(self, name):
        """CreateTopics through confluent-kafka's AdminClient: None, or the KafkaError."""
        admin = confluent_kafka.admin.AdminClient({"bootstrap.servers": self.broker.bootstrap})
        future = admin.create_topics([confluent_kafka.admin.NewTopic(name, 1, 1)],
                                     request_timeout=WAIT_S)[name]
        try:
            future.result(timeout=WAIT_S)
            return None
        except confluent_kafka.KafkaException as e:
            return e.args[0]

    def test_torn_metadata_write_loses_no_topic_created_after_it(self):
        # 10 bytes free: the metadata log's next entry is written in part, then ENOSPC.
        with open(self.full_file, "w") as f:
            f.write("10")
        refused = self.create_topic(topic_name())
        self.assertIsNotNone(refused, "a topic was created on a full disk")
        self.assertTrue(self.broker.alive())
        self.space_back()
        self.assertIsNone(self.create_topic(self.topic))
        self.produce_acked(100, b"after")
        self.assertEqual(self.broker.stop(), 0)
        self.broker.start()
        # The topic created after the torn entry is still there, with its records.
        high = self.assert_serves_every_acked_record()
        print(f"\ntorn metadata write: refused with {refused.name()}, the topic created after it "
              f"served {high} records after a restart")


if __name__ == "__main__":
    unittest.main()
