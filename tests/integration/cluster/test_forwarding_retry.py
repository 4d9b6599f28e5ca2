"""A forwarded admin request waiting on a stopped (SIGSTOP) active controller holds no thread
another request needs: the forwarding node serves a second admin request through the newly
elected controller while the first still waits for the stopped one to answer. The same holds for
a topic auto-created by a Metadata request: its CreateTopics is forwarded, and the node that wins
the election serves CreateTopics at once while that forward still waits.

Before the forwards ran on their own workers, each held the forwarding node's controller thread
for its whole retry (up to 10 s): the second request was answered only after the first, and an
election that chose the forwarding node found its controller thread busy.

  cd tests/integration/cluster && EDDYD=../../../build/bin/eddyd \\
    PYTHONPATH=../broker /usr/bin/python3 -m unittest -v test_forwarding_retry
"""

import signal
import struct
import threading
import time
import unittest

from cluster_harness import Cluster, wait_for
from test_forwarding import NONE, NOT_CONTROLLER, REQUEST_TIMED_OUT, call, create_topics, string

LEADER_NOT_AVAILABLE, UNKNOWN_TOPIC = 5, 3


def auto_create(port, name):
    """Metadata v4 for `name` with allow_auto_topic_creation: the topic's error code."""
    body = struct.pack(">i", 1) + string(name) + struct.pack(">?", True)
    resp = call(port, 3, 4, body)
    if resp is None:
        return None
    pos = 4  # throttle time
    (brokers,) = struct.unpack_from(">i", resp, pos)
    pos += 4

    def skip_string(pos):
        (length,) = struct.unpack_from(">h", resp, pos)
        return pos + 2 + max(length, 0)
    for _ in range(brokers):
        pos = skip_string(pos + 4) + 4  # node id, host, port
        pos = skip_string(pos)  # rack
    pos = skip_string(pos) + 4  # cluster id, controller id
    (topics,) = struct.unpack_from(">i", resp, pos)
    assert topics == 1, topics
    return struct.unpack_from(">h", resp, pos + 4)[0]


class ForwardingHoldsNoSharedThreadTest(unittest.TestCase):
    def test_a_request_is_served_while_a_forward_waits_on_a_stopped_controller(self):
        with Cluster(3) as c:
            old = c.controller_id()
            via = c.nodes[min(i for i in c.nodes if i != old)]
            # Through the forwarding node, so that it holds a connection to the controller.
            self.assertEqual(create_topics(via.port, "warm"), NONE)
            c.nodes[old].signal(signal.SIGSTOP)
            order, lock = [], threading.Lock()

            def first():
                code = create_topics(via.port, "first")
                with lock:
                    order.append(("first", code))
            t = threading.Thread(target=first)
            t.start()
            try:
                # The first forward reaches the stopped controller within milliseconds; an
                # election takes over a second (election timeout).
                time.sleep(0.3)
                wait_for(lambda: via.metadata().controller_id not in (old, -1), 60,
                         "a new active controller")
                code = create_topics(via.port, "second")
                with lock:
                    order.append(("second", code))
            finally:
                t.join(timeout=120)
                c.nodes[old].signal(signal.SIGCONT)
            self.assertEqual([what for what, _ in order], ["second", "first"], order)
            self.assertEqual(order[0][1], NONE)
            self.assertIn(order[1][1], {NONE, NOT_CONTROLLER, REQUEST_TIMED_OUT})

    def test_an_auto_create_waiting_on_a_stopped_controller_holds_no_controller_thread(self):
        with Cluster(3) as c:
            old = c.controller_id()
            others = [i for i in c.nodes if i != old]
            for i in others:  # each holds a connection to the controller
                self.assertEqual(create_topics(c.nodes[i].port, "warm%d" % i), NONE)
            c.nodes[old].signal(signal.SIGSTOP)
            order, lock = [], threading.Lock()

            def auto(i):
                code = auto_create(c.nodes[i].port, "auto%d" % i)
                with lock:
                    order.append(("auto%d" % i, code))
            # On both nodes that may win the election: the winner's forward must not hold it.
            threads = [threading.Thread(target=auto, args=(i,)) for i in others]
            for t in threads:
                t.start()
            try:
                time.sleep(0.3)
                new = wait_for(lambda: (lambda n: n if n not in (old, -1) else None)(
                    c.nodes[others[0]].metadata().controller_id), 60, "a new active controller")
                code = create_topics(c.nodes[new].port, "second")
                with lock:
                    order.append(("second", code))
            finally:
                for t in threads:
                    t.join(timeout=120)
                c.nodes[old].signal(signal.SIGCONT)
            self.assertEqual(order[0], ("second", NONE), order)
            for what, code in order[1:]:
                self.assertIn(code, {NONE, LEADER_NOT_AVAILABLE, UNKNOWN_TOPIC}, order)


if __name__ == "__main__":
    unittest.main()
