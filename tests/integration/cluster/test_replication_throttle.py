"""The replication throttle (Kafka's replication quotas, KIP-73) on three real nodes.

A partition of broker 1 and 2 gets a replica on broker 3, which copies MIB MiB from the leader:

- with `eddyctl partition reassign --throttle RATE` (kafka-reassign-partitions --throttle: the rates
  on every broker taking part, the moved topic's leader and follower replica lists), the new
  replica gets there, but what the quotas let through is bounded: Kafka's byte-rate metrics of the
  leader (node 1) and of the follower (node 3), scraped from /metrics all along, never exceed RATE
  by more than one fetch, and the throttle held bytes back (eddy_replication_throttled_total).
  `--verify` then removes every key it set (DescribeConfigs shows them back at their defaults);
- with the partition listed but no rate, the same copy is not bounded: the follower's byte-rate
  goes past RATE, and nothing is held back.

No assertion is on the wall clock: the bounds are on the brokers' own measured rates.

  cd tests/integration/cluster && EDDYD=../../../build/bin/eddyd \\
    EDDYCTL=../../../build/bin/eddyctl PYTHONPATH=../broker:../faults /usr/bin/python3 \\
    -m unittest -v test_replication_throttle
"""

import json
import time
import unittest

from confluent_kafka import KafkaException, Producer
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic

from cluster_harness import Cluster, wait_for
from test_cluster_metrics import scrape, value
from test_controller_ops import eddyctl, write_plan
from test_replication import FAST, log_bytes, wait_isr

MIB = 3
RATE = 256 * 1024
FETCH = 64 * 1024  # replica.fetch.max.bytes: the most one fetch can add past the bound
OVERRIDES = dict(FAST, **{"replica.fetch.max.bytes": str(FETCH),
                          "replica.fetch.backoff.ms": "200"})
THROTTLE_KEYS = ("leader.replication.throttled.replicas",
                 "follower.replication.throttled.replicas")
RATE_KEYS = ("leader.replication.throttled.rate", "follower.replication.throttled.rate")


def fill(bootstrap, topic):
    # Batches well under one fetch (a fetch returns at least one whole batch, whatever its size).
    p = Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 5,
                  "batch.size": 16384})
    value_ = b"x" * 1000
    for _ in range(MIB * 1024 * 1024 // 1000):
        while True:
            try:
                p.produce(topic, value_)
                break
            except BufferError:
                p.poll(0.05)
    if p.flush(90):
        raise AssertionError("records of %s not delivered" % topic)


def described(admin, resource):
    f = admin.describe_configs([resource], request_timeout=30)[resource]
    return f.result()


def throttled(c, node, quota):
    return value(scrape(c.nodes[node]), "eddy_replication_throttled_total", quota=quota) or 0


class Watch:
    """Peak byte-rates and the throttle counters while a reassignment runs to completion."""

    def __init__(self, c):
        self.c = c
        self.leader_peak = 0.0
        self.follower_peak = 0.0

    def until(self, done, timeout_s=120):
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            leader = scrape(self.c.nodes[1])
            follower = scrape(self.c.nodes[3])
            self.leader_peak = max(self.leader_peak,
                                   value(leader, "kafka_server_leaderreplication_byte_rate"))
            self.follower_peak = max(self.follower_peak,
                                     value(follower, "kafka_server_followerreplication_byte_rate"))
            if done():
                return
            time.sleep(0.1)
        raise AssertionError("timed out waiting for the reassignment")


class ReplicationThrottleTest(unittest.TestCase):
    def test_a_throttled_catch_up_is_bounded_and_verify_removes_the_throttle(self):
        with Cluster(3, overrides=OVERRIDES) as c:
            admin = AdminClient({"bootstrap.servers": c.bootstrap})
            topics = [NewTopic(t, 1, replica_assignment=[[1, 2]]) for t in ("slow", "free")]
            for _, f in admin.create_topics(topics, request_timeout=30).items():
                f.result()
            for t in ("slow", "free"):
                wait_isr(c, t, [1, 2])
                fill(c.bootstrap, t)

            # Bad values are refused with the key named (Kafka's validators).
            bad = ConfigResource(ConfigResource.Type.TOPIC, "slow",
                                 set_config={"follower.replication.throttled.replicas": "0-3"})
            with self.assertRaises(KafkaException) as e:
                admin.alter_configs([bad])[bad].result()
            self.assertIn("follower.replication.throttled.replicas must be the literal '*'",
                          str(e.exception))

            # Throttled: eddyctl sets Kafka's keys, then starts the move.
            plan = write_plan([("slow", 0, [1, 2, 3])])
            rc, out, err = eddyctl(c.nodes[2].bootstrap, "partition", "reassign", "--plan", plan,
                                   "--throttle", str(RATE))
            self.assertEqual(rc, 0, out + err)
            watch = Watch(c)
            t0 = {1: throttled(c, 1, "leader"), 3: throttled(c, 3, "follower")}
            # The keys as DescribeConfigs shows them, while the throttle is on.
            broker3 = described(admin, ConfigResource(ConfigResource.Type.BROKER, "3"))
            for k in RATE_KEYS:
                self.assertEqual(broker3[k].value, str(RATE), k)
                self.assertFalse(broker3[k].is_read_only, k)
            slow = described(admin, ConfigResource(ConfigResource.Type.TOPIC, "slow"))
            self.assertEqual(slow["leader.replication.throttled.replicas"].value, "0:1,0:2")
            self.assertEqual(slow["follower.replication.throttled.replicas"].value, "0:3")

            def verified():
                rc, out, err = eddyctl(c.nodes[2].bootstrap, "partition", "reassign",
                                       "--verify", "--plan", plan)
                if rc != 0:
                    return False
                self.assertTrue(json.loads(out)["throttle_cleared"], out)
                return True
            watch.until(verified)
            wait_isr(c, "slow", [1, 2, 3])
            wait_for(lambda: log_bytes(c.nodes[3], "slow") == log_bytes(c.nodes[1], "slow"), 30,
                     "broker 3's copy of slow to equal the leader's")
            held = (throttled(c, 1, "leader") - t0[1]) + (throttled(c, 3, "follower") - t0[3])
            self.assertGreater(held, 0, "the throttle never held bytes back")
            self.assertLessEqual(watch.leader_peak, RATE + 2 * FETCH)
            self.assertLessEqual(watch.follower_peak, RATE + 2 * FETCH)
            self.assertGreater(watch.follower_peak + watch.leader_peak, 0)

            # --verify removed the keys: back at their defaults.
            broker3 = described(admin, ConfigResource(ConfigResource.Type.BROKER, "3"))
            for k in RATE_KEYS:
                self.assertEqual(broker3[k].value, "9223372036854775807", k)
            slow = described(admin, ConfigResource(ConfigResource.Type.TOPIC, "slow"))
            for k in THROTTLE_KEYS:
                self.assertEqual(slow[k].value, "", k)

            # Listed but no rate: the same copy is not bounded, and nothing is held back.
            listed = ConfigResource(ConfigResource.Type.TOPIC, "free",
                                    set_config={"follower.replication.throttled.replicas": "0:3"})
            admin.alter_configs([listed])[listed].result()
            held_before = throttled(c, 3, "follower")
            free_plan = write_plan([("free", 0, [1, 2, 3])])
            rc, out, err = eddyctl(c.nodes[2].bootstrap, "partition", "reassign", "--plan",
                                   free_plan)
            self.assertEqual(rc, 0, out + err)
            watch = Watch(c)

            def done():
                rc, out, err = eddyctl(c.nodes[2].bootstrap, "partition", "reassign",
                                       "--verify", "--plan", free_plan)
                return rc == 0
            watch.until(done)
            wait_isr(c, "free", [1, 2, 3])
            self.assertGreater(watch.follower_peak, RATE + 2 * FETCH)
            self.assertEqual(throttled(c, 3, "follower"), held_before)


if __name__ == "__main__":
    unittest.main()
