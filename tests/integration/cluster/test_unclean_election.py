"""Unclean leader election on three real eddyd processes: with the only ISR member of a partition
down, a live replica outside the ISR becomes its leader only when unclean.leader.election.enable
is set for its topic, and then the records acknowledged since it fell behind are lost (what
docs/broker.md promises); `eddyctl leader elect --unclean` (kafka-leader-election
--election-type unclean) elects one for a topic without the setting.

Nodes 1 (the leader), 2 (the replica that falls behind) and 3 (controller quorum only): two of
three stay up at each step, so the controller quorum always has a majority.

  cd tests/integration/cluster && EDDYD=../../../build/bin/eddyd \\
    EDDYCTL=../../../build/bin/eddyctl PYTHONPATH=../broker:../faults \\
    /usr/bin/python3 -m unittest -v test_unclean_election
"""

import unittest

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from cluster_harness import Cluster, eddyctl, wait_for

FAST = {
    "broker.heartbeat.interval.ms": "300",
    "broker.session.timeout.ms": "3000",
    "replica.lag.time.max.ms": "3000",
}
LEADER, BEHIND, OTHER = 1, 2, 3



def create(bootstrap, name, configs):
    """Replicas [LEADER, BEHIND], once both brokers are unfenced (INVALID_REPLICA_ASSIGNMENT or
    INVALID_REPLICATION_FACTOR until then)."""
    admin = AdminClient({"bootstrap.servers": bootstrap})

    def attempt():
        topic = NewTopic(name, 1, replica_assignment=[[LEADER, BEHIND]], config=configs)
        try:
            admin.create_topics([topic], request_timeout=30)[name].result()
            return True
        except KafkaException as e:
            if e.args[0].code() == KafkaError.TOPIC_ALREADY_EXISTS:
                return True
            if e.args[0].code() in (KafkaError.INVALID_REPLICATION_FACTOR,
                                    KafkaError.INVALID_REPLICA_ASSIGNMENT,
                                    KafkaError.BROKER_NOT_AVAILABLE):
                return False
            raise
    wait_for(attempt, 60, "topic %s to be created" % name)


def state(node, topic):
    """(leader, isr) of partition 0 in `node`'s own metadata."""
    p = node.metadata(timeout_s=3).topics[topic].partitions[0]
    return p.leader, sorted(p.isrs)


def produce(bootstrap, topic, first, count):
    p = Producer({"bootstrap.servers": bootstrap, "acks": "all"})
    for i in range(first, first + count):
        p.produce(topic, b"v%d" % i)
    if p.flush(60):
        raise AssertionError("records not acknowledged")


def watermarks(bootstrap, topic):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "unclean-reader"})
    try:
        return c.get_watermark_offsets(TopicPartition(topic, 0), timeout=30)
    finally:
        c.close()


class UncleanElectionTest(unittest.TestCase):
    def test_an_out_of_sync_replica_leads_only_when_unclean_election_is_enabled(self):
        with Cluster(3, overrides=FAST) as c:
            other = c.nodes[OTHER]
            create(c.bootstrap, "unclean", {"unclean.leader.election.enable": "true"})
            create(c.bootstrap, "clean", {})
            for t in ("unclean", "clean"):
                wait_for(lambda: state(other, t) == (LEADER, [LEADER, BEHIND]), 60,
                         "%s to be in sync on both replicas" % t)
                produce(c.bootstrap, t, 0, 3)
            # BEHIND stops and leaves the ISR; acknowledged records follow that it never had.
            c.nodes[BEHIND].kill9()
            for t in ("unclean", "clean"):
                wait_for(lambda: state(other, t) == (LEADER, [LEADER]), 60,
                         "%s's ISR to shrink to the leader" % t)
                produce(c.nodes[LEADER].bootstrap, t, 3, 5)
            # The only ISR member goes; BEHIND comes back (with OTHER, a controller majority).
            c.nodes[LEADER].kill9()
            c.nodes[BEHIND].spawn()
            wait_for(lambda: state(other, "unclean") == (BEHIND, [BEHIND]), 90,
                     "BEHIND to lead the topic that allows unclean election")
            # Both topics' partitions are decided in the same metadata batches.
            self.assertEqual(state(other, "clean"), (-1, [LEADER]))
            # What an unclean election loses: the records acknowledged while BEHIND was away.
            bootstrap = ",".join(c.nodes[i].bootstrap for i in (BEHIND, OTHER))
            self.assertEqual(watermarks(bootstrap, "unclean"), (0, 3))
            # kafka-leader-election --election-type unclean, for the other topic.
            code, out, err = eddyctl("-b", bootstrap, "leader", "elect", "--unclean", "clean")
            self.assertEqual(code, 0, out + err)
            wait_for(lambda: state(other, "clean") == (BEHIND, [BEHIND]), 30,
                     "BEHIND to lead after the unclean ElectLeaders")
            self.assertEqual(watermarks(bootstrap, "clean"), (0, 3))


if __name__ == "__main__":
    unittest.main()
