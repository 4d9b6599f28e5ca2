"""Kafka's Java client and tools (kafka-clients and kafka-tools 4.4.0) as judges of a three-node
eddyd cluster, through ClusterJudge.java: DeleteRecords on an RF=3 topic (the low watermark, each
replica's log start, OFFSET_OUT_OF_RANGE beyond the high watermark); describeTopics /
describeCluster / describeReplicaLogDirs / listPartitionReassignments and
kafka-reassign-partitions --verify/--list/--cancel while a reassignment is in progress;
preferred and unclean leader elections by kafka-leader-election and AdminClient.electLeaders
after nodes went down, with kafka-topics' --unavailable-partitions and
--under-replicated-partitions; an idempotent producer across a kill -9 of the leader. The judge
asks this harness to stop and start nodes and to read each replica's log start from its
partition.checkpoint."""

import unittest

from cluster_harness import Cluster, log_start
from kafka_java import run_judge

# Fenced and out of the ISR within seconds; no automatic leader rebalance during the test.
OVERRIDES = {
    "broker.heartbeat.interval.ms": "300",
    "broker.session.timeout.ms": "3000",
    "replica.lag.time.max.ms": "3000",
    "auto.leader.rebalance.enable": "false",
}

CASES = [
    "admin: delete records on RF=3, every replica's log start",
    "admin: describe calls during a reassignment",
    "kafka-leader-election and admin: preferred",
    "producer: idempotent across a leader kill -9",
    "kafka-leader-election and admin: unclean",
]


class JavaAdminOnCluster(unittest.TestCase):
    def test_java_admin_and_leader_election_tool_against_three_nodes(self):
        with Cluster(3, overrides=OVERRIDES) as c:
            def on_ask(what):
                verb, arg = what.split(" ", 1)
                if verb == "kill9":
                    c.nodes[int(arg)].kill9()
                elif verb == "start":
                    c.nodes[int(arg)].spawn()
                elif verb == "log-starts":
                    return " ".join("%d=%s" % (i, log_start(n, arg))
                                    for i, n in sorted(c.nodes.items()))
                else:
                    raise AssertionError("unknown request from the judge: " + what)
                return "done"
            out = run_judge(self, c.bootstrap, [], CASES, c.logs, main="ClusterJudge",
                            on_ask=on_ask)
            # The cases' progress for the test log (ctest -V).
            print("\n".join(line for line in out.splitlines()
                            if line.startswith(("ok ", "  at ", "ask ", "answered "))))


if __name__ == "__main__":
    unittest.main()
