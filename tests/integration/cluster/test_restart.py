"""What a node keeps and drops across restarts, on three real eddyd processes: the high-watermark
checkpoint (replication-offset-checkpoint) makes a restarted partition answer the end offsets it
had before as soon as it is served, not a lower one until every ISR follower fetched again; stray
logs (KIP-858) of a topic deleted, or deleted and re-created under its name, while a node was down
are deleted when it returns, and never served.

  cd tests/integration/cluster && EDDYD=../../../build/bin/eddyd PYTHONPATH=../broker:../faults \\
    /usr/bin/python3 -m unittest -v test_restart
"""

import os
import signal
import socket
import struct
import time
import unittest

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient, NewTopic

from cluster_harness import Cluster, wait_for
from kafka_wire import frame, header, read_frame
from test_replication import FAST, AckedProducer, create, log_bytes, read_all, wait_isr

# Controlled shutdown off: stopping every node leaves the ISRs as they were (a controlled shutdown
# takes each stopping node out of them), so the restarted leader has followers to wait for.
# Followers learn the leader's high watermark within one short fetch wait.
RESTART = dict(FAST, **{"controlled.shutdown.enable": "false",
                        "replica.fetch.wait.max.ms": "100",
                        "replica.lag.time.max.ms": "10000"})


def latest_offset(port, topic, partition):
    """ListOffsets v1, latest, to one node: (error, offset)."""
    t = topic.encode()
    body = (struct.pack(">ii", -1, 1) + struct.pack(">h", len(t)) + t +
            struct.pack(">iiq", 1, partition, -1))
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(frame(header(2, 1) + body))
        resp = read_frame(sock)
    pos = 4 + 4  # correlation id, topic count
    pos += 2 + struct.unpack_from(">h", resp, pos)[0] + 4  # topic name, partition count
    _, error, _, offset = struct.unpack_from(">ihqq", resp, pos)
    return error, offset


def served_end_offset(c, topic, partition):
    """The partition's ListOffsets latest (its high watermark) as its leader answers it, or None
    while no running node serves it."""
    for node in c.nodes.values():
        if node.alive():
            try:
                error, offset = latest_offset(node.port, topic, partition)
            except OSError:  # still starting
                continue
            if error == 0:
                return offset
    return None


def end_offsets(c, topic, partitions):
    return [served_end_offset(c, topic, p) for p in range(partitions)]


def stop_all(c):
    """SIGTERM to every node at once, then wait for each: a clean stop of the whole cluster."""
    for node in c.nodes.values():
        node.signal(signal.SIGTERM)
    for node in c.nodes.values():
        rc = node.proc.wait(timeout=90)
        node.proc = None
        assert rc == 0, "node %d exited %s on SIGTERM" % (node.node_id, rc)


def delete_topic(bootstrap, name):
    """Deletes the topic, asking again while no controller answers (one that stops while a
    DeleteTopics is forwarded to it leaves the request unanswered)."""
    admin = AdminClient({"bootstrap.servers": bootstrap})

    def attempt():
        try:
            admin.delete_topics([name], request_timeout=10)[name].result(15)
        except KafkaException as e:
            if e.args[0].code() != KafkaError.UNKNOWN_TOPIC_OR_PART:  # an earlier try did it
                raise
        return True
    wait_for(attempt, 90, "topic %s to be deleted" % name)


def stop_a_follower_node(c):
    """Stops (SIGTERM) a node that is not the active controller, so that the others go on
    without a controller failover; returns it and the bootstrap of the others."""
    controller = c.controller_id()
    down = next(n for i, n in sorted(c.nodes.items(), reverse=True) if i != controller)
    down.stop()
    return down, ",".join(n.bootstrap for n in c.nodes.values() if n is not down)


def topic_dirs(node, topic):
    root = os.path.join(node.data_dir, "logs")
    return sorted(d for d in os.listdir(root) if d.rsplit("-", 1)[0] == topic)


class RestartTest(unittest.TestCase):
    def test_end_offsets_after_a_restart_of_every_node_are_those_before(self):
        with Cluster(3, overrides=RESTART) as c:
            partitions = 3
            create(c.bootstrap, "hw", partitions=partitions)
            for p in range(partitions):
                wait_isr(c, "hw", [1, 2, 3], partition=p)
            prod = AckedProducer(c.bootstrap, "hw")
            prod.send(0, 3000)
            prod.flush()
            self.assertEqual(len(prod.acked), 3000)
            before = end_offsets(c, "hw", partitions)
            self.assertEqual(sum(before), 3000)  # every partition served
            # Settle: every follower's next fetch answer (within replica.fetch.wait.max.ms) carries
            # the leader's high watermark, which the checkpoint at shutdown then holds.
            time.sleep(1)
            stop_all(c)
            # Node 3 comes back a few seconds after the others: until then it is still in the
            # ISRs, so without the checkpoint a leader's high watermark could not move past its
            # log start. Each partition's first answer, as soon as it is served, is recorded.
            first = {}

            def record():
                for p in range(partitions):
                    if p not in first:
                        offset = served_end_offset(c, "hw", p)
                        if offset is not None:
                            first[p] = offset
                return len(first) == partitions
            for i in (1, 2):
                c.nodes[i].spawn()
            try:
                wait_for(record, 8, "the partitions to be served by nodes 1 and 2")
            except AssertionError:  # those node 3 led wait for it
                pass
            c.nodes[3].spawn()
            wait_for(record, 60, "every partition to be served")
            self.assertEqual([first[p] for p in range(partitions)], before)
            c.wait_formed(60)
            for p in range(partitions):
                wait_isr(c, "hw", [1, 2, 3], partition=p)
            self.assertEqual(end_offsets(c, "hw", partitions), before)
            values = []
            for p in range(partitions):
                values += read_all(c.bootstrap, "hw", p)[0]
            self.assertEqual(set(values), prod.acked)

    def test_a_topic_deleted_while_a_node_was_down_is_gone_when_it_returns(self):
        with Cluster(3, overrides=FAST) as c:
            create(c.bootstrap, "doomed", partitions=2)
            for p in range(2):
                wait_isr(c, "doomed", [1, 2, 3], partition=p)
            prod = AckedProducer(c.bootstrap, "doomed")
            prod.send(0, 500)
            prod.flush()
            del prod  # its metadata refreshes would create the topic again (auto-creation)
            down, up = stop_a_follower_node(c)
            self.assertEqual(topic_dirs(down, "doomed"), ["doomed-0", "doomed-1"])
            delete_topic(up, "doomed")
            down.spawn()
            c.wait_formed(60)
            self.assertEqual(topic_dirs(down, "doomed"), [])
            self.assertNotIn("doomed", down.metadata().topics)
            self.assertIn("deleting its stray log", down.log())

    def test_a_topic_recreated_while_a_node_was_down_is_not_served_from_its_old_log(self):
        with Cluster(3, overrides=FAST) as c:
            create(c.bootstrap, "again")
            wait_isr(c, "again", [1, 2, 3])
            old = AckedProducer(c.bootstrap, "again")
            # Batches of 10 records: what the new topic holds later ends on a batch boundary of
            # the old log, so a follower truncating the old log there would keep old records.
            for first in range(0, 500, 10):
                old.send(first, 10)
                old.flush()
            del old  # its metadata refreshes would create the topic again (auto-creation)
            down, up = stop_a_follower_node(c)
            others = [i for i in c.nodes if i != down.node_id]
            delete_topic(up, "again")
            admin = AdminClient({"bootstrap.servers": up})

            def recreate():
                f = admin.create_topics([NewTopic("again", 1, replica_assignment=[[down.node_id] + others])],
                                        request_timeout=30)["again"]
                try:
                    f.result()
                    return True
                except KafkaException as e:  # the deletion is still being applied
                    return e.args[0].code() == KafkaError.TOPIC_ALREADY_EXISTS and "again"
            wait_for(recreate, 60, "topic again to be re-created with the stopped node among its replicas")
            new = AckedProducer(up, "again")
            new.send(5000, 100)
            new.flush()
            self.assertEqual(len(new.acked), 100)
            # The stopped node still holds the old topic's log under the same directory name.
            self.assertEqual(topic_dirs(down, "again"), ["again-0"])
            down.spawn()
            c.wait_formed(60)
            wait_isr(c, "again", [1, 2, 3])
            wait_for(lambda: log_bytes(down, "again") == log_bytes(c.nodes[others[0]], "again"),
                     60, "the returning node to hold the new topic's records only")
            self.assertNotIn(b"v0000000", log_bytes(down, "again"))  # no old record left
            self.assertIn("deleting its stray log", down.log())

            def topic_id(node):
                path = os.path.join(node.data_dir, "logs", "again-0", "partition.metadata")
                with open(path) as f:
                    return f.read()
            self.assertEqual(topic_id(down), topic_id(c.nodes[others[0]]))
            values, high = read_all(c.bootstrap, "again")
            self.assertEqual(high, 100)
            self.assertEqual(set(values), new.acked)


if __name__ == "__main__":
    unittest.main()
