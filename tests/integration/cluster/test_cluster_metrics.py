"""The replication gauges operators alert on (docs/metrics.md, "Cluster"), scraped from the admin
listeners of three real eddyd nodes: with every replica in sync they are all 0; once one node
stops, the others report every partition it held as under-replicated (per partition on its
leader, and the broker totals), at min.insync.replicas, the ISR shrinks, and the controller
counts the partition whose only replica it held as offline; once it is back and caught up, they
return to 0 and the ISR expansions are counted.

  cd tests/integration/cluster && EDDYD=../../../build/bin/eddyd PYTHONPATH=../broker \\
    /usr/bin/python3 -m unittest -v test_cluster_metrics
"""

import unittest

from confluent_kafka.admin import AdminClient, NewTopic

from cluster_harness import Cluster, scrape, value, wait_for

# Short sessions and a short replica lag bound: a stopped node leaves the ISRs within seconds.
FAST = {
    "broker.heartbeat.interval.ms": "300",
    "broker.session.timeout.ms": "3000",
    "replica.lag.time.max.ms": "3000",
}
PARTITIONS = 3


def create(bootstrap, topic):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for _, f in admin.create_topics([topic], request_timeout=30).items():
        f.result()


class ClusterMetricsTest(unittest.TestCase):
    def gauges(self, c):
        """Per running node: its totals, its per-partition under-replicated and at-min-ISR flags
        of topic urp, and whether it is the active controller."""
        out = {}
        for i, n in c.nodes.items():
            if not n.alive():
                continue
            s = scrape(n)
            total = {k: value(s, "kafka_server_replicamanager_" + k) for k in (
                "underreplicatedpartitions", "underminisrpartitioncount",
                "atminisrpartitioncount", "leadercount", "partitioncount")}
            total["offline"] = value(s, "kafka_controller_kafkacontroller_offlinepartitionscount")
            total["active"] = value(s, "kafka_controller_kafkacontroller_activecontrollercount")
            total["shrinks"] = value(s, "kafka_server_replicamanager_isrshrinks_total")
            total["expands"] = value(s, "kafka_server_replicamanager_isrexpands_total")
            for name in ("underreplicated", "atminisr", "underminisr", "insyncreplicascount"):
                total[name] = [value(s, "kafka_cluster_partition_" + name, topic="urp",
                                     partition=p) for p in range(PARTITIONS)]
            out[i] = total
        return out

    def wait_gauges(self, c, pred, what):
        last = {}

        def ok():
            last["g"] = self.gauges(c)
            return pred(last["g"])
        try:
            wait_for(ok, 60, what)
        except AssertionError as e:
            raise AssertionError("%s; gauges: %r" % (e, last.get("g"))) from None
        return last["g"]

    def test_a_stopped_node_shows_as_under_replicated_on_the_others_until_it_is_back(self):
        with Cluster(3, overrides=FAST) as c:
            controller = c.controller_id()
            down = next(i for i in c.nodes if i != controller)
            create(c.bootstrap, NewTopic("urp", PARTITIONS, 3,
                                         config={"min.insync.replicas": "2"}))
            create(c.bootstrap, NewTopic("solo", 1, replica_assignment=[[down]]))

            def in_sync(g):
                return (len(g) == 3 and all(
                    n["underreplicatedpartitions"] == 0 and
                    # solo's one replica is its min.insync.replicas (1): at min ISR, as in Kafka
                    n["atminisrpartitioncount"] == (i == down) and
                    n["partitioncount"] == PARTITIONS + (i == down) and
                    n["underreplicated"] == [0] * PARTITIONS and
                    n["atminisr"] == [0] * PARTITIONS for i, n in g.items()) and
                    sum(n["leadercount"] for n in g.values()) == PARTITIONS + 1 and
                    sum(sum(n["insyncreplicascount"]) for n in g.values()) == 3 * PARTITIONS and
                    sum(n["offline"] for n in g.values()) == 0)
            before = self.wait_gauges(c, in_sync, "every replica in sync")
            led_by_others = PARTITIONS - sum(x == 3 for x in before[down]["insyncreplicascount"])
            shrinks_before = sum(n["shrinks"] for n in before.values())

            c.nodes[down].stop()

            def under_replicated(g):
                # Each partition of urp is reported by exactly one node: its (new) leader.
                per_partition = [sum(n["underreplicated"][p] for n in g.values())
                                 for p in range(PARTITIONS)]
                at_min = [sum(n["atminisr"][p] for n in g.values()) for p in range(PARTITIONS)]
                return (per_partition == [1] * PARTITIONS and at_min == [1] * PARTITIONS and
                        sum(n["underreplicatedpartitions"] for n in g.values()) == PARTITIONS and
                        sum(n["atminisrpartitioncount"] for n in g.values()) == PARTITIONS and
                        sum(n["underminisrpartitioncount"] for n in g.values()) == 0 and
                        all(n["underminisr"] == [0] * PARTITIONS for n in g.values()) and
                        sum(n["offline"] for n in g.values()) == 1 and
                        # Exactly one node reports itself the active controller; not necessarily
                        # the first one: on a loaded machine leadership can move meanwhile.
                        [n["active"] for n in g.values()].count(1) == 1 and
                        sum(n["active"] for n in g.values()) == 1 and
                        sum(n["shrinks"] for n in g.values()) >= shrinks_before + led_by_others)
            during = self.wait_gauges(c, under_replicated, "the stopped node's partitions to be "
                                      "under-replicated on the others")
            expands_during = sum(n["expands"] for n in during.values())

            c.nodes[down].spawn()

            def recovered(g):
                return (in_sync(g) and
                        sum(n["expands"] for n in g.values()) >= expands_during + 1)
            self.wait_gauges(c, recovered, "the gauges to return to 0 once the node is back")


if __name__ == "__main__":
    unittest.main()
