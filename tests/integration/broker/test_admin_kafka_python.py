"""kafka-python KafkaAdminClient against eddyd."""

import unittest

from kafka import KafkaAdminClient
from kafka.admin import ConfigResource, ConfigResourceType, NewPartitions, NewTopic
from kafka.errors import (InvalidPartitionsError, InvalidReplicationFactorError, InvalidRequestError,
                          TopicAlreadyExistsError, UnknownTopicOrPartitionError)

from eddy_harness import Broker


class KafkaPythonAdmin(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.broker = Broker().start()
        cls.admin = KafkaAdminClient(bootstrap_servers=cls.broker.bootstrap,
                                     request_timeout_ms=30000)

    @classmethod
    def tearDownClass(cls):
        cls.admin.close()
        rc = cls.broker.stop()
        cls.broker.__exit__(None, None, None)
        assert rc == 0, "eddyd exited %s on SIGTERM" % rc

    def test_create_and_list_topic(self):
        self.admin.create_topics([NewTopic("kp-create", 3, 1)])
        self.assertIn("kp-create", self.admin.list_topics())
        desc = self.admin.describe_topics(["kp-create"])
        self.assertEqual(len(desc[0]["partitions"]), 3)

    def test_create_existing_topic_raises_already_exists(self):
        self.admin.create_topics([NewTopic("kp-dup", 1, 1)])
        with self.assertRaises(TopicAlreadyExistsError):
            self.admin.create_topics([NewTopic("kp-dup", 1, 1)])

    def test_topic_named_twice_in_one_request_is_invalid_and_not_created(self):
        with self.assertRaises(InvalidRequestError):
            self.admin.create_topics([NewTopic("kp-twice", 1, 1), NewTopic("kp-twice", 1, 1)])
        self.assertNotIn("kp-twice", self.admin.list_topics())

    def test_create_with_replication_factor_above_brokers_raises(self):
        with self.assertRaises(InvalidReplicationFactorError):
            self.admin.create_topics([NewTopic("kp-rf2", 1, 2)])

    def test_delete_topic(self):
        self.admin.create_topics([NewTopic("kp-delete", 1, 1)])
        self.admin.delete_topics(["kp-delete"])
        self.assertNotIn("kp-delete", self.admin.list_topics())

    def test_delete_unknown_topic_raises(self):
        with self.assertRaises(UnknownTopicOrPartitionError):
            self.admin.delete_topics(["kp-never-was"])

    def test_create_partitions(self):
        self.admin.create_topics([NewTopic("kp-grow", 2, 1)])
        self.admin.create_partitions({"kp-grow": NewPartitions(total_count=6)})
        desc = self.admin.describe_topics(["kp-grow"])
        self.assertEqual(len(desc[0]["partitions"]), 6)

    def test_create_partitions_not_growing_raises(self):
        self.admin.create_topics([NewTopic("kp-same", 2, 1)])
        with self.assertRaises(InvalidPartitionsError):
            self.admin.create_partitions({"kp-same": NewPartitions(total_count=2)})

    def test_describe_and_alter_topic_configs(self):
        self.admin.create_topics([NewTopic("kp-cfg", 1, 1,
                                           topic_configs={"cleanup.policy": "compact"})])
        res = self.admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, "kp-cfg")])
        entries = {c[0]: c[1] for c in res[0].resources[0][4]}
        self.assertEqual(entries["cleanup.policy"], "compact")
        self.admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, "kp-cfg",
                                                 configs={"segment.bytes": "1048576"})])
        res = self.admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, "kp-cfg")])
        entries = {c[0]: c[1] for c in res[0].resources[0][4]}
        self.assertEqual(entries["segment.bytes"], "1048576")
        # AlterConfigs replaces the whole set: the earlier override is gone.
        self.assertEqual(entries["cleanup.policy"], "delete")

    def test_describe_cluster(self):
        cluster = self.admin.describe_cluster()
        self.assertEqual(cluster["controller_id"], 1)
        self.assertEqual([b["node_id"] for b in cluster["brokers"]], [1])
        self.assertTrue(cluster["cluster_id"])


if __name__ == "__main__":
    unittest.main()
