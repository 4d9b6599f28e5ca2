"""eddyctl cluster config (dynamic broker configs) and logdirs describe against a three-node
eddyd cluster: cluster-wide defaults and per-broker values, what every node reports, refusals,
values that take effect without a restart and survive one, and per-broker log dir contents."""

import os
import sys
import unittest

from cli_harness import eddyctl

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cluster"))

from cluster_harness import Cluster, wait_for  # noqa: E402

ERROR, USAGE, NOT_FOUND = 1, 2, 4
WAIT_S = 60


class ClusterAdmin(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # Retention is checked often so that a dynamic retention change shows within the test.
        cls.cluster = Cluster(3, overrides={"log.retention.check.interval.ms": "200"})
        cls.cluster.__enter__()
        cls.b = cls.cluster.bootstrap

    @classmethod
    def tearDownClass(cls):
        cls.cluster.__exit__(None, None, None)

    def ctl(self, *args, bootstrap=None, code=0, stdin=None):
        r = eddyctl(bootstrap or self.b, *args, stdin=stdin)
        self.assertEqual(r.code, code, "%r\n%s" % (r, self.cluster.logs()[-3000:]))
        return r

    def configs(self, *args, bootstrap=None):
        j = self.ctl("cluster", "config", "get", "--format", "json", *args,
                     bootstrap=bootstrap).json()
        return {c["name"]: c for c in j["configs"]}

    def broker_value(self, node, key):
        c = self.configs("--broker", str(node), key)[key]
        return c["value"], c["source"]

    def wait_value(self, node, key, want):
        wait_for(lambda: self.broker_value(node, key) == want, WAIT_S,
                 "broker %d %s == %r" % (node, key, want))

    def tearDown(self):
        # Each test leaves no dynamic config behind.
        for target in [[]] + [["--broker", str(n)] for n in self.cluster.nodes]:
            keys = self.configs(*target).keys() if not target else [
                k for k, c in self.configs(*target).items()
                if c["source"] == "DYNAMIC_BROKER_CONFIG"]
            if keys:
                self.ctl("cluster", "config", "delete", *target, *keys)

    def test_cluster_default_and_per_broker_values(self):
        self.assertEqual(self.configs(), {})
        r = self.ctl("cluster", "config", "set", "log.retention.ms=7200000")
        self.assertIn("SET", r.out)
        for n in self.cluster.nodes:
            self.wait_value(n, "log.retention.ms", ("7200000", "DYNAMIC_DEFAULT_BROKER_CONFIG"))
        self.ctl("cluster", "config", "set", "--broker", "2", "log.retention.ms=3600000")
        self.wait_value(2, "log.retention.ms", ("3600000", "DYNAMIC_BROKER_CONFIG"))
        self.assertEqual(self.broker_value(1, "log.retention.ms"),
                         ("7200000", "DYNAMIC_DEFAULT_BROKER_CONFIG"))
        synonyms = self.configs("--broker", "2", "log.retention.ms")["log.retention.ms"]["synonyms"]
        self.assertEqual([(s["source"], s["value"]) for s in synonyms][:2],
                         [("DYNAMIC_BROKER_CONFIG", "3600000"),
                          ("DYNAMIC_DEFAULT_BROKER_CONFIG", "7200000")])
        # The cluster-wide resource lists the cluster default only, even when asked of broker 2,
        # whose own value is stronger (before, broker 2 answered with its own value and every
        # other key).
        node2 = self.cluster.nodes[2].bootstrap
        wide = self.configs(bootstrap=node2)
        self.assertEqual(list(wide), ["log.retention.ms"])
        self.assertEqual((wide["log.retention.ms"]["value"], wide["log.retention.ms"]["source"]),
                         ("7200000", "DYNAMIC_DEFAULT_BROKER_CONFIG"))
        # Without --all a broker shows the dynamic values in effect there; --all every key.
        self.assertEqual(list(self.configs("--broker", "1")), ["log.retention.ms"])
        everything = self.configs("--broker", "1", "--all")
        self.assertEqual(everything["num.io.threads"]["dynamic"], False)
        self.assertEqual(everything["log.segment.bytes"]["dynamic"], True)
        table = self.ctl("cluster", "config", "get", "--broker", "2").out
        self.assertIn("DYNAMIC_BROKER_CONFIG", table)
        self.assertIn("3600000", table)
        # A topic without its own value inherits each broker's value; DescribeConfigs of the
        # topic reports the value of the broker asked, as in Kafka.
        self.ctl("topic", "create", "inherits", "-p", "1", "-r", "3")
        for node, want in [(1, ("7200000", "DYNAMIC_DEFAULT_BROKER_CONFIG")),
                           (2, ("3600000", "DYNAMIC_BROKER_CONFIG"))]:
            topic = self.ctl("topic", "describe", "inherits", "--all-configs", "--format", "json",
                             bootstrap=self.cluster.nodes[node].bootstrap).json()
            retention = {c["name"]: c for c in topic["configs"]}["retention.ms"]
            self.assertEqual((retention["value"], retention["source"]), want)
        self.ctl("cluster", "config", "delete", "--broker", "2", "log.retention.ms")
        self.wait_value(2, "log.retention.ms", ("7200000", "DYNAMIC_DEFAULT_BROKER_CONFIG"))
        self.ctl("cluster", "config", "delete", "log.retention.ms")
        for n in self.cluster.nodes:
            self.wait_value(n, "log.retention.ms", ("604800000", "DEFAULT_CONFIG"))
        self.assertEqual(self.configs(), {})

    def test_refusals(self):
        r = self.ctl("cluster", "config", "set", "num.io.threads=4", code=ERROR)
        self.assertIn("num.io.threads", r.err)
        self.assertIn("read-only", r.err)
        self.assertIn("FAILED", r.out)
        r = self.ctl("cluster", "config", "set", "--broker", "1", "log.retention.ms=soon",
                     code=ERROR)
        self.assertIn("log.retention.ms", r.err)
        r = self.ctl("cluster", "config", "set", "log.segment.bytes=100", code=ERROR)
        self.assertIn("log.segment.bytes", r.err)
        r = self.ctl("cluster", "config", "set", "no.such.key=1", code=ERROR)
        self.assertIn("no.such.key", r.err)
        r = self.ctl("cluster", "config", "set", "--broker", "9", "log.retention.ms=1",
                     code=NOT_FOUND)
        self.assertIn("broker 9", r.err)
        self.ctl("cluster", "config", "set", "log.retention.ms", code=USAGE)
        self.ctl("cluster", "config", "get", "--all", code=USAGE)
        r = self.ctl("cluster", "config", "get", "--broker", "1", "no.such.key", code=NOT_FOUND)
        self.assertIn("no.such.key", r.err)
        r = self.ctl("cluster", "config", "set", "--validate-only", "log.retention.ms=60000",
                     "--format", "json")
        self.assertEqual(r.json()["status"], "VALID")
        self.assertEqual(self.configs(), {})
        help_text = self.ctl("cluster", "config", "--help").out
        for sub in ["cluster config get", "cluster config set", "cluster config delete"]:
            self.assertIn(sub, help_text)

    def test_dynamic_retention_applies_without_restart(self):
        self.ctl("topic", "create", "shrinks", "-p", "1", "-r", "3")
        # Every append rolls a segment (the cluster default for segment.ms), so the earlier
        # records sit in sealed segments that retention may delete.
        self.ctl("cluster", "config", "set", "log.roll.ms=1")
        for n in self.cluster.nodes:
            self.wait_value(n, "log.roll.ms", ("1", "DYNAMIC_DEFAULT_BROKER_CONFIG"))
        for i in range(3):
            self.ctl("produce", "shrinks", stdin="record-%d\n" % i)

        def log_start():
            j = self.ctl("topic", "describe", "shrinks", "--format", "json").json()
            return j["partitions"][0]["log_start_offset"]
        self.assertEqual(log_start(), 0)
        self.ctl("cluster", "config", "set", "log.retention.ms=1")
        wait_for(lambda: log_start() > 0, WAIT_S, "retention to delete the sealed segments")

    def test_configs_survive_a_restart_of_every_node(self):
        self.ctl("cluster", "config", "set", "log.segment.bytes=2097152")
        self.ctl("cluster", "config", "set", "--broker", "3", "log.retention.bytes=1048576")
        self.wait_value(3, "log.retention.bytes", ("1048576", "DYNAMIC_BROKER_CONFIG"))
        for node in self.cluster.nodes.values():
            node.stop()
        for node in self.cluster.nodes.values():
            node.spawn()
        self.cluster.wait_formed(WAIT_S)
        # Every broker active again in the controller's view (unfenced, out of controlled
        # shutdown), so that the next test can place replicas on all three.
        wait_for(lambda: eddyctl(self.b, "topic", "create", "probe", "-r", "3",
                                 "--validate-only").code == 0, WAIT_S, "three active brokers")
        for n in self.cluster.nodes:
            self.wait_value(n, "log.segment.bytes", ("2097152", "DYNAMIC_DEFAULT_BROKER_CONFIG"))
        self.assertEqual(self.broker_value(3, "log.retention.bytes"),
                         ("1048576", "DYNAMIC_BROKER_CONFIG"))
        self.assertEqual(self.broker_value(1, "log.retention.bytes"), ("-1", "DEFAULT_CONFIG"))

    def test_logdirs_describe(self):
        self.ctl("topic", "create", "dirs", "-p", "2", "-r", "3")
        self.ctl("topic", "create", "other", "-p", "1", "-r", "1")
        self.ctl("produce", "dirs", "-k", ":",
                 stdin="".join("k%d:line-%d\n" % (i, i) for i in range(50)))

        def described(*args):
            return self.ctl("logdirs", "describe", "--format", "json", *args).json()

        def replicas_filled():
            j = described("--topic", "dirs")
            return all(r["size_bytes"] > 0 for b in j["brokers"] for d in b["log_dirs"]
                       for r in d["replicas"]) and j
        j = wait_for(replicas_filled, WAIT_S, "every replica of 'dirs' to hold data")
        self.assertEqual([b["broker"] for b in j["brokers"]], [1, 2, 3])
        total = 0
        for b in j["brokers"]:
            self.assertIsNone(b["error"])
            self.assertEqual(len(b["log_dirs"]), 1)
            d = b["log_dirs"][0]
            self.assertIsNone(d["error"])
            self.assertEqual([(r["topic"], r["partition"]) for r in d["replicas"]],
                             [("dirs", 0), ("dirs", 1)])
            self.assertEqual(d["size_bytes"], sum(r["size_bytes"] for r in d["replicas"]))
            self.assertEqual(b["size_bytes"], d["size_bytes"])
            self.assertTrue(all(r["offset_lag"] == 0 for r in d["replicas"]), d)
            self.assertGreater(d["total_bytes"], 0)
            self.assertGreaterEqual(d["total_bytes"], d["usable_bytes"])
            self.assertTrue(d["path"].startswith(self.cluster.nodes[b["broker"]].dir), d)
            total += b["size_bytes"]
        self.assertEqual(j["size_bytes"], total)
        # Without --topic every partition is listed: 'other' lives on one broker only.
        everything = described()
        holders = [b["broker"] for b in everything["brokers"] for d in b["log_dirs"]
                   for r in d["replicas"] if r["topic"] == "other"]
        self.assertEqual(len(holders), 1)
        one = described("--broker", "2", "--topic", "dirs")
        self.assertEqual([b["broker"] for b in one["brokers"]], [2])
        table = self.ctl("logdirs", "describe", "--topic", "dirs").out
        for word in ["BROKER", "LOG DIR", "OFFSET LAG", "USABLE", "TOTAL: 6 replicas"]:
            self.assertIn(word, table)
        r = self.ctl("logdirs", "describe", "--topic", "no-such-topic", code=NOT_FOUND)
        self.assertIn("no-such-topic", r.err)
        r = self.ctl("logdirs", "describe", "--broker", "7", code=NOT_FOUND)
        self.assertIn("broker 7", r.err)


if __name__ == "__main__":
    unittest.main()
