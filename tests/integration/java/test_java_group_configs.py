"""Kafka's own kafka-configs (--entity-type groups, kafka-tools 4.4.0) on a three-node eddyd
cluster: a group's config set through one node is a metadata record every node serves, survives
a restart of the whole cluster, and a value beyond the broker's bounds is refused naming the key
(docs/broker.md, group configs)."""

import subprocess
import unittest

from cluster_harness import Cluster, wait_for
from kafka_java import classpath

KEY = "consumer.session.timeout.ms"


class KafkaConfigsOnGroups(unittest.TestCase):
    def tool(self, bootstrap, *args, code=0):
        p = subprocess.run(["java", "-cp", classpath(), "org.apache.kafka.tools.ConfigCommand",
                            "--bootstrap-server", bootstrap, "--entity-type", "groups",
                            "--entity-name", "it-group"] + list(args),
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
        out = p.stdout.decode("utf-8", "replace")
        self.assertEqual(p.returncode, code, out + "\n" + self.c.logs()[-3000:])
        return out

    def described_on_every_node(self, text):
        for node in self.c.nodes.values():
            wait_for(lambda: text in self.tool(node.bootstrap, "--describe", "--all"), 60,
                     "node %d to describe %s" % (node.node_id, text))

    def test_group_configs_replicate_survive_restart_and_are_bounded(self):
        with Cluster(3) as c:
            self.c = c
            self.described_on_every_node(KEY + "=45000")
            self.tool(c.bootstrap, "--alter", "--add-config", KEY + "=50000")
            self.described_on_every_node(KEY + "=50000")
            out = self.tool(c.bootstrap, "--alter", "--add-config", KEY + "=1000", code=1)
            self.assertIn(KEY + " must be in the range 45000 to 60000 inclusive", out)
            for node in c.nodes.values():
                node.stop()
            c.start()
            self.described_on_every_node(KEY + "=50000")
            self.tool(c.bootstrap, "--alter", "--delete-config", KEY)
            self.described_on_every_node(KEY + "=45000")


if __name__ == "__main__":
    unittest.main()
