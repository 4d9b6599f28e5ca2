"""After a full restart of the three nodes, a node lists itself (Metadata, DescribeCluster) only
once its new incarnation is registered and unfenced, so that "every node lists every node" (the
cluster harness's wait_formed) means every broker can take a replica: a CreateTopics with
replication factor 3 right after it succeeds. Before, the last node of a full stop (which no
quorum could fence) listed itself from its previous registration as soon as it served, and RF 3
was refused (INVALID_REPLICATION_FACTOR) while it registered again. And while one node is down
(fenced), an RF 3 topic is still created, with a replica on that node as Kafka places it, and
the node joins its ISRs when it returns.

  cd tests/integration/cluster && EDDYD=../../../build/bin/eddyd \\
    PYTHONPATH=../broker /usr/bin/python3 -m unittest -v test_restart_readiness
"""

import signal
import unittest

from confluent_kafka.admin import AdminClient, NewTopic

from cluster_harness import Cluster, wait_for

FAST = {"broker.heartbeat.interval.ms": "300", "broker.session.timeout.ms": "3000"}


class RestartReadinessTest(unittest.TestCase):
    def test_rf3_topic_created_right_after_a_full_restart_is_formed(self):
        with Cluster(3, overrides=FAST) as c:
            for rnd in range(4):
                # Every node at once (a clean stop of the whole cluster): the quorum goes with
                # them, so registrations stay as the last commit left them, unfenced, possibly
                # in controlled shutdown.
                for node in c.nodes.values():
                    node.signal(signal.SIGTERM)
                for node in c.nodes.values():
                    rc = node.proc.wait(timeout=90)
                    node.proc = None
                    self.assertEqual(rc, 0, "node %d on SIGTERM" % node.node_id)
                for node in c.nodes.values():
                    node.spawn()
                c.wait_formed(60)
                admin = AdminClient({"bootstrap.servers": c.bootstrap})
                name = "rf3-%d" % rnd
                for _, f in admin.create_topics([NewTopic(name, 3, 3)],
                                                request_timeout=30).items():
                    f.result()  # INVALID_REPLICATION_FACTOR raises here
                md = admin.list_topics(name, timeout=10)
                for p in md.topics[name].partitions.values():
                    self.assertEqual(sorted(p.replicas), [1, 2, 3])


    def test_rf3_topic_created_while_a_broker_is_down_is_placed_on_it_and_it_rejoins(self):
        # Kafka's StripedReplicaPlacer places replicas on fenced brokers too (never as leader):
        # the topic is born under-replicated and complete once the broker is back
        # (docs/controller.md, "Placement on fenced brokers").
        with Cluster(3, overrides=FAST) as c:
            down = next(i for i in c.nodes if i != c.controller_id())
            up = [i for i in c.nodes if i != down]
            c.nodes[down].kill9()
            wait_for(lambda: all(down not in c.nodes[i].metadata().brokers for i in up), 30,
                     "node %d to be fenced" % down)
            admin = AdminClient({"bootstrap.servers": ",".join(c.nodes[i].bootstrap for i in up)})
            for _, f in admin.create_topics([NewTopic("born-urp", 3, 3)],
                                            request_timeout=30).items():
                f.result()
            md = admin.list_topics("born-urp", timeout=10)
            for p in md.topics["born-urp"].partitions.values():
                self.assertEqual(sorted(p.replicas), [1, 2, 3])
                self.assertIn(p.leader, up)
                self.assertNotIn(down, p.isrs)
            c.nodes[down].spawn()

            def complete():
                md = c.nodes[up[0]].metadata().topics["born-urp"].partitions.values()
                return all(sorted(p.isrs) == [1, 2, 3] for p in md)
            wait_for(complete, 60, "node %d to join every ISR of born-urp" % down)


if __name__ == "__main__":
    unittest.main()
