"""Consumer groups with confluent-kafka (librdkafka) against a real eddyd."""

import time
import unittest

from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient

from groups_support import Broker, Member, create_topic, produce, wait_for_assignments

SESSION_MS = 6000


class RebalanceTest(unittest.TestCase):
    def setUp(self):
        self.broker = Broker().start()
        self.bootstrap = self.broker.bootstrap
        create_topic(self.bootstrap, "six", 6)
        self.members = []

    def tearDown(self):
        for m in self.members:
            m.kill() if m.proc.poll() is None else None
        self.broker.stop()

    def member(self, group, **options):
        options.setdefault("session_ms", SESSION_MS)
        m = Member(self.bootstrap, group, "six", **options)
        self.members.append(m)
        return m

    def test_three_members_get_two_each_and_three_each_after_one_leaves(self):
        a, b, c = (self.member("split") for _ in range(3))
        wait_for_assignments([a, b, c], [2, 2, 2])
        c.close()
        wait_for_assignments([a, b], [3, 3])
        # The rebalance log (docs/consumer-groups.md): each member that joined, the one that left.
        log = self.broker.log()
        self.assertIn("Stabilized group split generation", log)
        self.assertRegex(log, r"Member\[group.instance.id None, member.id [^\]]+\] in group split "
                              r"has left, removing it from the group")
        self.assertRegex(log, r"Preparing to rebalance group split in state \w+ with old generation "
                              r"\d+ \(__consumer_offsets-\d+\) \(reason: removing member \S+ on "
                              r"LeaveGroup")

    def test_partitions_of_a_killed_member_move_after_the_session_timeout(self):
        a, b, c = (self.member("killed") for _ in range(3))
        wait_for_assignments([a, b, c], [2, 2, 2])
        c.kill()
        wait_for_assignments([a, b], [3, 3], timeout_s=SESSION_MS / 1000 + 60)
        log = self.broker.log()
        self.assertRegex(log, r"Member \S+ in group killed has failed, removing it from the group")
        self.assertRegex(log, r"\(reason: removing member \S+ on heartbeat expiration\)")

    def test_cooperative_sticky_survivors_keep_their_partitions(self):
        a, b, c = (self.member("coop", assignor="cooperative-sticky") for _ in range(3))
        wait_for_assignments([a, b, c], [2, 2, 2])
        before = {id(m): set(m.assignment) for m in (a, b)}
        revoked_before = {id(m): len([e for e in m.history if e["event"] == "revoked"])
                          for m in (a, b)}
        c.close()
        wait_for_assignments([a, b], [3, 3])
        for m in (a, b):
            self.assertTrue(before[id(m)] <= set(m.assignment),
                            "%s lost partitions: %s" % (before[id(m)], m.assignment))
            later = [e for e in m.history if e["event"] == "revoked"][revoked_before[id(m)]:]
            for e in later:
                self.assertEqual(e["removed"], [], "a survivor had partitions revoked: %s" % e)


class CommitTest(unittest.TestCase):
    def consume(self, bootstrap, group, topic, count):
        """Consumes `count` records with synchronous commits; returns {partition: [offsets]}."""
        c = Consumer({"bootstrap.servers": bootstrap, "group.id": group,
                      "auto.offset.reset": "earliest", "enable.auto.commit": False,
                      "session.timeout.ms": SESSION_MS})
        c.subscribe([topic])
        seen = {}
        deadline = time.monotonic() + 60
        try:
            while sum(len(v) for v in seen.values()) < count and time.monotonic() < deadline:
                m = c.poll(0.2)
                if m is None or m.error():
                    continue
                seen.setdefault(m.partition(), []).append(m.offset())
                c.commit(message=m, asynchronous=False)
        finally:
            c.close()
        self.assertEqual(sum(len(v) for v in seen.values()), count, seen)
        return seen

    def committed(self, bootstrap, group, topic, partitions):
        c = Consumer({"bootstrap.servers": bootstrap, "group.id": group})
        try:
            tps = c.committed([TopicPartition(topic, p) for p in range(partitions)], timeout=30)
        finally:
            c.close()
        return {tp.partition: tp.offset for tp in tps}

    def test_consumption_resumes_after_the_committed_offsets_on_rejoin(self):
        with Broker() as broker:
            create_topic(broker.bootstrap, "resume", 2)
            produce(broker.bootstrap, "resume", 2, 10)
            first = self.consume(broker.bootstrap, "resume-g", "resume", 8)
            second = self.consume(broker.bootstrap, "resume-g", "resume", 12)
            for p in (0, 1):
                offsets = first.get(p, []) + second.get(p, [])
                self.assertEqual(offsets, list(range(10)), "partition %d: %s" % (p, offsets))

    def test_committed_offsets_survive_kill9_of_eddyd(self):
        broker = Broker().start()
        try:
            create_topic(broker.bootstrap, "durable", 2)
            produce(broker.bootstrap, "durable", 2, 10)
            first = self.consume(broker.bootstrap, "durable-g", "durable", 7)
            want = {p: max(o) + 1 for p, o in first.items()}
            broker.kill9()
            broker.start()
            got = self.committed(broker.bootstrap, "durable-g", "durable", 2)
            for p, o in want.items():
                self.assertEqual(got[p], o)
            rest = self.consume(broker.bootstrap, "durable-g", "durable", 13)
            for p in (0, 1):
                self.assertEqual(first.get(p, []) + rest.get(p, []), list(range(10)))
        finally:
            broker.stop()


class StaticMembershipTest(unittest.TestCase):
    def test_restarting_a_static_member_does_not_rebalance_the_others(self):
        with Broker() as broker:
            create_topic(broker.bootstrap, "static", 4)
            members = [Member(broker.bootstrap, "static-g", "static", instance_id="i-%d" % i,
                              session_ms=30000) for i in range(2)]
            try:
                wait_for_assignments(members, [2, 2])
                other = members[0]
                seen_before = len(other.history)
                members[1].kill()
                members[1] = Member(broker.bootstrap, "static-g", "static", instance_id="i-1",
                                    session_ms=30000)
                wait_for_assignments(members, [2, 2], timeout_s=60)
                other.pump(5)
                events = other.history[seen_before:]
                self.assertEqual([e for e in events if e["event"] in ("assigned", "revoked")], [],
                                 "the other member rebalanced")
            finally:
                for m in members:
                    if m.proc.poll() is None:
                        m.kill()


class AdminTest(unittest.TestCase):
    """confluent-kafka 1.7's AdminClient.list_groups() is ListGroups plus DescribeGroups;
    DeleteGroups comes from kafka-python's admin client (confluent-kafka 1.7 has none)."""

    def test_list_describe_and_delete_groups(self):
        from kafka import KafkaAdminClient

        with Broker() as broker:
            create_topic(broker.bootstrap, "adm", 2)
            member = Member(broker.bootstrap, "adm-live", "adm", session_ms=SESSION_MS)
            try:
                wait_for_assignments([member], [2])
                c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "adm-idle"})
                c.commit(offsets=[TopicPartition("adm", 0, 1)], asynchronous=False)
                c.close()
                admin = AdminClient({"bootstrap.servers": broker.bootstrap})
                groups = {g.id: g for g in admin.list_groups(timeout=30)}
                self.assertIn("adm-live", groups)
                self.assertIn("adm-idle", groups)
                live = groups["adm-live"]
                self.assertEqual(live.state, "Stable")
                self.assertEqual(live.protocol_type, "consumer")
                self.assertEqual(live.protocol, "range")
                self.assertEqual(len(live.members), 1)
                self.assertTrue(live.members[0].assignment)
                self.assertEqual(groups["adm-idle"].state, "Empty")

                kadmin = KafkaAdminClient(bootstrap_servers=broker.bootstrap)
                try:
                    results = dict(kadmin.delete_consumer_groups(["adm-idle", "adm-live"]))
                finally:
                    kadmin.close()
                self.assertEqual(results["adm-idle"].errno, 0)
                self.assertEqual(results["adm-live"].errno, 68)  # NON_EMPTY_GROUP
                groups = {g.id for g in admin.list_groups(timeout=30)}
                self.assertNotIn("adm-idle", groups)
                self.assertIn("adm-live", groups)
            finally:
                member.kill()


if __name__ == "__main__":
    unittest.main()
