"""The controller's operations on three real nodes: controlled shutdown (leaderships and ISRs
move before a broker stops) and ElectLeaders (unclean and preferred) sent to any node and
forwarded to the active controller, through eddyctl.

  cd tests/integration/cluster && EDDYD=../../../build/bin/eddyd \\
    EDDYCTL=../../../build/bin/eddyctl PYTHONPATH=../broker /usr/bin/python3 -m unittest -v \\
    test_controller_ops
"""

import json
import os
import subprocess
import unittest

from confluent_kafka.admin import AdminClient, NewTopic

from cluster_harness import Cluster, wait_for

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


if __name__ == "__main__":
    unittest.main()
