"""Three combined eddyd nodes on loopback are one cluster to real clients (confluent-kafka,
kcat): a Raft controller quorum owns the metadata, brokers register and heartbeat, a silent
broker is fenced, and the metadata survives kill -9 of the active controller.

  cd tests/integration/cluster && EDDYD=../../../build/bin/eddyd \\
    PYTHONPATH=../broker /usr/bin/python3 -m unittest -v test_cluster
"""

import json
import os
import signal
import socket
import struct
import subprocess
import time
import unittest

from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic

from cluster_harness import Cluster, scrape, value, wait_for
from kafka_wire import frame, header, read_frame

# Short sessions, so that fencing is seen within seconds.
FAST = {"broker.heartbeat.interval.ms": "300", "broker.session.timeout.ms": "3000"}


def create(bootstrap, name, partitions):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    # The AdminClient sends CreateTopics to the controller the metadata names.
    for _, f in admin.create_topics([NewTopic(name, partitions, 1)],
                                    request_timeout=30).items():
        f.result()


def raw_create_topics_v4(bootstrap_port, name, partitions):
    """CreateTopics v4 straight to one node (no client routing): the error code and message."""
    name_b = name.encode()
    body = (struct.pack(">i", 1) + struct.pack(">h", len(name_b)) + name_b +
            struct.pack(">ihii", partitions, 1, 0, 0) + struct.pack(">i?", 30000, False))
    with socket.create_connection(("127.0.0.1", bootstrap_port), timeout=30) as s:
        s.sendall(frame(header(19, 4) + body))
        resp = read_frame(s)
    # correlation id, throttle time, topic count, name, error code
    pos = 4 + 4
    count = struct.unpack_from(">i", resp, pos)[0]
    pos += 4
    assert count == 1, count
    n = struct.unpack_from(">h", resp, pos)[0]
    pos += 2 + n
    return struct.unpack_from(">h", resp, pos)[0]


class ClusterTest(unittest.TestCase):
    def test_three_nodes_are_one_cluster_with_data_on_every_broker(self):
        with Cluster(3, overrides=FAST) as c:
            controllers = {n.metadata().controller_id for n in c.nodes.values()}
            self.assertEqual(len(controllers), 1, "every node names the same active controller")
            create(c.bootstrap, "spread", 6)
            # Every node serves the same image: 6 partitions, led by all three brokers.
            for node in c.nodes.values():
                md = wait_for(lambda: node.metadata().topics.get("spread"), 10, "the topic")
                leaders = {p.leader for p in md.partitions.values()}
                self.assertEqual(len(md.partitions), 6)
                self.assertEqual(leaders, {1, 2, 3}, "placement spreads leaders over brokers")
            p = Producer({"bootstrap.servers": c.bootstrap, "acks": "all",
                          "enable.idempotence": True})
            acked = []
            for i in range(600):
                p.produce("spread", key=str(i), value="v%d" % i,
                          on_delivery=lambda e, m: acked.append(m) if e is None else None)
            self.assertEqual(p.flush(30), 0)
            self.assertEqual(len(acked), 600)
            consumer = Consumer({"bootstrap.servers": c.bootstrap, "group.id": "g",
                                 "auto.offset.reset": "earliest"})
            consumer.assign([TopicPartition("spread", i, 0) for i in range(6)])
            seen = set()
            deadline = time.monotonic() + 30
            while len(seen) < 600 and time.monotonic() < deadline:
                m = consumer.poll(0.5)
                if m is not None and m.error() is None:
                    seen.add(m.value().decode())
            consumer.close()
            self.assertEqual(seen, {"v%d" % i for i in range(600)})

    def test_kill9_of_the_active_controller_keeps_every_topic(self):
        with Cluster(3, overrides=FAST) as c:
            create(c.bootstrap, "before", 3)
            old = c.controller_id()
            c.nodes[old].kill9()
            new = wait_for(lambda: (lambda i: i if i not in (old, -1) else None)(
                c.controller_id()), 30, "a new active controller")
            self.assertNotEqual(new, old)
            create(c.bootstrap, "after", 3)
            c.nodes[old].spawn()
            c.wait_formed(60)
            for node in c.nodes.values():
                topics = wait_for(lambda: {"before", "after"} <= set(node.metadata().topics)
                                  and node.metadata().topics, 20, "both topics on every node")
                self.assertEqual(len(topics["before"].partitions), 3)
                self.assertEqual(len(topics["after"].partitions), 3)

    def test_admin_requests_and_groups_work_through_a_node_that_is_not_the_controller(self):
        with Cluster(3, overrides=FAST) as c:
            other = next(n for i, n in c.nodes.items() if i != c.controller_id())
            # Forwarded to the active controller: created, and every node sees it.
            self.assertEqual(raw_create_topics_v4(other.port, "forwarded", 3), 0)
            self.assertEqual(raw_create_topics_v4(other.port, "forwarded", 3), 36,
                             "TOPIC_ALREADY_EXISTS from the controller, through the forward")
            for node in c.nodes.values():
                wait_for(lambda: "forwarded" in node.metadata().topics, 10, "the topic")
            # AlterConfigs from confluent-kafka bootstrapped at that node alone: forwarded, and
            # the active controller describes the new value.
            admin = AdminClient({"bootstrap.servers": other.bootstrap})
            for _, f in admin.alter_configs([ConfigResource(
                    ConfigResource.Type.TOPIC, "forwarded",
                    set_config={"retention.ms": "1234567"})]).items():
                f.result(timeout=30)
            controller_admin = AdminClient({"bootstrap.servers":
                                            c.nodes[c.controller_id()].bootstrap})
            described = controller_admin.describe_configs(
                [ConfigResource(ConfigResource.Type.TOPIC, "forwarded")])
            for _, f in described.items():
                self.assertEqual(f.result(timeout=30)["retention.ms"].value, "1234567")
            # A consumer group through that node alone: its coordinator needs
            # __consumer_offsets, which that node has the controller create.
            p = Producer({"bootstrap.servers": other.bootstrap})
            for i in range(10):
                p.produce("forwarded", value="m%d" % i, partition=i % 3)
            self.assertEqual(p.flush(30), 0)
            consumer = Consumer({"bootstrap.servers": other.bootstrap, "group.id": "via-other",
                                 "auto.offset.reset": "earliest",
                                 "enable.auto.commit": False})
            consumer.subscribe(["forwarded"])
            got = []
            deadline = time.monotonic() + 60
            while len(got) < 10 and time.monotonic() < deadline:
                m = consumer.poll(0.5)
                if m is not None and m.error() is None:
                    got.append(m.value().decode())
            consumer.commit(asynchronous=False)
            committed = consumer.committed([TopicPartition("forwarded", i) for i in range(3)],
                                           timeout=30)
            consumer.close()
            self.assertEqual(sorted(got), sorted("m%d" % i for i in range(10)))
            self.assertEqual(sum(tp.offset for tp in committed), 10)

    def test_a_create_topics_of_many_topics_is_one_metadata_commit(self):
        with Cluster(3, overrides=FAST) as c:
            admin = AdminClient({"bootstrap.servers": c.bootstrap})
            for _, f in admin.create_topics([NewTopic("exists", 1, 3)],
                                            request_timeout=30).items():
                f.result()
            controller = c.nodes[c.controller_id()]
            offset = "kafka_server_broker_metadata_metrics_last_applied_record_offset"
            before = value(scrape(controller), offset)
            good = ["many-%d" % i for i in range(40)]
            topics = [NewTopic(n, 2, 3) for n in good]
            # Refused on their own, planned beside the others: a name that exists, a replication
            # factor above the three brokers, an unknown config.
            topics += [NewTopic("exists", 1, 3), NewTopic("too-many-replicas", 1, 4),
                       NewTopic("bad-config", 1, 3, config={"retention.weeks": "1"})]
            errors = {}
            for name, f in admin.create_topics(topics, request_timeout=60).items():
                try:
                    f.result()
                    errors[name] = None
                except Exception as e:  # the KafkaException of that topic
                    errors[name] = e.args[0].code()
            self.assertEqual({n: errors[n] for n in good}, {n: None for n in good})
            self.assertEqual(errors["exists"], KafkaError.TOPIC_ALREADY_EXISTS)
            self.assertEqual(errors["too-many-replicas"], KafkaError.INVALID_REPLICATION_FACTOR)
            self.assertEqual(errors["bad-config"], KafkaError.INVALID_CONFIG)
            # The 40 topics (120 partitions) went into the metadata log as one batch: each commit
            # is one entry, and an idle cluster writes no other entry here (a few at most, were a
            # broker's state to change meanwhile), not one per topic.
            after = value(scrape(controller), offset)
            self.assertGreater(after, before)
            self.assertLessEqual(after - before, 3)
            for node in c.nodes.values():
                md = wait_for(lambda: (lambda m: m if all(n in m.topics for n in good) else None)(
                    node.metadata()), 30, "every node to list the 40 topics")
                self.assertEqual({len(md.topics[n].partitions) for n in good}, {2})
                self.assertNotIn("too-many-replicas", md.topics)
                self.assertNotIn("bad-config", md.topics)

    def test_describe_quorum_through_any_node_shows_every_voter(self):
        eddyctl = os.environ.get("EDDYCTL") or os.path.join(
            os.path.dirname(os.environ.get("EDDYD", "eddyd")), "eddyctl")
        with Cluster(3, overrides=FAST) as c:
            create(c.bootstrap, "q", 1)
            controller = c.controller_id()
            other = next(n for i, n in c.nodes.items() if i != controller)
            out = subprocess.run([eddyctl, "-b", other.bootstrap, "--format", "json", "cluster",
                                  "quorum"], stdout=subprocess.PIPE, check=True, timeout=30)
            quorum = json.loads(out.stdout)
            self.assertEqual(quorum["leader_id"], controller,
                             "a non-controller node forwards DescribeQuorum to the leader")
            self.assertEqual(sorted(v["node_id"] for v in quorum["voters"]), [1, 2, 3])
            self.assertGreater(quorum["high_watermark"], 0)
            leader = next(v for v in quorum["voters"] if v["node_id"] == controller)
            self.assertEqual(leader["log_end_offset"], quorum["high_watermark"])

    def test_a_paused_broker_is_fenced_and_rejoins_after_sigcont(self):
        with Cluster(3, overrides=FAST) as c:
            victim = next(i for i in c.nodes if i != c.controller_id())
            other = next(i for i in c.nodes if i != victim)
            c.nodes[victim].signal(signal.SIGSTOP)
            try:
                wait_for(lambda: victim not in c.nodes[other].metadata().brokers, 30,
                         "the paused broker to be fenced")
            finally:
                c.nodes[victim].signal(signal.SIGCONT)
            wait_for(lambda: victim in c.nodes[other].metadata().brokers, 30,
                     "the broker to be unfenced after SIGCONT")
            self.assertIn("fenced broker %d" % victim, c.nodes[c.controller_id()].log() +
                          "".join(n.log() for n in c.nodes.values()))

    def test_a_broker_of_another_cluster_is_refused(self):
        c = Cluster(3, overrides=FAST)
        try:
            stranger = c.nodes[3]
            # Re-format node 3's dirs for another cluster id.
            for name in os.listdir(os.path.join(stranger.dir, "logs")):
                if name == "meta.properties":
                    os.unlink(os.path.join(stranger.dir, "logs", name))
            other_id = subprocess.run([os.environ.get("EDDYD", "eddyd"), "random-uuid"],
                                      stdout=subprocess.PIPE, check=True).stdout.decode().strip()
            stranger.format(other_id)
            for node in c.nodes.values():
                node.spawn()
            # The quorum drops node 3's Raft messages and node 3 drops theirs (each logs it); a
            # broker of the right cluster would also be refused at registration.
            wait_for(lambda: "INCONSISTENT_CLUSTER_ID" in stranger.log(), 60,
                     "node 3 to report the other cluster")
            wait_for(lambda: "INCONSISTENT_CLUSTER_ID" in c.nodes[1].log(), 60,
                     "node 1 to report node 3's cluster")
            md = wait_for(lambda: (lambda m: m if set(m.brokers) == {1, 2} else None)(
                c.nodes[1].metadata()), 60, "brokers 1 and 2, and only them, to be listed")
            self.assertIn(md.controller_id, (1, 2), "node 3 never leads the quorum")
            time.sleep(1)
            self.assertNotIn(3, c.nodes[2].metadata().brokers,
                             "a broker of another cluster is never listed")
        finally:
            c.close()


if __name__ == "__main__":
    unittest.main()
