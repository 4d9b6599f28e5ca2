"""The controller's operations on three real nodes: controlled shutdown (leaderships and ISRs
move before a broker stops), ElectLeaders (unclean and preferred), partition reassignments,
broker list and unregister, all sent to a node that is not the controller and forwarded, through
eddyctl; producer ids allocated in blocks by the controller, unique across brokers.

  cd tests/integration/cluster && EDDYD=../../../build/bin/eddyd \\
    EDDYCTL=../../../build/bin/eddyctl PYTHONPATH=../broker /usr/bin/python3 -m unittest -v \\
    test_controller_ops
"""

import json
import os
import socket
import struct
import subprocess
import tempfile
import unittest

from confluent_kafka.admin import AdminClient, NewTopic

from cluster_harness import Cluster, wait_for
from kafka_wire import frame, header, read_frame

FAST = {"broker.heartbeat.interval.ms": "300", "broker.session.timeout.ms": "3000"}


def eddyctl(bootstrap, *args):
    p = subprocess.run([os.environ.get("EDDYCTL", "eddyctl"), "-b", bootstrap, "--format",
                        "json"] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=60)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def create(bootstrap, topic):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for _, f in admin.create_topics([topic], request_timeout=30).items():
        f.result()


def partitions(node, topic):
    md = node.metadata()
    t = md.topics.get(topic)
    return {} if t is None else t.partitions


def init_producer_ids(port, count):
    """`count` InitProducerId v0 requests (no transactional id) on one connection: the ids."""
    ids = []
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        for _ in range(count):
            s.sendall(frame(header(22, 0) + struct.pack(">hi", -1, 60000)))
            resp = read_frame(s)
            # correlation id, throttle time, error code, producer id, epoch
            _, _, error, pid, epoch = struct.unpack(">iihqh", resp)
            if error != 0:
                raise AssertionError("InitProducerId answered error %d" % error)
            ids.append(pid)
    return ids


def write_plan(entries):
    f = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
    json.dump({"version": 1, "partitions": [
        {"topic": t, "partition": p, "replicas": r} for t, p, r in entries]}, f)
    f.close()
    return f.name


class ControllerOpsTest(unittest.TestCase):
    def test_controlled_shutdown_moves_leaders_and_isrs_before_the_broker_stops(self):
        # A session far longer than the test: only the controlled shutdown can move anything.
        slow_fencing = dict(FAST, **{"broker.session.timeout.ms": "120000"})
        with Cluster(3, overrides=slow_fencing) as c:
            create(c.bootstrap, NewTopic("moving", 6, 3))
            controller = c.controller_id()
            victim = next(i for i in c.nodes if i != controller)
            other = c.nodes[controller]
            wait_for(lambda: sum(p.leader == victim
                                 for p in partitions(other, "moving").values()) > 0, 30,
                     "broker %d to lead a partition" % victim)
            self.assertEqual(c.nodes[victim].stop(), 0)
            self.assertIn("the controller lets it stop", c.nodes[victim].log())
            # Already true when the process is gone, long before its session could expire.
            for p in partitions(other, "moving").values():
                self.assertNotEqual(p.leader, victim)
                self.assertNotIn(victim, p.isrs)
                self.assertGreaterEqual(p.leader, 0, "another ISR member leads")
            self.assertNotIn(victim, other.metadata().brokers, "it stopped fenced")

    def test_unclean_and_preferred_elections_through_a_node_that_is_not_the_controller(self):
        with Cluster(3, overrides=FAST) as c:
            controller = c.controller_id()
            a, b = [i for i in sorted(c.nodes) if i != controller]
            # Preferred replica b, then a.
            create(c.bootstrap, NewTopic("elect", 1, replica_assignment=[[b, a]]))
            ctl = c.nodes[a].bootstrap  # a node that is not the controller: it forwards
            rc, out, err = eddyctl(ctl, "leader", "elect", "--preferred", "elect/0")
            self.assertEqual(rc, 0, err)
            self.assertEqual(json.loads(out)["results"][0]["result"], "not needed")

            # b dies: fenced, a leads. b returns (unfenced, but out of the ISR: nothing
            # replicates to it here). Then a dies: the partition has no leader, and only b,
            # outside the ISR, is live.
            c.nodes[b].kill9()
            wait_for(lambda: partitions(c.nodes[controller], "elect")[0].leader == a, 30,
                     "a to lead after b is fenced")
            rc, out, _ = eddyctl(ctl, "leader", "elect", "--preferred", "elect/0")
            self.assertEqual(rc, 1)
            self.assertIn("PREFERRED_LEADER_NOT_AVAILABLE", json.loads(out)["results"][0]["result"])
            c.nodes[b].spawn()
            wait_for(lambda: b in c.nodes[controller].metadata().brokers, 60, "b to return")
            c.nodes[a].kill9()
            wait_for(lambda: partitions(c.nodes[controller], "elect")[0].leader == -1, 30,
                     "the partition to lose its leader")
            ctl = c.nodes[b].bootstrap
            rc, out, err = eddyctl(ctl, "leader", "elect", "--unclean", "--all")
            self.assertEqual(rc, 0, out + err)
            self.assertEqual(json.loads(out)["results"],
                             [{"topic": "elect", "partition": 0, "error_code": 0,
                               "result": "elected"}])
            p = partitions(c.nodes[controller], "elect")[0]
            self.assertEqual((p.leader, p.isrs), (b, [b]))
            # Now led by its preferred replica: nothing to do, and --all lists nothing.
            rc, out, err = eddyctl(ctl, "leader", "elect", "--preferred", "--all")
            self.assertEqual((rc, json.loads(out)["results"]), (0, []), err)
            rc, out, _ = eddyctl(ctl, "leader", "elect", "--preferred", "nosuch/0")
            self.assertEqual(rc, 1)
            self.assertIn("UNKNOWN_TOPIC_OR_PARTITION", out)
            # An election type Kafka does not have (v1: type, null partition list, timeout).
            with socket.create_connection(("127.0.0.1", c.nodes[b].port), timeout=30) as s:
                s.sendall(frame(header(43, 1) + struct.pack(">bii", 5, -1, 60000)))
                _, _, error = struct.unpack_from(">iih", read_frame(s))
            self.assertEqual(error, 42, "INVALID_REQUEST")

    def test_producer_ids_are_unique_across_brokers_and_restarts(self):
        with Cluster(3, overrides=FAST) as c:
            seen = []
            # More than one block (1000 ids) from each broker.
            for node in c.nodes.values():
                seen += init_producer_ids(node.port, 1100)
            victim = next(i for i in c.nodes if i != c.controller_id())
            c.nodes[victim].stop()
            c.nodes[victim].spawn()
            wait_for(lambda: victim in c.nodes[c.controller_id()].metadata().brokers, 60,
                     "the restarted broker to be unfenced")
            seen += wait_for(lambda: init_producer_ids(c.nodes[victim].port, 10), 30,
                             "the restarted broker to hand out producer ids")
            self.assertEqual(len(seen), len(set(seen)), "a producer id was handed out twice")

    def test_reassignments_list_cancel_complete_and_errors(self):
        with Cluster(3, overrides=FAST) as c:
            controller = c.controller_id()
            a, b = [i for i in sorted(c.nodes) if i != controller]
            create(c.bootstrap, NewTopic("r1", 1, replica_assignment=[[a]]))
            create(c.bootstrap, NewTopic("r2", 1, replica_assignment=[[a, b]]))
            ctl = c.nodes[a].bootstrap  # not the controller: it forwards
            # b is down while r1 moves to it, so the reassignment stays in progress (b would
            # otherwise catch up with the empty partition at once and complete it).
            c.nodes[b].stop()
            rc, out, err = eddyctl(ctl, "partition", "reassign", "--plan",
                                   write_plan([("r1", 0, [b])]))
            self.assertEqual(rc, 0, out + err)
            rc, out, err = eddyctl(ctl, "partition", "reassignments")
            self.assertEqual(json.loads(out)["reassignments"], [
                {"topic": "r1", "partition": 0, "replicas": [b, a], "adding_replicas": [b],
                 "removing_replicas": [a]}], err)
            # Until b is in the ISR, a keeps leading.
            p = partitions(c.nodes[controller], "r1")[0]
            self.assertEqual((p.leader, p.isrs), (a, [a]))

            rc, out, _ = eddyctl(ctl, "partition", "reassign", "--plan",
                                 write_plan([("r1", 0, [b, 99])]))
            self.assertEqual(rc, 1)
            self.assertIn("INVALID_REPLICA_ASSIGNMENT", out)

            rc, out, err = eddyctl(ctl, "partition", "reassign", "--cancel", "--plan",
                                   write_plan([("r1", 0, [b])]))
            self.assertEqual(rc, 0, out + err)
            self.assertEqual(partitions(c.nodes[controller], "r1")[0].replicas, [a])
            rc, out, _ = eddyctl(ctl, "partition", "reassignments")
            self.assertEqual(json.loads(out)["reassignments"], [])
            rc, out, _ = eddyctl(ctl, "partition", "reassign", "--cancel", "--plan",
                                 write_plan([("r1", 0, [b])]))
            self.assertEqual(rc, 1)
            self.assertIn("NO_REASSIGNMENT_IN_PROGRESS", out)

            c.nodes[b].spawn()
            wait_for(lambda: sorted(partitions(c.nodes[controller], "r2")[0].isrs) == [a, b], 60,
                     "b back in r2's ISR")
            # Only removing a replica: every target replica is in the ISR, so it completes at
            # once, and the leaving leader hands over.
            rc, out, err = eddyctl(ctl, "partition", "reassign", "--plan",
                                   write_plan([("r2", 0, [b])]))
            self.assertEqual(rc, 0, out + err)
            p = partitions(c.nodes[controller], "r2")[0]
            self.assertEqual((p.replicas, p.isrs, p.leader), ([b], [b], b))

            rc, out, err = eddyctl(ctl, "partition", "reassign", "--generate", "--topics",
                                   "r1,r2", "--brokers", "%d,%d" % (a, b))
            self.assertEqual(rc, 0, err)
            proposed = json.loads(out)["proposed"]["partitions"]
            self.assertEqual(proposed, [{"topic": "r1", "partition": 0, "replicas": [a]},
                                        {"topic": "r2", "partition": 0, "replicas": [a]}])

    def test_broker_list_shows_fenced_brokers_and_unregister_removes_one(self):
        with Cluster(3, overrides=FAST) as c:
            controller = c.controller_id()
            victim = next(i for i in c.nodes if i != controller)
            ctl = c.nodes[controller].bootstrap
            rc, out, err = eddyctl(ctl, "broker", "list")
            self.assertEqual(rc, 0, err)
            brokers = json.loads(out)["brokers"]
            self.assertEqual([(x["node_id"], x["fenced"]) for x in brokers],
                             [(1, False), (2, False), (3, False)])
            self.assertEqual([x["port"] for x in brokers],
                             [c.nodes[i].port for i in (1, 2, 3)])
            c.nodes[victim].stop()
            rc, out, _ = eddyctl(ctl, "broker", "list")
            self.assertIn((victim, True), [(x["node_id"], x["fenced"])
                                           for x in json.loads(out)["brokers"]])
            # cluster health: unhealthy while a registered broker is fenced.
            rc, out, err = eddyctl(ctl, "cluster", "health")
            self.assertEqual((rc, json.loads(out)["fenced_brokers"]), (1, [str(victim)]), err)
            other = next(i for i in c.nodes if i not in (controller, victim))
            rc, out, err = eddyctl(c.nodes[other].bootstrap, "broker", "unregister", str(victim))
            self.assertEqual(rc, 0, out + err)
            rc, out, _ = eddyctl(ctl, "broker", "list")
            self.assertNotIn(victim, [x["node_id"] for x in json.loads(out)["brokers"]])
            rc, out, err = eddyctl(ctl, "broker", "unregister", str(victim))
            self.assertEqual(rc, 1)
            self.assertIn("BROKER_ID_NOT_REGISTERED", err)


if __name__ == "__main__":
    unittest.main()
