"""Kafka's own kafka-reassign-partitions (kafka-tools, the pinned release of bench/peers/kafka,
fetched and cached under build/kafka) with a replication throttle, against three eddyd nodes:
`--execute --throttle N` sets the rates on every broker taking part and the moved topic's
throttled-replica lists, which DescribeConfigs then shows; the new replica catches up under the
throttle; `--verify` reports the move complete and clears every key it set.

  cd tests/integration/cluster && EDDYD=../../../build/bin/eddyd \\
    EDDYCTL=../../../build/bin/eddyctl PYTHONPATH=../broker:../faults /usr/bin/python3 \\
    -m unittest -v test_kafka_reassign_throttle
"""

import os
import subprocess
import sys
import unittest

from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic

from cluster_harness import Cluster, wait_for
from test_controller_ops import write_plan
from test_replication import log_bytes, wait_isr
from test_replication_throttle import OVERRIDES, RATE_KEYS, THROTTLE_KEYS, described, fill

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "bench", "peers", "kafka"))
from kafka_peer import classpath  # noqa: E402

TOOL = "org.apache.kafka.tools.reassign.ReassignPartitionsCommand"
RATE = 512 * 1024


def reassign_tool(bootstrap, *args):
    p = subprocess.run(["java", "-cp", classpath(), TOOL, "--bootstrap-server", bootstrap] +
                       list(args), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=180)
    return p.returncode, p.stdout.decode("utf-8", "replace")


class KafkaReassignThrottleTest(unittest.TestCase):
    def test_kafka_reassign_partitions_throttle_then_verify(self):
        with Cluster(3, overrides=OVERRIDES) as c:
            admin = AdminClient({"bootstrap.servers": c.bootstrap})
            for _, f in admin.create_topics([NewTopic("moved", 1, replica_assignment=[[1, 2]])],
                                            request_timeout=30).items():
                f.result()
            wait_isr(c, "moved", [1, 2])
            fill(c.bootstrap, "moved")

            plan = write_plan([("moved", 0, [1, 2, 3])])
            rc, out = reassign_tool(c.bootstrap, "--reassignment-json-file", plan, "--execute",
                                    "--throttle", str(RATE))
            self.assertEqual(rc, 0, out)
            self.assertIn("The inter-broker throttle limit was set to %d B/s" % RATE, out)
            for b in ("1", "2", "3"):
                broker = described(admin, ConfigResource(ConfigResource.Type.BROKER, b))
                for k in RATE_KEYS:
                    self.assertEqual(broker[k].value, str(RATE), "%s on broker %s" % (k, b))
            topic = described(admin, ConfigResource(ConfigResource.Type.TOPIC, "moved"))
            self.assertEqual(topic["leader.replication.throttled.replicas"].value, "0:1,0:2")
            self.assertEqual(topic["follower.replication.throttled.replicas"].value, "0:3")

            def verified():
                rc, out = reassign_tool(c.bootstrap, "--reassignment-json-file", plan, "--verify")
                self.assertEqual(rc, 0, out)
                return "Clearing broker-level throttles" in out and out
            out = wait_for(verified, 240, "kafka-reassign-partitions --verify to complete")
            self.assertIn("Reassignment of partition moved-0 is completed", out)
            wait_isr(c, "moved", [1, 2, 3])
            wait_for(lambda: log_bytes(c.nodes[3], "moved") == log_bytes(c.nodes[1], "moved"),
                     30, "broker 3's copy to equal the leader's")
            for b in ("1", "2", "3"):
                broker = described(admin, ConfigResource(ConfigResource.Type.BROKER, b))
                for k in RATE_KEYS:
                    self.assertEqual(broker[k].value, "9223372036854775807", k)
            topic = described(admin, ConfigResource(ConfigResource.Type.TOPIC, "moved"))
            for k in THROTTLE_KEYS:
                self.assertEqual(topic[k].value, "", k)


if __name__ == "__main__":
    unittest.main()
