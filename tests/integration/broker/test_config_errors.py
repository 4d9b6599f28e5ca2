"""eddyd refuses a bad configuration at start-up: non-zero exit, and a message naming the key."""

import os
import tempfile
import unittest

from eddy_harness import run_eddyd


class ConfigErrors(unittest.TestCase):
    def run_with(self, yaml_text, overrides=()):
        with tempfile.TemporaryDirectory(prefix="eddy-cfg-") as d:
            path = os.path.join(d, "eddy.yaml")
            with open(path, "w") as f:
                f.write(yaml_text)
            args = ["--config", path]
            for o in overrides:
                args += ["--override", o]
            return run_eddyd(args)

    def test_unknown_key_names_the_key(self):
        rc, out = self.run_with("node.id: 1\nlog.retention.mins: 5\n")
        self.assertNotEqual(rc, 0)
        self.assertIn("log.retention.mins", out)

    def test_bad_integer_names_the_key(self):
        rc, out = self.run_with("num.partitions: lots\n")
        self.assertNotEqual(rc, 0)
        self.assertIn("num.partitions", out)

    def test_out_of_range_value_names_the_key(self):
        rc, out = self.run_with("num.partitions: 0\n")
        self.assertNotEqual(rc, 0)
        self.assertIn("num.partitions", out)

    def test_bad_enum_value_names_the_key(self):
        rc, out = self.run_with("log.flush.policy: sometimes\n")
        self.assertNotEqual(rc, 0)
        self.assertIn("log.flush.policy", out)

    def test_bad_listener_names_the_key(self):
        rc, out = self.run_with("listeners: 127.0.0.1-9092\n")
        self.assertNotEqual(rc, 0)
        self.assertIn("listeners", out)

    def test_bad_override_names_the_key(self):
        rc, out = self.run_with("node.id: 1\n", ["auto.create.topics.enable=maybe"])
        self.assertNotEqual(rc, 0)
        self.assertIn("auto.create.topics.enable", out)

    def test_unknown_override_key_names_the_key(self):
        rc, out = self.run_with("node.id: 1\n", ["no.such.key=1"])
        self.assertNotEqual(rc, 0)
        self.assertIn("no.such.key", out)

    def test_node_outside_the_voters_is_refused(self):
        rc, out = self.run_with(
            "node.id: 3\ncontroller.quorum.voters: 1@127.0.0.1:19093,2@127.0.0.1:19094\n")
        self.assertNotEqual(rc, 0)
        self.assertIn("controller.quorum.voters", out)
        self.assertIn("not among the voters", out)

    def test_broker_only_role_is_refused(self):
        rc, out = self.run_with("node.id: 1\nprocess.roles: broker\n")
        self.assertNotEqual(rc, 0)
        self.assertIn("process.roles", out)

    def test_unformatted_cluster_node_is_refused(self):
        with tempfile.TemporaryDirectory(prefix="eddy-cfg-") as d:
            path = os.path.join(d, "eddy.yaml")
            with open(path, "w") as f:
                f.write("node.id: 1\nlog.dirs: %s\ncontroller.quorum.voters: "
                        "1@127.0.0.1:19093,2@127.0.0.1:19094\n" % os.path.join(d, "logs"))
            rc, out = run_eddyd(["--config", path])
            self.assertNotEqual(rc, 0)
            self.assertIn("eddyd format", out)
            self.assertFalse(os.path.exists(os.path.join(d, "logs", "meta.properties")))

    def test_yaml_syntax_error_fails(self):
        rc, out = self.run_with("node.id: [1\n")
        self.assertNotEqual(rc, 0)
        self.assertIn("YAML", out)

    def test_missing_config_file_fails(self):
        rc, out = run_eddyd(["--config", "/nonexistent/eddy.yaml"])
        self.assertNotEqual(rc, 0)
        self.assertIn("/nonexistent/eddy.yaml", out)


if __name__ == "__main__":
    unittest.main()
