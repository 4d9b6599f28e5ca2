"""Kafka's cluster tools (kafka-tools 4.4.0) against a three-node eddyd cluster, through
ClientsJudge.java's "quorum" cases: kafka-metadata-quorum describe --status and --replication,
kafka-topics with replication factor 3, kafka-leader-election and kafka-reassign-partitions."""

import unittest

from cluster_harness import Cluster
from kafka_java import run_judge


class MetadataQuorumTool(unittest.TestCase):
    def test_quorum_topics_leader_election_and_reassignment_tools(self):
        with Cluster(3) as c:
            run_judge(self, c.bootstrap, ["quorum"],
                      ["kafka-metadata-quorum describe --status",
                       "kafka-metadata-quorum describe --replication",
                       "kafka-topics --create --replication-factor 3, --describe until the ISR "
                       "holds all three",
                       "kafka-leader-election --election-type PREFERRED",
                       "kafka-reassign-partitions --execute, --verify, --list"], c.logs)


if __name__ == "__main__":
    unittest.main()
