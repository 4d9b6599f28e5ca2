"""kafka-metadata-quorum (kafka-tools 4.4.0) against a three-node eddyd cluster: describe
--status and --replication through ClientsJudge.java's "quorum" cases."""

import unittest

from cluster_harness import Cluster
from kafka_java import run_judge


class MetadataQuorumTool(unittest.TestCase):
    def test_metadata_quorum_describe_status_and_replication(self):
        with Cluster(3) as c:
            run_judge(self, c.bootstrap, ["quorum"],
                      ["kafka-metadata-quorum describe --status",
                       "kafka-metadata-quorum describe --replication"], c.logs)


if __name__ == "__main__":
    unittest.main()
