"""A partition leader that loses its unsynced tail in a power cut and restarts at once, before the
controller noticed it was gone, must not lead again in its old leader epoch: the committed
metadata it catches up with still names it the leader at that epoch, but its log is shorter than
its followers'. Leading there, it would answer their fetches as out of range (they would cut
acknowledged records) and take new appends at offsets they hold with other records, a divergence
within one epoch that truncation by epoch cannot find. A restarted node opens its partitions only
from the image that holds its new registration, which takes it out of every ISR and leadership.

Three real eddyd processes, log.flush.policy=interval (nothing fsynced, so the power cut takes
the leader's whole log while its followers keep theirs in memory), an idempotent acks=all
producer before and across the restart; the old session outlives the restart
(broker.session.timeout.ms 12 s), so the restarted node's registration waits for its expiry.

  cd tests/integration/cluster && EDDYD=../../../build/bin/eddyd \\
    PYTHONPATH=../broker:../faults \\
    EDDY_POWER_LOSS_SHIM=../../../build/tests/integration/faults/libeddy_power_loss_shim.so \\
    /usr/bin/python3 -m unittest -v test_power_cut_leader
"""

import unittest

from cluster_harness import Cluster, wait_for
from test_replication import (FAST, AckedProducer, create, cut_power, log_bytes, partition_state,
                              read_all, shim_every_node, wait_isr)

OVERRIDES = dict(FAST, **{"broker.session.timeout.ms": "12000", "log.flush.policy": "interval"})
TOPIC = "cut-leader"


class PowerCutLeaderTest(unittest.TestCase):
    def test_a_leader_restarted_after_a_power_cut_does_not_lead_its_old_epoch(self):
        c = Cluster(3, overrides=OVERRIDES)
        try:
            roots = shim_every_node(c)
            c.start()
            create(c.bootstrap, TOPIC, configs={"min.insync.replicas": "2"})
            leader, _ = wait_isr(c, TOPIC, [1, 2, 3])
            prod = AckedProducer(c.bootstrap, TOPIC)
            prod.send(0, 2000)
            prod.flush()
            self.assertEqual(len(prod.acked), 2000)

            # Power cut of the leader alone, and an immediate restart.
            node = c.nodes[leader]
            node.signal(9)
            node.proc.wait(timeout=30)
            node.proc = None
            removed = cut_power(node, *roots[leader])
            self.assertGreater(removed, 0, "the power cut took nothing from the leader's log")
            node.spawn()

            # Records sent while the restarted node waits for its registration.
            prod.send(2000, 500)
            prod.flush()
            wait_isr(c, TOPIC, [1, 2, 3], timeout_s=120)
            leader_now, _ = partition_state(c, TOPIC)

            values, _ = read_all(c.bootstrap, TOPIC)
            lost = prod.acked - set(values)
            self.assertEqual(lost, set(), "acknowledged records lost: %d of %d (first %s)"
                             % (len(lost), len(prod.acked), sorted(lost)[:5]))
            self.assertEqual(len(values), len(set(values)), "an idempotent retry appended twice")
            wait_for(lambda: len({log_bytes(n, TOPIC) for n in c.nodes.values()}) == 1, 60,
                     "the three replicas' logs to be byte-identical (leader now %s)" % leader_now)
        except Exception:
            print(c.logs())
            raise
        finally:
            errors = c.close()
            self.assertEqual(errors, [])


if __name__ == "__main__":
    unittest.main()
