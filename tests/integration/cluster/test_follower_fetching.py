"""Follower fetching for consumers (KIP-392) on three real eddyd processes, each in its own rack
(broker.rack) with replica.selector.class=RackAwareReplicaSelector: a librdkafka consumer with
client.rack set to a follower's rack reads every record of an RF=3 topic from that follower (the
brokers' per-topic bytes-out counters, Kafka's BytesOutPerSec, show which broker sent the records
to consumers: that follower, and not the leader). When that follower stops, the consumer of its
rack goes on from the leader, from its committed offset, with nothing lost or read twice.

librdkafka 2.0.2 (Debian's) goes back to the leader from a preferred replica only when the leader
changes, when the replica answers OFFSET_OUT_OF_RANGE past its high watermark, or after a 5-minute
lease, not when the replica's connection is lost (librdkafka 2.5+ and the Java client do); so the
consumer that read from the stopped follower closes, and a new member of its group resumes.

  cd tests/integration/cluster && EDDYD=../../../build/bin/eddyd PYTHONPATH=../broker:../faults \\
    /usr/bin/python3 -m unittest -v test_follower_fetching
"""

import contextlib
import time
import unittest

from confluent_kafka import Consumer

from cluster_harness import Cluster, scrape, value, wait_for
from test_replication import FAST, AckedProducer, create, partition_state, wait_isr

BYTES_OUT = "kafka_server_brokertopicmetrics_bytesout_total"
RACK_AWARE = "org.apache.kafka.common.replica.RackAwareReplicaSelector"
TOPIC = "racked"


def rack(node_id):
    return "rack-%d" % node_id


def bytes_out(node):
    """Record bytes this node sent to consumers for TOPIC."""
    return value(scrape(node), BYTES_OUT, topic=TOPIC) or 0.0


class FollowerFetchingTest(unittest.TestCase):
    def read(self, consumer, values, want, timeout_s=60):
        """Polls until `want` records in all have been read into `values` (in order)."""
        deadline = time.monotonic() + timeout_s
        while len(values) < want and time.monotonic() < deadline:
            m = consumer.poll(0.5)
            if m is None or m.error():
                continue
            values.append(m.value().decode())
        self.assertEqual(len(values), want, "records read within %ss" % timeout_s)

    def test_consumer_reads_from_the_follower_of_its_rack_then_from_the_leader(self):
        c = Cluster(3, dict(FAST, **{"replica.selector.class": RACK_AWARE}))
        for i, n in c.nodes.items():
            n.overrides["broker.rack"] = rack(i)
        with c:
            create(c.bootstrap, TOPIC)
            wait_isr(c, TOPIC, [1, 2, 3])
            leader, _ = partition_state(c, TOPIC)
            follower = min(i for i in c.nodes if i != leader)
            other = max(i for i in c.nodes if i != leader)

            producer = AckedProducer(c.bootstrap, TOPIC)
            producer.send(0, 2000)
            producer.flush()
            self.assertEqual(producer.failed, 0)

            values = []
            with self.consumer(c, follower) as consumer:
                self.read(consumer, values, 2000)
                consumer.commit(asynchronous=False)
            # Only the follower of the consumer's rack sent it records; the leader answered with
            # the preferred read replica and no records.
            sent = {i: bytes_out(n) for i, n in c.nodes.items()}
            self.assertGreater(sent[follower], 0, sent)
            self.assertEqual(sent[leader], 0, sent)
            self.assertEqual(sent[other], 0, sent)

            # That follower stops. Once it is fenced and out of the ISR the leader no longer
            # names it, and serves the consumer of its rack itself, from the committed offset.
            c.nodes[follower].kill9()
            wait_isr(c, TOPIC, [leader, other])
            producer.send(2000, 1000)
            producer.flush()
            self.assertEqual(producer.failed, 0)
            with self.consumer(c, follower) as consumer:
                self.read(consumer, values, 3000)
            self.assertGreater(bytes_out(c.nodes[leader]), 0)
            self.assertEqual(bytes_out(c.nodes[other]), 0)
            self.assertEqual(values, ["v%07d" % i for i in range(3000)])

    @contextlib.contextmanager
    def consumer(self, c, rack_of):
        """A consumer of group "racked" in node `rack_of`'s rack, subscribed to TOPIC."""
        consumer = Consumer({"bootstrap.servers": c.bootstrap, "group.id": "racked",
                             "client.rack": rack(rack_of), "enable.auto.commit": False,
                             "auto.offset.reset": "earliest"})
        try:
            consumer.subscribe([TOPIC])
            yield consumer
        finally:
            consumer.close()


if __name__ == "__main__":
    unittest.main()
