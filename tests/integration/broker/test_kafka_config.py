"""A Kafka broker's configuration carries over to eddyd (issue 20): a server.properties file with
Kafka's time-unit keys and keys that do not apply to Eddy starts the broker (with warnings), a
read-only key changed through AlterConfigs answers "read-only, restart required", and
DescribeConfigs shows the values of preallocate and flush.ms the logs really use."""

import os
import unittest

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic

from eddy_harness import Broker

TIMEOUT_S = 30


class PropertiesBroker(Broker):
    """eddyd started from a Kafka-style server.properties file instead of the harness's YAML."""

    def __init__(self, **kw):
        super().__init__(**kw)
        self.config_path = os.path.join(self.data_dir, "server.properties")

    def write_config(self):
        with open(self.config_path, "w") as f:
            f.write("# Kafka's sample server.properties, trimmed\n"
                    "node.id=%d\n"
                    "process.roles=broker,controller\n"
                    "listeners=PLAINTEXT://127.0.0.1:%d\n"
                    "num.network.threads=3\n"
                    "num.io.threads=2\n"
                    "socket.send.buffer.bytes=102400\n"
                    "log.dirs=%s\n"
                    "num.partitions=3\n"
                    "log.retention.hours=168\n"
                    "log.roll.hours=2\n"
                    "zookeeper.connection.timeout.ms=18000\n"
                    "group.initial.rebalance.delay.ms=0\n"
                    % (self.node_id, self.port, os.path.join(self.data_dir, "logs")))


class KafkaConfigTest(unittest.TestCase):
    def test_server_properties_starts_with_warnings_and_time_units(self):
        with PropertiesBroker() as b:
            log = b.log()
            self.assertIn("config key 'num.network.threads' is a Kafka key that does not apply",
                          log)
            self.assertIn("'zookeeper.connection.timeout.ms'", log)
            admin = AdminClient({"bootstrap.servers": b.bootstrap})
            for f in admin.create_topics([NewTopic("props", -1, -1)]).values():
                f.result(TIMEOUT_S)
            res = ConfigResource(ConfigResource.Type.TOPIC, "props")
            cfg = admin.describe_configs([res])[res].result(timeout=TIMEOUT_S)
            self.assertEqual(cfg["retention.ms"].value, str(168 * 3600 * 1000))
            self.assertEqual(cfg["segment.ms"].value, str(2 * 3600 * 1000))
            md = admin.list_topics(timeout=TIMEOUT_S)
            self.assertEqual(len(md.topics["props"].partitions), 3)

    def test_read_only_broker_key_says_restart_required(self):
        with Broker() as b:
            admin = AdminClient({"bootstrap.servers": b.bootstrap})
            res = ConfigResource(ConfigResource.Type.BROKER, "1",
                                 set_config={"num.io.threads": "4"})
            with self.assertRaises(KafkaException) as e:
                admin.alter_configs([res])[res].result(TIMEOUT_S)
            msg = str(e.exception.args[0])
            self.assertIn("read-only", msg)
            self.assertIn("restart required", msg)
            self.assertNotIn("unknown config key", msg)
            # A Kafka key that Eddy ignores in its config file says so (it was "unknown config
            # key"): kafka-configs scripts carried over from Kafka get the reason.
            kafka_only = ConfigResource(ConfigResource.Type.BROKER, "1",
                                        set_config={"num.network.threads": "4"})
            with self.assertRaises(KafkaException) as e:
                admin.alter_configs([kafka_only])[kafka_only].result(TIMEOUT_S)
            msg = str(e.exception.args[0])
            self.assertIn("num.network.threads is a Kafka broker config that does not apply to "
                          "Eddy (Eddy sizes its threads with num.io.threads)", msg)
            # A dynamic key still changes.
            ok = ConfigResource(ConfigResource.Type.BROKER, "1",
                                set_config={"log.retention.ms": "3600000"})
            admin.alter_configs([ok])[ok].result(TIMEOUT_S)

    def test_describe_shows_effective_preallocate_and_flush_ms(self):
        for policy, prealloc, flush_ms in [("sync", "true", "0"), ("interval", "false", "1000")]:
            with self.subTest(policy=policy):
                with Broker(overrides={"log.flush.policy": policy}) as b:
                    admin = AdminClient({"bootstrap.servers": b.bootstrap})
                    for f in admin.create_topics([NewTopic("eff", 1, 1)]).values():
                        f.result(TIMEOUT_S)
                    res = ConfigResource(ConfigResource.Type.TOPIC, "eff")
                    cfg = admin.describe_configs([res])[res].result(timeout=TIMEOUT_S)
                    self.assertEqual(cfg["preallocate"].value, prealloc)
                    self.assertEqual(cfg["flush.ms"].value, flush_ms)
                    self.assertTrue(cfg["preallocate"].is_default)


if __name__ == "__main__":
    unittest.main()
