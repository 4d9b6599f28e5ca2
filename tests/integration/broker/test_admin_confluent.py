"""confluent-kafka (librdkafka) AdminClient against eddyd: topics, partitions, configs, cluster."""

import unittest

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient, ConfigResource, NewPartitions, NewTopic

from eddy_harness import Broker

TIMEOUT_S = 30


def wait(futures):
    return {k: f.result(timeout=TIMEOUT_S) for k, f in futures.items()}


def error_of(future):
    try:
        future.result(timeout=TIMEOUT_S)
    except KafkaException as e:
        return e.args[0].code()
    return None


class ConfluentAdmin(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.broker = Broker().start()
        cls.admin = AdminClient({"bootstrap.servers": cls.broker.bootstrap})

    @classmethod
    def tearDownClass(cls):
        del cls.admin  # destroy the client before its broker goes away
        rc = cls.broker.stop()
        cls.broker.__exit__(None, None, None)
        assert rc == 0, "eddyd exited %s on SIGTERM" % rc

    def topics(self):
        return self.admin.list_topics(timeout=TIMEOUT_S).topics

    def test_create_topic_with_partitions_and_config(self):
        fs = self.admin.create_topics([NewTopic("c-create", num_partitions=4, replication_factor=1,
                                                config={"retention.ms": "3600000"})])
        wait(fs)
        md = self.topics()
        self.assertIn("c-create", md)
        self.assertEqual(len(md["c-create"].partitions), 4)
        res = ConfigResource(ConfigResource.Type.TOPIC, "c-create")
        configs = wait(self.admin.describe_configs([res]))[res]
        self.assertEqual(configs["retention.ms"].value, "3600000")
        self.assertEqual(configs["cleanup.policy"].value, "delete")

    def test_create_existing_topic_is_topic_already_exists(self):
        wait(self.admin.create_topics([NewTopic("c-dup", 1, 1)]))
        fs = self.admin.create_topics([NewTopic("c-dup", 1, 1)])
        self.assertEqual(error_of(fs["c-dup"]), KafkaError.TOPIC_ALREADY_EXISTS)

    def test_create_with_too_many_replicas_is_invalid_replication_factor(self):
        fs = self.admin.create_topics([NewTopic("c-rf3", 1, 3)])
        self.assertEqual(error_of(fs["c-rf3"]), KafkaError.INVALID_REPLICATION_FACTOR)

    def test_create_with_illegal_name_is_invalid_topic(self):
        fs = self.admin.create_topics([NewTopic("bad/name", 1, 1)])
        self.assertEqual(error_of(fs["bad/name"]), KafkaError.TOPIC_EXCEPTION)

    def test_create_with_unknown_config_is_invalid_config(self):
        fs = self.admin.create_topics([NewTopic("c-badcfg", 1, 1, config={"retention.weeks": "1"})])
        self.assertEqual(error_of(fs["c-badcfg"]), KafkaError.INVALID_CONFIG)

    def test_validate_only_creates_nothing(self):
        wait(self.admin.create_topics([NewTopic("c-validate", 2, 1)], validate_only=True))
        self.assertNotIn("c-validate", self.topics())

    def test_delete_topic_removes_it(self):
        wait(self.admin.create_topics([NewTopic("c-delete", 2, 1)]))
        self.assertIn("c-delete", self.topics())
        wait(self.admin.delete_topics(["c-delete"]))
        self.assertNotIn("c-delete", self.topics())

    def test_delete_unknown_topic_is_unknown_topic(self):
        fs = self.admin.delete_topics(["c-never-was"])
        self.assertEqual(error_of(fs["c-never-was"]), KafkaError.UNKNOWN_TOPIC_OR_PART)

    def test_create_partitions_grows_topic(self):
        wait(self.admin.create_topics([NewTopic("c-grow", 1, 1)]))
        wait(self.admin.create_partitions([NewPartitions("c-grow", 5)]))
        self.assertEqual(len(self.topics()["c-grow"].partitions), 5)

    def test_create_partitions_shrink_is_invalid_partitions(self):
        wait(self.admin.create_topics([NewTopic("c-shrink", 3, 1)]))
        fs = self.admin.create_partitions([NewPartitions("c-shrink", 2)])
        self.assertEqual(error_of(fs["c-shrink"]), KafkaError.INVALID_PARTITIONS)

    def test_alter_configs_sets_and_reports_dynamic_source(self):
        wait(self.admin.create_topics([NewTopic("c-alter", 1, 1)]))
        res = ConfigResource(ConfigResource.Type.TOPIC, "c-alter",
                             set_config={"retention.bytes": "1048576"})
        wait(self.admin.alter_configs([res]))
        got = wait(self.admin.describe_configs([ConfigResource("topic", "c-alter")]))
        entry = list(got.values())[0]["retention.bytes"]
        self.assertEqual(entry.value, "1048576")
        self.assertFalse(entry.is_default)

    def test_alter_configs_bad_value_is_invalid_config(self):
        wait(self.admin.create_topics([NewTopic("c-alter-bad", 1, 1)]))
        res = ConfigResource(ConfigResource.Type.TOPIC, "c-alter-bad",
                             set_config={"retention.ms": "forever"})
        fs = self.admin.alter_configs([res])
        self.assertEqual(error_of(list(fs.values())[0]), KafkaError.INVALID_CONFIG)

    def test_describe_broker_configs(self):
        res = ConfigResource(ConfigResource.Type.BROKER, "1")
        configs = wait(self.admin.describe_configs([res]))[res]
        self.assertEqual(configs["num.partitions"].value, "1")
        self.assertEqual(configs["node.id"].value, "1")
        self.assertTrue(configs["node.id"].is_read_only)

    def test_cluster_metadata_names_this_broker(self):
        md = self.admin.list_topics(timeout=TIMEOUT_S)
        self.assertEqual(list(md.brokers.keys()), [1])
        self.assertEqual(md.brokers[1].port, self.broker.port)
        self.assertEqual(md.controller_id, 1)
        self.assertTrue(md.cluster_id)


if __name__ == "__main__":
    unittest.main()
