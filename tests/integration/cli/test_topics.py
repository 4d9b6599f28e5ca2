"""eddyctl cluster and topic commands against a real eddyd."""

import os
import re
import unittest
import urllib.request

from cli_harness import CliTestCase, eddyctl

USAGE, ERROR, NOT_FOUND = 2, 1, 4


class TopicCommands(CliTestCase):
    overrides = {"num.partitions": "2"}

    def test_help_lists_every_command_group(self):
        r = eddyctl(None, "--help")
        self.assertEqual(r.code, 0, r)
        for word in ["cluster info", "topic create", "group reset-offsets", "perf produce",
                     "consume", "Exit codes"]:
            self.assertIn(word, r.out)

    def test_command_help_shows_options(self):
        r = eddyctl(None, "topic", "create", "--help")
        self.assertEqual(r.code, 0, r)
        self.assertIn("--replication-factor", r.out)
        self.assertIn("--bootstrap", r.out)

    def test_unknown_command_is_usage_error(self):
        r = eddyctl(self.b, "topic", "frobnicate")
        self.assertEqual(r.code, USAGE, r)

    def test_unknown_option_is_usage_error(self):
        r = eddyctl(self.b, "topic", "list", "--bogus")
        self.assertEqual(r.code, USAGE, r)
        self.assertIn("unknown option '--bogus'", r.err)

    def test_unreachable_broker_fails_within_timeout(self):
        self.assert_unreachable("topic", "list")

    def test_bootstrap_from_environment(self):
        env = dict(os.environ, EDDY_BOOTSTRAP=self.b)
        r = eddyctl(None, "cluster", "info", "--format", "json", env=env)
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.json()["brokers"][0]["port"], self.broker.port)

    def test_cluster_info_table_and_json(self):
        r = self.run_ok("cluster", "info")
        self.assertIn("CLUSTER ID:", r.out)
        self.assertIn("NODE", r.out)
        j = self.run_ok("cluster", "info", "--format", "json").json()
        self.assertTrue(j["cluster_id"])
        self.assertEqual([b["node_id"] for b in j["brokers"]], [1])
        self.assertEqual(j["controller_id"], 1)

    def test_cluster_health_reports_healthy(self):
        j = self.run_ok("cluster", "health", "--format", "json").json()
        self.assertTrue(j["healthy"])
        self.assertEqual(j["unreachable_brokers"], [])

    def test_create_list_describe_delete(self):
        self.run_ok("topic", "create", "t-cycle", "-p", "3", "-c", "retention.ms=3600000")
        listed = self.run_ok("topic", "list", "--format", "json").json()
        self.assertIn({"name": "t-cycle", "partitions": 3, "replication_factor": 1,
                       "internal": False}, listed)
        self.assertIn("t-cycle", self.run_ok("topic", "list").out)
        d = self.run_ok("topic", "describe", "t-cycle", "--format", "json").json()
        self.assertEqual([p["partition"] for p in d["partitions"]], [0, 1, 2])
        self.assertEqual(d["partitions"][0]["leader"], 1)
        self.assertEqual(d["partitions"][0]["isr"], [1])
        self.assertEqual(d["partitions"][0]["log_end_offset"], 0)
        self.assertIn({"name": "retention.ms", "value": "3600000",
                       "source": "DYNAMIC_TOPIC_CONFIG", "read_only": False,
                       "sensitive": False}, d["configs"])
        table = self.run_ok("topic", "describe", "t-cycle").out
        self.assertIn("LOG-END", table)
        self.assertIn("retention.ms", table)
        self.run_ok("topic", "delete", "t-cycle")
        names = [t["name"] for t in self.run_ok("topic", "list", "--format", "json").json()]
        self.assertNotIn("t-cycle", names)

    def test_describe_a_compacted_topic_shows_the_cleaners_dirty_ratio(self):
        self.run_ok("topic", "create", "t-compact", "-p", "2", "-c", "cleanup.policy=compact")
        self.run_ok("topic", "create", "t-plain", "-p", "1")
        # The leader's gauge, read straight from its admin listener, is what eddyctl shows.
        with urllib.request.urlopen(self.broker.admin_url + "/metrics", timeout=10) as r:
            exposition = r.read().decode()
        expected = {}
        for m in re.finditer(r'^eddy_log_cleaner_dirty_ratio\{topic="t-compact",'
                             r'partition="(\d+)"\} (\S+)$', exposition, re.M):
            expected[int(m.group(1))] = float(m.group(2))
        self.assertEqual(sorted(expected), [0, 1], exposition)
        d = self.run_ok("topic", "describe", "t-compact", "--format", "json").json()
        got = {p["partition"]: p["cleaner_dirty_ratio"] for p in d["partitions"]}
        self.assertEqual(got, expected)
        table = self.run_ok("topic", "describe", "t-compact").out
        self.assertIn("DIRTY", table)
        self.assertRegex(table, r"\n0 +1 .* \d\.\d{3}\n")
        # Not compacted: no cleaner, no column, null in JSON.
        plain = self.run_ok("topic", "describe", "t-plain", "--format", "json").json()
        self.assertIsNone(plain["partitions"][0]["cleaner_dirty_ratio"])
        self.assertNotIn("DIRTY", self.run_ok("topic", "describe", "t-plain").out)

    def test_create_uses_broker_default_partitions(self):
        self.run_ok("topic", "create", "t-default")
        d = self.run_ok("topic", "describe", "t-default", "--format", "json").json()
        self.assertEqual(len(d["partitions"]), 2)

    def test_create_existing_topic_names_error_code(self):
        self.run_ok("topic", "create", "t-dup")
        r = eddyctl(self.b, "topic", "create", "t-dup")
        self.assertEqual(r.code, ERROR, r)
        self.assertIn("TOPIC_ALREADY_EXISTS (36)", r.err)
        self.assertIn("hint:", r.err)
        self.run_ok("topic", "create", "t-dup", "--if-not-exists")

    def test_create_with_bad_config_value_fails(self):
        r = eddyctl(self.b, "topic", "create", "t-badcfg", "-c", "retention.ms=soon")
        self.assertEqual(r.code, ERROR, r)
        self.assertIn("INVALID_CONFIG", r.err)

    def test_create_with_malformed_config_is_usage_error(self):
        r = eddyctl(self.b, "topic", "create", "t-malformed", "-c", "retention.ms")
        self.assertEqual(r.code, USAGE, r)

    def test_describe_unknown_topic_is_not_found(self):
        r = eddyctl(self.b, "topic", "describe", "no-such-topic")
        self.assertEqual(r.code, NOT_FOUND, r)
        self.assertIn("UNKNOWN_TOPIC_OR_PARTITION (3)", r.err)

    def test_delete_unknown_topic(self):
        r = eddyctl(self.b, "topic", "delete", "no-such-topic")
        self.assertEqual(r.code, NOT_FOUND, r)
        self.run_ok("topic", "delete", "no-such-topic", "--if-exists")

    def test_alter_config_set_and_delete(self):
        self.run_ok("topic", "create", "t-alter", "-p", "1")
        self.run_ok("topic", "alter-config", "t-alter", "--set", "retention.ms=120000",
                    "--set", "cleanup.policy=compact")
        configs = self.run_ok("topic", "describe", "t-alter", "--format", "json").json()["configs"]
        values = {c["name"]: c["value"] for c in configs}
        self.assertEqual(values.get("retention.ms"), "120000")
        self.assertEqual(values.get("cleanup.policy"), "compact")
        self.run_ok("topic", "alter-config", "t-alter", "--delete", "cleanup.policy")
        configs = self.run_ok("topic", "describe", "t-alter", "--format", "json").json()["configs"]
        self.assertNotIn("cleanup.policy", {c["name"] for c in configs})

    def test_alter_config_bad_value_fails(self):
        self.run_ok("topic", "create", "t-alter-bad", "-p", "1")
        r = eddyctl(self.b, "topic", "alter-config", "t-alter-bad", "--set", "retention.ms=x")
        self.assertEqual(r.code, ERROR, r)
        self.assertIn("INVALID_CONFIG", r.err)

    def test_add_partitions(self):
        self.run_ok("topic", "create", "t-grow", "-p", "1")
        self.run_ok("topic", "add-partitions", "t-grow", "--total", "3")
        self.run_ok("topic", "add-partitions", "t-grow", "--add", "1")
        d = self.run_ok("topic", "describe", "t-grow", "--format", "json").json()
        self.assertEqual(len(d["partitions"]), 4)

    def test_add_partitions_cannot_shrink(self):
        self.run_ok("topic", "create", "t-shrink", "-p", "2")
        r = eddyctl(self.b, "topic", "add-partitions", "t-shrink", "--total", "1")
        self.assertEqual(r.code, ERROR, r)
        self.assertIn("INVALID_PARTITIONS", r.err)

    def test_delete_records_moves_log_start(self):
        self.run_ok("topic", "create", "t-trim", "-p", "1")
        self.run_ok("produce", "t-trim", stdin="".join("r%d\n" % i for i in range(10)))
        j = self.run_ok("topic", "delete-records", "t-trim", "--before-offset", "4",
                        "--format", "json").json()
        self.assertEqual(j, [{"partition": 0, "low_watermark": 4, "error": None}])
        p = self.run_ok("topic", "describe", "t-trim", "--format", "json").json()["partitions"][0]
        self.assertEqual((p["log_start_offset"], p["log_end_offset"]), (4, 10))
        self.assertGreater(p["size_bytes"], 0)


if __name__ == "__main__":
    unittest.main()
