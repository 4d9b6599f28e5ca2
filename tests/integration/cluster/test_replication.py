"""Partition replication on three real eddyd processes, with real clients: a topic with
replication factor 3 and acks=all loses no acknowledged record when its leader is killed (-9),
again and again, and no consumer reads a record that later disappears; the replicas' logs end
byte-identical; a restarted follower catches up and rejoins the ISR; min.insync.replicas refuses
acks=all writes; committed group offsets survive the loss of the coordinator's broker; a power cut
of all three nodes at once (the power-loss shim) keeps every acknowledged record under
log.flush.policy=sync; kcat and kafka-python work.

  cd tests/integration/cluster && EDDYD=../../../build/bin/eddyd \\
    PYTHONPATH=../broker:../faults \\
    EDDY_POWER_LOSS_SHIM=../../../build/tests/integration/faults/libeddy_power_loss_shim.so \\
    /usr/bin/python3 -m unittest -v test_replication
"""

import glob
import os
import socket
import struct
import subprocess
import threading
import time
import unittest

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from cluster_harness import Cluster, wait_for
from faults_support import rebuild_synced_state, shim_path
from kafka_wire import frame, header, header_v2, read_frame

# Short sessions, so that a killed broker is fenced (and leaves ISRs) within seconds, and a short
# replica lag bound, so that an ISR shrinks within seconds too.
FAST = {
    "broker.heartbeat.interval.ms": "300",
    "broker.session.timeout.ms": "3000",
    "replica.lag.time.max.ms": "3000",
    "offsets.topic.replication.factor": "3",
    "offsets.topic.num.partitions": "3",
}


def create(bootstrap, name, partitions=1, rf=3, configs=None):
    """Creates the topic once enough brokers are registered (INVALID_REPLICATION_FACTOR until
    then; a fenced broker takes a replica too, as in Kafka, and the topic is born
    under-replicated: the tests call this once the cluster is formed, every broker unfenced)."""
    admin = AdminClient({"bootstrap.servers": bootstrap})

    def attempt():
        f = admin.create_topics([NewTopic(name, partitions, rf, config=configs or {})],
                                request_timeout=30)[name]
        try:
            f.result()
            return True
        except KafkaException as e:
            if e.args[0].code() == KafkaError.TOPIC_ALREADY_EXISTS:
                return True
            if e.args[0].code() == KafkaError.INVALID_REPLICATION_FACTOR:
                return False
            raise
    wait_for(attempt, 30, "topic %s to be created" % name)


def partition_state(c, topic, partition=0):
    """(leader, isr) as a running node's metadata has them."""
    for n in c.nodes.values():
        if not n.alive():
            continue
        md = n.metadata(timeout_s=3)
        t = md.topics.get(topic)
        if t is None or partition not in t.partitions:
            continue
        p = t.partitions[partition]
        return p.leader, sorted(p.isrs)
    return None, []


def wait_isr(c, topic, want, timeout_s=60, partition=0):
    def ok():
        leader, isr = partition_state(c, topic, partition)
        return leader in want and isr == sorted(want) and (leader, isr)
    return wait_for(ok, timeout_s, "ISR of %s-%d to be %s" % (topic, partition, sorted(want)))


def log_bytes(node, topic, partition=0):
    """The partition's record batches on one node, as bytes: its segments in order, each up to
    its last whole batch (a segment file may be preallocated past its end)."""
    d = os.path.join(node.data_dir, "logs", "%s-%d" % (topic, partition))
    out = b""
    for path in sorted(glob.glob(os.path.join(d, "*.log"))):
        with open(path, "rb") as f:
            data = f.read()
        pos = 0
        while pos + 12 <= len(data):
            length = struct.unpack_from(">i", data, pos + 8)[0]
            if length <= 0 or pos + 12 + length > len(data):
                break
            pos += 12 + length
        out += data[:pos]
    return out


class AckedProducer:
    """acks=all, idempotent; remembers which values the cluster acknowledged."""

    def __init__(self, bootstrap, topic):
        self.topic = topic
        self.acked = set()
        self.failed = 0
        self.p = Producer({"bootstrap.servers": bootstrap, "acks": "all",
                           "enable.idempotence": True, "linger.ms": 5,
                           "message.timeout.ms": 60000, "retry.backoff.ms": 100,
                           "topic.metadata.refresh.interval.ms": 1000})

    def send(self, first, count):
        def cb(err, msg):
            if err is None:
                self.acked.add(msg.value().decode())
            else:
                self.failed += 1
        for i in range(first, first + count):
            while True:
                try:
                    self.p.produce(self.topic, ("v%07d" % i).encode(), on_delivery=cb)
                    break
                except BufferError:
                    self.p.poll(0.05)
            self.p.poll(0)

    def flush(self, timeout_s=90):
        left = self.p.flush(timeout_s)
        if left:
            raise AssertionError("%d records not delivered within %ss" % (left, timeout_s))


def find_coordinator(port, group):
    """FindCoordinator v0 to one node: the coordinator's node id."""
    g = group.encode()
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(frame(header(10, 0) + struct.pack(">h", len(g)) + g))
        resp = read_frame(sock)
    error, node = struct.unpack_from(">hi", resp, 4)  # after the correlation id
    assert error == 0, error
    return node


def consume_until(bootstrap, topic, seen, stop):
    """Reads `topic` from the start into `seen` until `stop` is set (failovers included)."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "watcher-%f" % time.time(),
                  "enable.auto.commit": False, "auto.offset.reset": "earliest",
                  "topic.metadata.refresh.interval.ms": 1000})
    try:
        c.assign([TopicPartition(topic, 0, 0)])
        while not stop.is_set():
            m = c.poll(0.2)
            if m is not None and not m.error():
                seen.append(m.value().decode())
    finally:
        c.close()


def high_watermark(bootstrap, topic, partition=0):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "hw-%f" % time.time()})
    try:
        return c.get_watermark_offsets(TopicPartition(topic, partition), timeout=10)[1]
    finally:
        c.close()


def read_all(bootstrap, topic, partition=0):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "reader-%f" % time.time(),
                  "enable.auto.commit": False, "auto.offset.reset": "earliest"})
    try:
        c.assign([TopicPartition(topic, partition, 0)])
        _, high = c.get_watermark_offsets(TopicPartition(topic, partition), timeout=30)
        values = []
        deadline = time.monotonic() + 60
        while len(values) < high and time.monotonic() < deadline:
            m = c.poll(0.5)
            if m is None or m.error():
                continue
            values.append(m.value().decode())
        return values, high
    finally:
        c.close()


def plain_command(node):
    """The node's command without the shim (after the power cut)."""
    return type(node).command(node)


def under_power_loss_shim(node, mirror):
    """Runs the node's eddyd under the power-loss shim (tests/integration/faults): what an fsync
    made durable under its data dir is kept in `mirror`, so that a power cut can be replayed."""
    shim = shim_path()
    base = node.command
    root = os.path.join(node.data_dir, "logs")

    def command():
        os.makedirs(os.path.join(mirror, "inodes"), exist_ok=True)
        os.makedirs(os.path.join(mirror, "dirs"), exist_ok=True)
        return ["/usr/bin/env", "LD_PRELOAD=" + shim, "EDDY_SHIM_ROOT=" + root,
                "EDDY_SHIM_MIRROR=" + mirror] + base()
    node.command = command
    return root


def shim_every_node(c):
    """Puts every node of `c` (not started yet) under the power-loss shim: {id: (root, mirror)}."""
    roots = {}
    for i, node in c.nodes.items():
        mirror = os.path.join(os.path.dirname(node.data_dir), "mirror%d" % i)
        roots[i] = (under_power_loss_shim(node, mirror), mirror)
    return roots


def cut_power(node, root, mirror):
    """A power cut of a node (already killed with -9 and reaped): its data dir keeps only what
    was fsynced, and it runs without the shim from now on. The bytes the cut took."""
    # `eddyd format` wrote meta.properties before the shim watched the data dir.
    with open(os.path.join(root, "meta.properties"), "rb") as f:
        formatted = f.read()
    removed = rebuild_synced_state(root, mirror)
    with open(os.path.join(root, "meta.properties"), "wb") as f:
        f.write(formatted)
    node.command = lambda n=node: plain_command(n)
    return removed


class ReplicationTest(unittest.TestCase):
    def test_power_loss_of_every_node_at_once_loses_no_acknowledged_record(self):
        # log.flush.policy=sync (the default): an acknowledged acks=all record is fsynced on every
        # ISR replica, so a power cut of all three nodes at once keeps it.
        c = Cluster(3, overrides=FAST)
        try:
            roots = shim_every_node(c)
            c.start()
            create(c.bootstrap, "cut", configs={"min.insync.replicas": "2"})
            wait_isr(c, "cut", [1, 2, 3])
            prod = AckedProducer(c.bootstrap, "cut")
            prod.send(0, 3000)
            prod.flush()
            prod.send(3000, 3000)  # in flight when the power goes
            prod.p.poll(0.2)
            for node in c.nodes.values():
                node.signal(9)
            for node in c.nodes.values():
                node.proc.wait(timeout=30)
                node.proc = None
            prod.p.flush(0)
            acked = set(prod.acked)
            self.assertGreaterEqual(len(acked), 3000)
            for i, node in c.nodes.items():
                cut_power(node, *roots[i])
            for node in c.nodes.values():
                node.spawn()
            c.wait_formed(60)
            # A leader elected after the restart starts from its checkpointed high watermark and
            # moves it once the followers fetch: read only once it covers as many records as were
            # acknowledged (a log that lost records never gets there, and the set check fails).
            wait_for(lambda: high_watermark(c.bootstrap, "cut") >= len(acked), 60,
                     "the high watermark to cover the acknowledged records")
            values, _ = read_all(c.bootstrap, "cut")
            lost = acked - set(values)
            self.assertEqual(lost, set(), "acknowledged records lost in the power cut: %d of %d"
                             % (len(lost), len(acked)))
        except Exception:
            print(c.logs())
            raise
        finally:
            errors = c.close()
            self.assertEqual(errors, [])

    def test_kill9_of_the_leader_under_acks_all_loses_no_acknowledged_record(self):
        with Cluster(3, overrides=FAST) as c:
            create(c.bootstrap, "r3", configs={"min.insync.replicas": "2"})
            wait_isr(c, "r3", [1, 2, 3])
            prod = AckedProducer(c.bootstrap, "r3")
            # A consumer reads all along: what it sees must never disappear later (consumers read
            # only below the high watermark, which a failover never takes back).
            seen, stop = [], threading.Event()
            reader = threading.Thread(target=consume_until, args=(c.bootstrap, "r3", seen, stop))
            reader.start()
            self.addCleanup(lambda: (stop.set(), reader.join(30)))
            n = 0
            for round_ in range(3):
                prod.send(n, 2000)
                n += 2000
                leader, _ = partition_state(c, "r3")
                # Kill the leader while records are still in flight.
                prod.send(n, 2000)
                n += 2000
                c.nodes[leader].kill9()
                prod.flush()
                c.nodes[leader].spawn()
                wait_isr(c, "r3", [1, 2, 3])
            prod.send(n, 500)
            n += 500
            prod.flush()
            self.assertGreater(len(prod.acked), 0)
            values, high = read_all(c.bootstrap, "r3")
            lost = prod.acked - set(values)
            self.assertEqual(lost, set(), "acknowledged records lost: %d of %d (first %s)"
                             % (len(lost), len(prod.acked), sorted(lost)[:5]))
            # An idempotent producer's retries are never appended twice.
            self.assertEqual(len(values), len(set(values)))
            stop.set()
            reader.join(30)
            vanished = set(seen) - set(values)
            self.assertGreater(len(seen), 0)
            self.assertEqual(vanished, set(), "records a consumer read that later disappeared")
            # Every replica converges to the same bytes.
            wait_for(lambda: len({log_bytes(node, "r3") for node in c.nodes.values()}) == 1, 60,
                     "the three replicas' logs to be byte-identical")

    def test_a_restarted_follower_catches_up_and_rejoins_the_isr(self):
        with Cluster(3, overrides=FAST) as c:
            create(c.bootstrap, "rejoin")
            leader, isr = wait_isr(c, "rejoin", [1, 2, 3])
            follower = next(i for i in isr if i != leader)
            c.nodes[follower].kill9()
            wait_isr(c, "rejoin", [i for i in (1, 2, 3) if i != follower])
            prod = AckedProducer(c.bootstrap, "rejoin")
            prod.send(0, 3000)
            prod.flush()
            self.assertEqual(len(prod.acked), 3000)
            c.nodes[follower].spawn()
            wait_isr(c, "rejoin", [1, 2, 3])
            wait_for(lambda: log_bytes(c.nodes[follower], "rejoin") ==
                     log_bytes(c.nodes[leader], "rejoin"), 60, "the follower to catch up")

    def test_min_insync_replicas_refuses_acks_all_below_it(self):
        with Cluster(3, overrides=FAST) as c:
            create(c.bootstrap, "strict", configs={"min.insync.replicas": "3"})
            leader, isr = wait_isr(c, "strict", [1, 2, 3])
            follower = next(i for i in isr if i != leader)
            c.nodes[follower].kill9()
            wait_isr(c, "strict", [i for i in (1, 2, 3) if i != follower])
            errors = []
            p = Producer({"bootstrap.servers": c.bootstrap, "acks": "all",
                          "message.timeout.ms": 5000, "retries": 0})
            p.produce("strict", b"x", on_delivery=lambda err, msg: errors.append(err))
            p.flush(30)
            self.assertEqual(len(errors), 1)
            self.assertIsNotNone(errors[0])
            self.assertIn(errors[0].code(), (KafkaError.NOT_ENOUGH_REPLICAS,
                                             KafkaError._MSG_TIMED_OUT))
            # acks=1 is unchanged.
            ok = []
            p1 = Producer({"bootstrap.servers": c.bootstrap, "acks": "1"})
            p1.produce("strict", b"y", on_delivery=lambda err, msg: ok.append(err))
            p1.flush(30)
            self.assertEqual(ok, [None])

    def test_committed_offsets_survive_the_coordinators_broker_kill9(self):
        with Cluster(3, overrides=FAST) as c:
            create(c.bootstrap, "data", partitions=2)
            consumer = Consumer({"bootstrap.servers": c.bootstrap, "group.id": "g1",
                                 "enable.auto.commit": False})
            offsets = [TopicPartition("data", 0, 17), TopicPartition("data", 1, 42)]
            consumer.commit(offsets=offsets, asynchronous=False)
            consumer.close()
            coordinator = find_coordinator(c.nodes[1].port, "g1")
            c.nodes[coordinator].kill9()

            def committed():
                k = Consumer({"bootstrap.servers": c.bootstrap, "group.id": "g1",
                              "enable.auto.commit": False})
                try:
                    got = k.committed([TopicPartition("data", 0), TopicPartition("data", 1)],
                                      timeout=5)
                    return [(t.partition, t.offset) for t in got]
                finally:
                    k.close()
            got = wait_for(lambda: committed() == [(0, 17), (1, 42)] and committed(), 60,
                           "the committed offsets from the new coordinator")
            self.assertEqual(got, [(0, 17), (1, 42)])

    def test_kcat_produces_with_acks_all_and_consumes_with_rf3(self):
        with Cluster(3, overrides=FAST) as c:
            create(c.bootstrap, "kc")
            wait_isr(c, "kc", [1, 2, 3])
            lines = "".join("k%d\n" % i for i in range(50))
            p = subprocess.run(["kcat", "-b", c.bootstrap, "-P", "-t", "kc",
                                "-X", "request.required.acks=-1"], input=lines.encode(),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
            self.assertEqual(p.returncode, 0, p.stdout.decode())
            p = subprocess.run(["kcat", "-b", c.bootstrap, "-C", "-t", "kc", "-o", "beginning",
                                "-e", "-q"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               timeout=60)
            self.assertEqual(p.returncode, 0, p.stdout.decode())
            self.assertEqual(p.stdout.decode().split(), ["k%d" % i for i in range(50)])

    def test_broker_to_controller_apis_from_a_client_are_refused_on_every_node(self):
        # Only a broker may change an ISR, fence or shut down a broker, or take producer ids; a
        # node that is not the controller must not forward a client's request for it (it would go
        # out with the node's own broker principal).
        with Cluster(3, overrides=FAST) as c:
            create(c.bootstrap, "guarded")
            leader, isr = wait_isr(c, "guarded", [1, 2, 3])
            requests = {
                # AlterPartition v2: BrokerId, BrokerEpoch, Topics (empty compact array), no tags.
                "AlterPartition": (56, 2, struct.pack(">iq", leader, -1) + b"\x01" + b"\x00"),
                # BrokerHeartbeat v0 for the leader, every epoch it could have: BrokerId,
                # BrokerEpoch, CurrentMetadataOffset, WantFence, WantShutDown, no tags.
                "BrokerHeartbeat": (63, 0, None),
                # AllocateProducerIds v0: BrokerId, BrokerEpoch, no tags.
                "AllocateProducerIds": (67, 0, struct.pack(">iq", leader, -1) + b"\x00"),
            }
            for name, (key, version, body) in requests.items():
                bodies = [body] if body is not None else [
                    struct.pack(">iqq??", leader, epoch, 1 << 40, True, True) + b"\x00"
                    for epoch in range(0, 64)]
                for node in c.nodes.values():
                    for b in bodies:
                        with socket.create_connection(("127.0.0.1", node.port),
                                                      timeout=30) as sock:
                            sock.sendall(frame(header_v2(key, version) + b))
                            resp = read_frame(sock)
                        # correlation id, header tags, throttle time, error code
                        error = struct.unpack_from(">h", resp, 4 + 1 + 4)[0]
                        self.assertEqual(error, 31, "%s to node %d: CLUSTER_AUTHORIZATION_FAILED"
                                         % (name, node.node_id))
            # Nothing moved: the ISR and its leader are as they were, and no broker was fenced.
            self.assertEqual(partition_state(c, "guarded"), (leader, isr))
            self.assertEqual(wait_isr(c, "guarded", [1, 2, 3]), (leader, isr))

    def test_kafka_python_produces_and_consumes_with_rf3(self):
        from kafka import KafkaConsumer, KafkaProducer
        with Cluster(3, overrides=FAST) as c:
            create(c.bootstrap, "kp")
            wait_isr(c, "kp", [1, 2, 3])
            p = KafkaProducer(bootstrap_servers=c.bootstrap.split(","), acks="all")
            for i in range(100):
                p.send("kp", b"m%d" % i)
            p.flush(30)
            p.close()
            k = KafkaConsumer("kp", bootstrap_servers=c.bootstrap.split(","),
                              auto_offset_reset="earliest", consumer_timeout_ms=10000)
            got = [m.value for m in k]
            k.close()
            self.assertEqual(got, [b"m%d" % i for i in range(100)])


if __name__ == "__main__":
    unittest.main()
