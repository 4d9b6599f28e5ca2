"""DeleteRecords on three real eddyd processes, with RF=3 topics: the answer waits until every live
replica has moved its log start (Kafka's DelayedDeleteRecords and low watermark), so when it comes
every replica's log starts at the requested offset; a follower that is stopped and fenced does not
hold it back; a follower still in the ISR that does not fetch makes it time out
(REQUEST_TIMED_OUT). Each replica's log start is read from its own partition.checkpoint.

  cd tests/integration/cluster && EDDYD=../../../build/bin/eddyd \\
    EDDYCTL=../../../build/bin/eddyctl PYTHONPATH=../broker:../faults \\
    /usr/bin/python3 -m unittest -v test_delete_records
"""

import json
import signal
import socket
import struct
import unittest

from confluent_kafka import Consumer, Producer, TopicPartition

from cluster_harness import Cluster, eddyctl, log_start, wait_for
from kafka_wire import frame, header, read_frame
from test_replication import create, wait_isr

REQUEST_TIMED_OUT = 7

# A killed broker is fenced within seconds; a follower stopped for the one-second DeleteRecords
# below is neither fenced nor out of the ISR by then (both take 6 s).
OVERRIDES = {
    "broker.heartbeat.interval.ms": "300",
    "broker.session.timeout.ms": "6000",
    "replica.lag.time.max.ms": "6000",
}



def delete_records(node, topic, offset, timeout_ms):
    """DeleteRecords v1 for partition 0 straight to `node`: (low_watermark, error_code)."""
    t = topic.encode()
    body = (struct.pack(">i", 1) + struct.pack(">h", len(t)) + t + struct.pack(">i", 1) +
            struct.pack(">iq", 0, offset) + struct.pack(">i", timeout_ms))
    with socket.create_connection(("127.0.0.1", node.port), timeout=60) as sock:
        sock.sendall(frame(header(21, 1) + body))
        resp = read_frame(sock)
    # correlation id, throttle, 1 topic (name), 1 partition: index, low watermark, error
    pos = 4 + 4 + 4
    (name_len,) = struct.unpack_from(">h", resp, pos)
    pos += 2 + name_len + 4
    _, low_watermark, error = struct.unpack_from(">iqh", resp, pos)
    return low_watermark, error


def produce(bootstrap, topic, count):
    p = Producer({"bootstrap.servers": bootstrap, "acks": "all"})
    for i in range(count):
        p.produce(topic, b"r%d" % i)
    if p.flush(60):
        raise AssertionError("records not delivered")


class DeleteRecordsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.c = Cluster(3, overrides=OVERRIDES)
        cls.c.__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.c.__exit__(None, None, None)

    def setUp(self):
        # Every node running again (a test stops one), so that RF=3 topics can be placed.
        self.c.wait_formed(60)

    def topic_with_records(self, name, count):
        create(self.c.bootstrap, name)
        leader, _ = wait_isr(self.c, name, [1, 2, 3])
        produce(self.c.bootstrap, name, count)
        return leader, [i for i in (1, 2, 3) if i != leader]

    def test_every_replica_has_moved_its_log_start_when_the_answer_comes(self):
        leader, _ = self.topic_with_records("trim", 10)
        code, out, err = eddyctl("-b", self.c.bootstrap, "--format", "json", "topic",
                                 "delete-records", "trim", "--before-offset", "6")
        self.assertEqual(code, 0, err)
        self.assertEqual(json.loads(out), [{"partition": 0, "low_watermark": 6, "error": None}])
        self.assertEqual([log_start(n, "trim") for n in self.c.nodes.values()], [6, 6, 6])
        c = Consumer({"bootstrap.servers": self.c.bootstrap, "group.id": "trim-reader"})
        try:
            low, high = c.get_watermark_offsets(TopicPartition("trim", 0), timeout=30)
        finally:
            c.close()
        self.assertEqual((low, high), (6, 10))
        # -1: everything below the high watermark.
        self.assertEqual(delete_records(self.c.nodes[leader], "trim", -1, 30000), (10, 0))
        self.assertEqual([log_start(n, "trim") for n in self.c.nodes.values()], [10, 10, 10])

    def test_a_follower_in_the_isr_that_does_not_fetch_makes_it_time_out(self):
        leader, followers = self.topic_with_records("stalled", 10)
        stalled = self.c.nodes[followers[0]]
        stalled.signal(signal.SIGSTOP)
        try:
            low_watermark, error = delete_records(self.c.nodes[leader], "stalled", 5, 1000)
        finally:
            stalled.signal(signal.SIGCONT)
        self.assertEqual(error, REQUEST_TIMED_OUT)
        self.assertEqual(low_watermark, 0)  # the stalled follower's log start
        self.assertEqual(log_start(self.c.nodes[leader], "stalled"), 5)
        # Fetching again, it follows the leader's log start; a retry then succeeds.
        self.assertEqual(delete_records(self.c.nodes[leader], "stalled", 5, 30000), (5, 0))
        self.assertEqual(log_start(stalled, "stalled"), 5)

    def test_a_stopped_follower_does_not_hold_it_back(self):
        leader, followers = self.topic_with_records("gone", 10)
        gone = self.c.nodes[followers[0]]
        gone.kill9()
        self.addCleanup(lambda: gone.alive() or gone.spawn())
        # Fenced: Metadata no longer lists it, and it has left the ISR.
        wait_for(lambda: gone.node_id not in self.c.nodes[leader].metadata(timeout_s=3).brokers,
                 60, "node %d to be fenced" % gone.node_id)
        wait_isr(self.c, "gone", [leader, followers[1]])
        code, out, err = eddyctl("-b", self.c.nodes[leader].bootstrap, "--format", "json",
                                 "topic", "delete-records", "gone", "--before-offset", "7")
        self.assertEqual(code, 0, err)
        self.assertEqual(json.loads(out), [{"partition": 0, "low_watermark": 7, "error": None}])
        self.assertEqual([log_start(self.c.nodes[i], "gone") for i in (leader, followers[1])],
                         [7, 7])
        # Back, it catches up and follows the leader's log start.
        gone.spawn()
        wait_isr(self.c, "gone", [1, 2, 3])
        wait_for(lambda: log_start(gone, "gone") == 7, 60, "the restarted follower's log start")


if __name__ == "__main__":
    unittest.main()
