"""A forwarded admin request waiting on a stopped (SIGSTOP) active controller holds no thread
another request needs: the forwarding node serves a second admin request through the newly
elected controller while the first still waits for the stopped one to answer.

Before the forwards ran on their own workers, each held the forwarding node's controller thread
for its whole retry (up to 10 s): the second request was answered only after the first, and an
election that chose the forwarding node found its controller thread busy.

  cd tests/integration/cluster && EDDYD=../../../build/bin/eddyd \\
    PYTHONPATH=../broker /usr/bin/python3 -m unittest -v test_forwarding_retry
"""

import signal
import threading
import time
import unittest

from cluster_harness import Cluster, wait_for
from test_forwarding import NONE, NOT_CONTROLLER, REQUEST_TIMED_OUT, create_topics


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


if __name__ == "__main__":
    unittest.main()
