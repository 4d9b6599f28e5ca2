"""The data path of a partition reassignment on four real nodes: an RF 3 partition with records
in it moves one replica to a broker that had none (eddyctl partition reassign, as
kafka-reassign-partitions --execute, sent to a node that forwards it; `partition reassignments`
until it is done, as --verify). The new replica copies the whole log from the leader, joins the
ISR, the reassignment completes, and once it is elected leader it serves every acknowledged
record, in order; the removed replica's log directory is deleted.

  cd tests/integration/cluster && EDDYD=../../../build/bin/eddyd \\
    EDDYCTL=../../../build/bin/eddyctl PYTHONPATH=../broker:../faults /usr/bin/python3 \\
    -m unittest -v test_reassignment_data
"""

import json
import os
import unittest

from confluent_kafka.admin import AdminClient, NewTopic

from cluster_harness import Cluster, wait_for
from test_controller_ops import eddyctl, write_plan
from test_replication import FAST, AckedProducer, partition_state, read_all, wait_isr

RECORDS = 5000


def partition_dirs(node, topic, partition=0):
    """The node's directories of the partition, a renamed one awaiting deletion included."""
    root = os.path.join(node.data_dir, "logs")
    prefix = "%s-%d" % (topic, partition)
    if not os.path.isdir(root):
        return []
    return sorted(d for d in os.listdir(root) if d == prefix or d.startswith(prefix + "."))


class ReassignmentDataTest(unittest.TestCase):
    def test_a_moved_replica_holds_every_record_and_the_removed_one_is_deleted(self):
        with Cluster(4, overrides=FAST) as c:
            admin = AdminClient({"bootstrap.servers": c.bootstrap})
            for _, f in admin.create_topics([NewTopic("moved", 1, replica_assignment=[[1, 2, 3]])],
                                            request_timeout=30).items():
                f.result()
            wait_isr(c, "moved", [1, 2, 3])
            prod = AckedProducer(c.bootstrap, "moved")
            prod.send(0, RECORDS)
            prod.flush()
            self.assertEqual(len(prod.acked), RECORDS)
            self.assertEqual(partition_dirs(c.nodes[4], "moved"), [])

            # Replica 1 (the leader) moves to broker 4, which comes first in the target.
            via = c.nodes[2].bootstrap
            rc, out, err = eddyctl(via, "partition", "reassign", "--plan",
                                   write_plan([("moved", 0, [4, 2, 3])]))
            self.assertEqual(rc, 0, out + err)

            def done():
                rc, out, err = eddyctl(via, "partition", "reassignments")
                return rc == 0 and json.loads(out)["reassignments"] == []
            wait_for(done, 120, "the reassignment to complete")
            md = admin.list_topics("moved", timeout=10)
            self.assertEqual(md.topics["moved"].partitions[0].replicas, [4, 2, 3])
            wait_isr(c, "moved", [2, 3, 4])

            rc, out, err = eddyctl(via, "leader", "elect", "--preferred", "moved/0")
            self.assertEqual(rc, 0, out + err)
            wait_for(lambda: partition_state(c, "moved")[0] == 4, 30, "broker 4 to lead")
            values, high = read_all(c.nodes[4].bootstrap, "moved")
            self.assertEqual(high, RECORDS)
            self.assertEqual(values, ["v%07d" % i for i in range(RECORDS)])
            wait_for(lambda: partition_dirs(c.nodes[1], "moved") == [], 60,
                     "the removed replica's log directory to be deleted")


if __name__ == "__main__":
    unittest.main()
