"""Apache Kafka 4.4.0 as the oracle: DifferentialJudge.java sends the same request sequences to a
real Kafka KRaft node (bench/peers/kafka/kafka_peer.py) and to eddyd and compares the answers
field by field after normalisation. Every difference must be listed in KNOWN below, each with
its reason written in docs/compatibility.md ("Known differences"); any other difference fails.

Both brokers run with group.initial.rebalance.delay.ms 0, so a group's first join answers at once
on both."""

import os
import subprocess
import sys
import unittest

from eddy_harness import Broker
from kafka_java import HERE, REPO

sys.path.insert(0, os.path.join(REPO, "bench", "peers", "kafka"))
from kafka_peer import KafkaNode, classpath  # noqa: E402

# (step, path prefix): the documented differences (docs/compatibility.md).
KNOWN = [
    # ApiVersions ranges differ (the matrix in docs/compatibility.md is this output).
    ("ApiVersions error code", ".apiKeys"),
    # Kafka 4's storage format writes min.insync.replicas as a cluster-level dynamic default.
    ("CreateTopics valid", ".topics[diff-a].configs[min.insync.replicas].configSource"),
    ("CreateTopics for configs", ".topics[diff-cfg].configs[min.insync.replicas].configSource"),
    ("CreateTopics compacted",
     ".topics[diff-compacted].configs[min.insync.replicas].configSource"),
    ("DescribeConfigs topic defaults", ".results[0].configs[min.insync.replicas].configSource"),
    # Eddy's defaults under log.flush.policy=sync: every append fsynced (flush.ms 0), a
    # preallocated segment tail (preallocate true); Kafka's are the page cache and no preallocation.
    ("CreateTopics valid", ".topics[diff-a].configs[flush.ms].value"),
    ("CreateTopics valid", ".topics[diff-a].configs[preallocate].value"),
    ("CreateTopics compacted", ".topics[diff-compacted].configs[flush.ms].value"),
    ("CreateTopics compacted", ".topics[diff-compacted].configs[preallocate].value"),
    ("CreateTopics for configs", ".topics[diff-cfg].configs[flush.ms].value"),
    ("CreateTopics for configs", ".topics[diff-cfg].configs[preallocate].value"),
    ("DescribeConfigs topic defaults", ".results[0].configs[flush.ms].value"),
    ("DescribeConfigs topic defaults", ".results[0].configs[preallocate].value"),
    # Eddy's Produce auto-creates a missing topic (auto.create.topics.enable); Kafka's does not.
    ("Produce unknown topic", ".responses[diff-missing].partitionResponses[0]"),
    # A failed partition's log_start_offset: Kafka -1, Eddy the partition's.
    ("Produce batch above max.message.bytes",
     ".responses[diff-a].partitionResponses[0].logStartOffset"),
    # Fetch: aborted_transactions [] instead of null; offsets of a failed partition filled in.
    ("Fetch from 0", ".responses[0].partitions[0].abortedTransactions"),
    ("Fetch future leader epoch", ".responses[0].partitions[0].abortedTransactions"),
    ("Fetch out of range", ".responses[0].partitions[0]."),
    ("Fetch below the log start offset", ".responses[0].partitions[0]."),
    # ElectLeaders for every partition (a null list) lists every topic, and Eddy has one more:
    # diff-missing, which its Produce auto-created (above).
    ("ElectLeaders preferred every partition", ".replicaElectionResults"),
    ("ElectLeaders unclean every partition", ".replicaElectionResults"),
    # Transactions do not exist: fail fast (docs/compatibility.md).
    ("FindCoordinator transaction", ".coordinators[0].errorCode"),
]


def known(line):
    # "DIFF <step> <path> kafka=... eddy=..."
    body = line[len("DIFF "):]
    for step, prefix in KNOWN:
        if body.startswith(step + " " + prefix):
            return True
    return False


class Differential(unittest.TestCase):
    def test_kafka_and_eddyd_answer_alike(self):
        with KafkaNode(overrides={"group.initial.rebalance.delay.ms": "0"}) as k, Broker() as b:
            p = subprocess.run(["java", "-cp", classpath(),
                                os.path.join(HERE, "DifferentialJudge.java"), k.bootstrap,
                                b.bootstrap], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               timeout=300)
            out = p.stdout.decode("utf-8", "replace")
            context = out[-20000:] + "\n--- eddyd log ---\n" + b.log()[-5000:]
            self.assertEqual(p.returncode, 0, context)
            self.assertRegex(out, r"\n\d+ same, \d+ differ\n", context)
            unknown = [l for l in out.splitlines() if l.startswith("DIFF ") and not known(l)]
            self.assertEqual(unknown, [], context)
            # A group's keys are Kafka's, every one (GroupConfig has nothing Eddy leaves out).
            self.assertEqual([l for l in out.splitlines() if l.startswith("GROUPCONFIG ")], [],
                             context)
            sames = [l for l in out.splitlines() if l.startswith("same ")]
            # The comparisons that must agree: edge-case error codes, every ListOffsets kind,
            # the group state transitions, and the admin calls of a cluster on one node.
            for step in ["CreateTopics existing", "CreateTopics invalid name",
                         "CreateTopics zero partitions",
                         "CreateTopics replication factor above brokers",
                         "CreateTopics invalid config value", "CreateTopics unknown config key",
                         "ListOffsets timestamp -1", "ListOffsets timestamp -2",
                         "ListOffsets timestamp -3", "ListOffsets timestamp -4",
                         "ListOffsets timestamp -5", "ListOffsets future leader epoch",
                         "DescribeConfigs unknown topic", "JoinGroup without member id",
                         "DescribeGroups after join", "DescribeGroups after sync",
                         "Heartbeat with a stale generation", "DescribeGroups after leave",
                         "DeleteRecords beyond the high watermark",
                         "Produce keyless records to a compacted topic",
                         "DescribeCluster", "DescribeLogDirs", "ListPartitionReassignments all",
                         "ListPartitionReassignments diff-a",
                         "ListPartitionReassignments diff-missing-topic",
                         "AlterPartitionReassignments an unknown broker",
                         "AlterPartitionReassignments no replicas",
                         "AlterPartitionReassignments a replica twice",
                         "AlterPartitionReassignments the same replicas",
                         "AlterPartitionReassignments cancel with none in progress",
                         "AlterPartitionReassignments unknown topic",
                         "ElectLeaders preferred", "ElectLeaders preferred unknown partition",
                         "ElectLeaders preferred unknown topic", "ElectLeaders unclean",
                         "ElectLeaders unclean unknown partition",
                         "ElectLeaders unclean unknown topic",
                         "DescribeConfigs group", "DescribeConfigs group empty name",
                         "DescribeConfigs group synonyms",
                         "IncrementalAlterConfigs group set", "DescribeConfigs group after set",
                         "DescribeConfigs group synonyms after set",
                         "IncrementalAlterConfigs group below the broker minimum",
                         "IncrementalAlterConfigs group not a number",
                         "IncrementalAlterConfigs group unknown key",
                         "IncrementalAlterConfigs group unregistered assignor",
                         "IncrementalAlterConfigs group empty name",
                         "IncrementalAlterConfigs group internal key",
                         "DescribeConfigs group after an internal key", "AlterConfigs group",
                         "DescribeConfigs group after AlterConfigs",
                         "IncrementalAlterConfigs group delete",
                         "DescribeConfigs group after delete"]:
                self.assertIn("same " + step, sames, context)


if __name__ == "__main__":
    unittest.main()
