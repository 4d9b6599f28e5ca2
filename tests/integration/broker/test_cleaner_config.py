"""Dynamic log.cleaner.* broker configs (docs/storage.md, "Compaction"; Kafka's
LogCleaner.ReconfigurableConfigs): `eddyctl cluster config set` (IncrementalAlterConfigs) on one
broker or as the cluster default changes the running cleaner without a restart. What is checked
is the effect: the cleaner's threads (named log-cleaner-N, counted in /proc/<pid>/task) follow
log.cleaner.threads through a per-broker value, the cluster default under it, their removal and
a restart (and in /metrics, eddy_log_cleaner_threads), and the restarted cleaner still compacts
and reports kafka_log_logcleanermanager_max_dirty_percent (and no uncleanable partition).

  EDDYD=build/bin/eddyd /usr/bin/python3 -m unittest -v test_cleaner_config   (in this directory)
"""

import glob
import os
import subprocess
import time
import unittest
import urllib.request

from confluent_kafka.admin import AdminClient, ConfigResource, ConfigSource

from eddy_harness import Broker, eddyd_path
from test_compaction import COMPACT_TOPIC, create_topic, wait_compacted, write_updates
from test_data_path import topic_name

WAIT_S = 60


def eddyctl(b, *args):
    path = os.environ.get("EDDYCTL") or os.path.join(os.path.dirname(eddyd_path()), "eddyctl")
    p = subprocess.run([path, "-b", b.bootstrap] + list(args), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=60)
    if p.returncode != 0:
        raise AssertionError("eddyctl %s: exit %d\n%s%s" % (
            " ".join(args), p.returncode, p.stdout.decode(), p.stderr.decode()))
    return p.stdout.decode()


def cleaner_threads(b):
    n = 0
    for comm in glob.glob("/proc/%d/task/*/comm" % b.proc.pid):
        try:
            with open(comm) as f:
                n += f.read().startswith("log-cleaner-")
        except OSError:
            pass  # a thread that ended meanwhile
    return n


def metric(b, name):
    """The value of an unlabelled series of /metrics, None when absent."""
    with urllib.request.urlopen(b.admin_url + "/metrics", timeout=30) as r:
        for line in r.read().decode().splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
    return None


class CleanerConfigTest(unittest.TestCase):
    def wait_threads(self, b, want):
        deadline = time.time() + WAIT_S
        while time.time() < deadline and cleaner_threads(b) != want:
            time.sleep(0.05)
        self.assertEqual(cleaner_threads(b), want)

    def test_threads_follow_the_dynamic_value_without_restart(self):
        with Broker(overrides={"log.cleaner.backoff.ms": "100"}) as b:
            self.wait_threads(b, 1)
            eddyctl(b, "cluster", "config", "set", "--broker", "1", "log.cleaner.threads=3")
            self.wait_threads(b, 3)
            self.assertIn("log cleaner reconfigured: 3 threads", b.log())
            self.assertEqual(metric(b, "eddy_log_cleaner_threads"), 3)
            # The cluster default lies under the broker's own value, which still wins.
            eddyctl(b, "cluster", "config", "set", "log.cleaner.threads=2",
                    "log.cleaner.io.max.bytes.per.second=4194304")
            deadline = time.time() + WAIT_S
            while time.time() < deadline and "4194304 bytes/s" not in b.log():
                time.sleep(0.05)
            self.assertIn("log cleaner reconfigured: 3 threads, dedupe buffer 134217728 bytes, "
                          "load factor 0.9, I/O buffer 2097152 bytes, 4194304 bytes/s", b.log())
            self.assertEqual(cleaner_threads(b), 3)
            eddyctl(b, "cluster", "config", "delete", "--broker", "1", "log.cleaner.threads")
            self.wait_threads(b, 2)
            # Kept in the metadata log: a restart starts the cleaner with them.
            b.restart()
            self.wait_threads(b, 2)
            eddyctl(b, "cluster", "config", "delete", "log.cleaner.threads",
                    "log.cleaner.io.max.bytes.per.second")
            self.wait_threads(b, 1)
            # The restarted cleaner compacts.
            topic = topic_name()
            create_topic(b, topic, COMPACT_TOPIC)
            latest = write_updates(b, topic, updates=20_000, keys=200)
            wait_compacted(self, b, topic, latest)
            # Kafka's max-dirty-percent: the compacted topic's dirty share, at most 100.
            dirty = metric(b, "kafka_log_logcleanermanager_max_dirty_percent")
            self.assertIsNotNone(dirty)
            self.assertLessEqual(dirty, 100)
            # Kafka's uncleanable-partitions-count, per log dir: none here.
            with urllib.request.urlopen(b.admin_url + "/metrics", timeout=30) as r:
                counts = [float(line.split()[-1]) for line in r.read().decode().splitlines()
                          if line.startswith(
                              "kafka_log_logcleanermanager_uncleanable_partitions{")]
            self.assertEqual(counts, [0.0])

    def test_a_kafka_client_alters_and_describes_them(self):
        # librdkafka's AlterConfigs and DescribeConfigs on the BROKER resource, as Kafka's
        # kafka-configs --entity-type brokers does.
        with Broker() as b:
            self.wait_threads(b, 1)
            admin = AdminClient({"bootstrap.servers": b.bootstrap})
            broker = ConfigResource(ConfigResource.Type.BROKER, "1",
                                    set_config={"log.cleaner.threads": "2"})
            for f in admin.alter_configs([broker]).values():
                f.result(timeout=WAIT_S)
            self.wait_threads(b, 2)
            described = admin.describe_configs(
                [ConfigResource(ConfigResource.Type.BROKER, "1")])
            entries = next(iter(described.values())).result(timeout=WAIT_S)
            threads = entries["log.cleaner.threads"]
            self.assertEqual(threads.value, "2")
            self.assertEqual(threads.source, ConfigSource.DYNAMIC_BROKER_CONFIG.value)
            self.assertFalse(threads.is_read_only)
            # A value the key refuses: INVALID_CONFIG naming it, and nothing changes.
            bad = ConfigResource(ConfigResource.Type.BROKER, "1",
                                 set_config={"log.cleaner.threads": "0"})
            with self.assertRaises(Exception) as cm:
                for f in admin.alter_configs([bad]).values():
                    f.result(timeout=WAIT_S)
            self.assertIn("log.cleaner.threads", str(cm.exception))
            self.assertEqual(cleaner_threads(b), 2)

    def test_bad_values_are_refused_with_the_key_named(self):
        with Broker() as b:
            for kv in ("log.cleaner.threads=0", "log.cleaner.io.buffer.load.factor=1.5",
                       "log.cleaner.dedupe.buffer.size=12"):
                with self.assertRaises(AssertionError) as cm:
                    eddyctl(b, "cluster", "config", "set", "--broker", "1", kv)
                self.assertIn(kv.split("=")[0], str(cm.exception))
            self.assertEqual(cleaner_threads(b), 1)


if __name__ == "__main__":
    unittest.main()
