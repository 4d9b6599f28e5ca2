"""config/eddy.yaml, the configuration scripts/run starts, keeps Kafka's defaults where clients
depend on them: the broker it starts describes them as Kafka would."""

import os
import unittest

from confluent_kafka.admin import AdminClient, ConfigResource

from eddy_harness import REPO, Broker

SHIPPED = os.path.join(REPO, "config", "eddy.yaml")


class ShippedConfig(Broker):
    """A Broker started from config/eddy.yaml itself (listener and log dir overridden)."""

    def write_config(self):
        pass

    def command(self):
        cmd = super().command()
        cmd[cmd.index("--config") + 1] = SHIPPED
        return cmd + ["--override", "listeners=PLAINTEXT://127.0.0.1:%d" % self.port,
                      "--override", "log.dirs=%s" % os.path.join(self.data_dir, "logs")]


class ShippedConfigKeepsKafkaDefaults(unittest.TestCase):
    def test_group_initial_rebalance_delay_is_kafkas_3000(self):
        with ShippedConfig() as b:
            admin = AdminClient({"bootstrap.servers": b.bootstrap})
            r = ConfigResource(ConfigResource.Type.BROKER, "1")
            configs = admin.describe_configs([r])[r].result(timeout=30)
            self.assertEqual(configs["group.initial.rebalance.delay.ms"].value, "3000")


if __name__ == "__main__":
    unittest.main()
