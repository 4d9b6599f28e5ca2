"""Kafka's own kafka-configs (--entity-type brokers) and kafka-log-dirs (kafka-tools 4.4.0)
against a three-node eddyd cluster, checked against what eddyctl's `cluster config` and
`logdirs describe` report for the same cluster."""

import json
import os
import subprocess
import sys
import unittest

from cluster_harness import Cluster, wait_for
from kafka_java import classpath

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "cli"))

from cli_harness import eddyctl  # noqa: E402

TOOLS = "org.apache.kafka.tools."


class KafkaToolsOnBrokerConfigs(unittest.TestCase):
    def tool(self, main_class, *args, code=0):
        p = subprocess.run(["java", "-cp", classpath(), TOOLS + main_class,
                            "--bootstrap-server", self.c.bootstrap] + list(args),
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
        out = p.stdout.decode("utf-8", "replace")
        self.assertEqual(p.returncode, code, out + "\n" + self.c.logs()[-3000:])
        return out

    def configs(self, *args):
        r = eddyctl(self.c.bootstrap, "cluster", "config", "get", "--format", "json", *args)
        self.assertEqual(r.code, 0, r)
        return {c["name"]: (c["value"], c["source"]) for c in r.json()["configs"]}

    def test_kafka_configs_and_log_dirs(self):
        with Cluster(3) as c:
            self.c = c
            out = self.tool("ConfigCommand", "--entity-type", "brokers", "--entity-default",
                            "--alter", "--add-config", "log.retention.ms=7200000")
            self.assertIn("Completed updating default config for brokers in the cluster", out)
            # Every broker gets its own value (broker 2 through the tool), so whichever node
            # answers for the cluster-wide resource has a stronger value of its own.
            self.tool("ConfigCommand", "--entity-type", "brokers", "--entity-name", "2",
                      "--alter", "--add-config", "log.retention.ms=3600002")
            for n in (1, 3):
                r = eddyctl(c.bootstrap, "cluster", "config", "set", "--broker", str(n),
                            "log.retention.ms=%d" % (3600000 + n))
                self.assertEqual(r.code, 0, r)
            # The node eddyctl asks may apply the metadata record a moment after the controller.
            wait_for(lambda: self.configs() ==
                     {"log.retention.ms": ("7200000", "DYNAMIC_DEFAULT_BROKER_CONFIG")}, 60,
                     "the cluster default, and nothing else, on the cluster-wide resource")
            wait_for(lambda: self.configs("--broker", "2") ==
                     {"log.retention.ms": ("3600002", "DYNAMIC_BROKER_CONFIG")}, 60,
                     "broker 2's own value")
            out = self.tool("ConfigCommand", "--entity-type", "brokers", "--entity-default",
                            "--describe")
            self.assertIn("log.retention.ms=7200000 sensitive=false synonyms="
                          "{DYNAMIC_DEFAULT_BROKER_CONFIG:log.retention.ms=7200000", out)
            self.assertNotIn("3600002", out)
            out = self.tool("ConfigCommand", "--entity-type", "brokers", "--entity-name", "2",
                            "--describe")
            self.assertIn("log.retention.ms=3600002 sensitive=false synonyms="
                          "{DYNAMIC_BROKER_CONFIG:log.retention.ms=3600002, "
                          "DYNAMIC_DEFAULT_BROKER_CONFIG:log.retention.ms=7200000", out)
            # The tool deletes only what the resource lists as set at that level: the cluster
            # default must be listed as such even by a broker with its own value (failed before).
            self.tool("ConfigCommand", "--entity-type", "brokers", "--entity-default",
                      "--alter", "--delete-config", "log.retention.ms")
            wait_for(lambda: self.configs() == {}, 60, "no cluster default")
            self.tool("ConfigCommand", "--entity-type", "brokers", "--entity-name", "2",
                      "--alter", "--delete-config", "log.retention.ms")
            wait_for(lambda: self.configs("--broker", "2") == {}, 60, "broker 2's value gone")
            self.assertEqual(self.configs("--broker", "1"),
                             {"log.retention.ms": ("3600001", "DYNAMIC_BROKER_CONFIG")})

            r = eddyctl(c.bootstrap, "topic", "create", "judged", "-p", "2", "-r", "3")
            self.assertEqual(r.code, 0, r)
            r = eddyctl(c.bootstrap, "produce", "judged", "-k", ":",
                        stdin="".join("k%d:v%d\n" % (i, i) for i in range(40)))
            self.assertEqual(r.code, 0, r)

            def ours():
                r = eddyctl(c.bootstrap, "logdirs", "describe", "--topic", "judged",
                            "--format", "json")
                self.assertEqual(r.code, 0, r)
                return {(b["broker"], d["path"], "%s-%d" % (x["topic"], x["partition"])):
                        (x["size_bytes"], x["offset_lag"])
                        for b in r.json()["brokers"] for d in b["log_dirs"]
                        for x in d["replicas"]}
            def caught_up():
                m = ours()
                sizes = {}
                for (_, _, tp), (size, _) in m.items():
                    sizes.setdefault(tp, set()).add(size)
                return len(m) == 6 and all(len(v) == 1 and 0 not in v
                                           for v in sizes.values()) and m
            mine = wait_for(caught_up, 60, "six replicas of equal, non-zero size")
            out = self.tool("LogDirsCommand", "--describe", "--topic-list", "judged")
            doc = json.loads([line for line in out.splitlines() if line.startswith("{")][0])
            theirs = {(b["broker"], d["logDir"], p["partition"]): (p["size"], p["offsetLag"])
                      for b in doc["brokers"] for d in b["logDirs"] for p in d["partitions"]}
            self.assertEqual(theirs, mine)


if __name__ == "__main__":
    unittest.main()
