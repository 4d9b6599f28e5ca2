"""What an operator sees of eddyd: --version and --help, the start-up log (version line, topics
re-loaded at start said to be "loaded"), and a new broker's metadata listing only the user's
topics (__consumer_offsets is created on first group use, as in Kafka)."""

import re
import socket
import struct
import time
import unittest

from confluent_kafka.admin import AdminClient, NewTopic

from eddy_harness import Broker, run_eddyd
from kafka_wire import frame, header, read_frame

TIMEOUT_S = 30
VERSION_RE = r"\d+\.\d+\.\d+ \(commit (?:[0-9a-f]+(?:-dirty)?|unknown), \w+ build\)"


def create_topic(bootstrap, name, partitions=1):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for f in admin.create_topics([NewTopic(name, partitions, 1)]).values():
        f.result(TIMEOUT_S)


class VersionHelpTest(unittest.TestCase):
    def test_version_names_version_commit_and_build_type(self):
        rc, out = run_eddyd(["--version"])
        self.assertEqual(rc, 0, out)
        self.assertRegex(out.strip(), r"^eddyd " + VERSION_RE + "$")

    def test_help_exits_zero_with_usage(self):
        rc, out = run_eddyd(["--help"])
        self.assertEqual(rc, 0, out)
        self.assertIn("usage: eddyd --config FILE", out)
        self.assertIn("--version", out)

    def test_bad_usage_still_exits_two(self):
        rc, out = run_eddyd(["--no-such-flag"])
        self.assertEqual(rc, 2, out)


class StartupLogTest(unittest.TestCase):
    def test_start_logs_version_and_reloaded_topics_are_loaded(self):
        with Broker() as b:
            self.assertRegex(b.log(), r"\[info\] eddyd " + VERSION_RE)
            create_topic(b.bootstrap, "demo", 2)
            self.assertIn("created topic demo (2 partitions)", b.log())
            before = len(b.log())
            b.restart()
            after = b.log()[before:]
            self.assertIn("loaded topic demo (2 partitions)", after)
            self.assertNotIn("created topic demo", after)


class LazyOffsetsTopicTest(unittest.TestCase):
    def find_coordinator(self, b, group):
        with socket.create_connection(("127.0.0.1", b.port), timeout=TIMEOUT_S) as s:
            s.sendall(frame(header(10, 0) + struct.pack(">h", len(group)) + group))
            return read_frame(s)

    def test_offsets_topic_appears_on_first_group_use_only(self):
        with Broker() as b:
            create_topic(b.bootstrap, "user-topic")
            admin = AdminClient({"bootstrap.servers": b.bootstrap})
            self.assertEqual(set(admin.list_topics(timeout=TIMEOUT_S).topics), {"user-topic"})
            # The first FindCoordinator creates it, as Kafka does.
            for _ in range(300):
                self.find_coordinator(b, b"g1")
                if "__consumer_offsets" in admin.list_topics(timeout=TIMEOUT_S).topics:
                    break
                time.sleep(0.1)
            self.assertIn("__consumer_offsets", admin.list_topics(timeout=TIMEOUT_S).topics)


if __name__ == "__main__":
    unittest.main()
