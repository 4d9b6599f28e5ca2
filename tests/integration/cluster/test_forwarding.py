"""Admin requests sent to a node that is not the active controller while the active controller
stops (SIGTERM): each is answered, by the new active controller (the forward is retried against
it) or with a retriable error (NOT_CONTROLLER, REQUEST_TIMED_OUT), never by silence or a closed
connection; and Metadata never names as controller a broker it does not list, so that an
AdminClient bootstrapped on such a node works.

  cd tests/integration/cluster && EDDYD=../../../build/bin/eddyd \\
    PYTHONPATH=../broker /usr/bin/python3 -m unittest -v test_forwarding
"""

import signal
import socket
import struct
import threading
import time
import unittest

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient, NewPartitions, NewTopic

from cluster_harness import Cluster, wait_for
from kafka_wire import frame, header, read_frame

NONE, REQUEST_TIMED_OUT, UNKNOWN_TOPIC, NOT_CONTROLLER = 0, 7, 3, 41
TOPIC_ALREADY_EXISTS = 36
# What a client may be answered for a request forwarded while the controller moves: done, a
# retriable error, or (the forward retried after the old controller had done it) the outcome of
# doing it twice.
ANSWERS = {NONE, REQUEST_TIMED_OUT, NOT_CONTROLLER, UNKNOWN_TOPIC, TOPIC_ALREADY_EXISTS}


def string(s):
    b = s.encode()
    return struct.pack(">h", len(b)) + b


def call(port, api_key, version, body):
    """One request on a fresh connection: the response body after the correlation id, or None
    when the node closed the connection. The socket timeout is far above the request's own
    timeout (10 s at most in these requests): reaching it means the node never answered."""
    with socket.create_connection(("127.0.0.1", port), timeout=60) as s:
        s.sendall(frame(header(api_key, version) + body))
        resp = read_frame(s)
    return None if resp is None else resp[4:]


def per_topic_errors(body):
    """[(name, error code)] of a DeleteTopics v3 response: throttle time, then an array of
    (name, error code)."""
    pos = 4
    (n,) = struct.unpack_from(">i", body, pos)
    pos += 4
    out = []
    for _ in range(n):
        (length,) = struct.unpack_from(">h", body, pos)
        pos += 2
        name = body[pos:pos + length].decode()
        pos += length
        (err,) = struct.unpack_from(">h", body, pos)
        pos += 2
        out.append((name, err))
    return out


def delete_topics(port, name):
    body = struct.pack(">i", 1) + string(name) + struct.pack(">i", 10000)
    resp = call(port, 20, 3, body)
    return None if resp is None else per_topic_errors(resp)


def create_topics(port, name):
    """CreateTopics v2, one topic with 1 partition and RF 1: its error code."""
    body = (struct.pack(">i", 1) + string(name) + struct.pack(">ihii", 1, 1, 0, 0) +
            struct.pack(">i?", 10000, False))
    resp = call(port, 19, 2, body)
    if resp is None:
        return None
    pos = 4 + 4
    (length,) = struct.unpack_from(">h", resp, pos)
    return struct.unpack_from(">h", resp, pos + 2 + length)[0]


class ForwardingWhileTheControllerStopsTest(unittest.TestCase):
    def test_forwarded_requests_are_answered_while_the_active_controller_stops(self):
        with Cluster(3) as c:
            admin = AdminClient({"bootstrap.servers": c.bootstrap})
            names = ["gone%d" % i for i in range(60)]
            for _, f in admin.create_topics([NewTopic(n, 1, 1) for n in names],
                                            request_timeout=30).items():
                f.result()
            old = c.controller_id()
            via = c.nodes[min(i for i in c.nodes if i != old)]
            answers, lock = [], threading.Lock()
            stop = threading.Event()

            def client(k):
                # DeleteTopics and CreateTopics, one after the other, from before the stop until
                # a new active controller serves.
                for j in range(k, len(names), 3):
                    if stop.is_set():
                        return
                    got = [("delete " + names[j], delete_topics(via.port, names[j])),
                           ("create " + names[j], create_topics(via.port, names[j] + "-new"))]
                    with lock:
                        answers.extend(got)
                    time.sleep(0.05)

            threads = [threading.Thread(target=client, args=(k,)) for k in range(3)]
            for t in threads:
                t.start()
            time.sleep(0.1)
            c.nodes[old].signal(signal.SIGTERM)
            try:
                wait_for(lambda: c.nodes[old].proc.poll() is not None, 60,
                         "the old controller to exit")
                self.assertEqual(c.nodes[old].proc.poll(), 0)
                wait_for(lambda: via.metadata().controller_id not in (old, -1), 30,
                         "a new active controller")
                time.sleep(1)
            finally:
                stop.set()
                for t in threads:
                    t.join(timeout=120)
            c.nodes[old].proc = None
            self.assertTrue(answers)
            unanswered = [what for what, r in answers if r is None]
            self.assertEqual(unanswered, [], "closed without an answer")
            codes = {}
            for what, r in answers:
                for code in ([e for _, e in r] if isinstance(r, list) else [r]):
                    codes[code] = codes.get(code, 0) + 1
                    self.assertIn(code, ANSWERS, what)
            print("answers by error code: %s" % codes)

    def test_metadata_names_a_listed_broker_as_controller_while_the_controller_stops(self):
        with Cluster(3) as c:
            old = c.controller_id()
            via = c.nodes[min(i for i in c.nodes if i != old)]
            admin = AdminClient({"bootstrap.servers": via.bootstrap})
            names = ["t%d" % i for i in range(4)]
            for _, f in admin.create_topics([NewTopic(n, 1, 1) for n in names],
                                            request_timeout=30).items():
                f.result()
            c.nodes[old].signal(signal.SIGTERM)
            # From the stop until another controller is elected, every Metadata answer of the
            # forwarding node names a broker it lists: librdkafka sends admin requests to the
            # named controller and waits for it to be up, asking again only at its periodic
            # metadata refresh (5 minutes), so naming a stopped broker left every admin
            # request timing out ("Failed while waiting for controller").
            seen = []

            def new_controller():
                md = via.metadata(timeout_s=5)
                seen.append((md.controller_id, sorted(md.brokers)))
                return md.controller_id != old and old not in md.brokers
            wait_for(new_controller, 60, "the stopping controller to be replaced")
            self.assertEqual([(cid, brokers) for cid, brokers in seen if cid not in brokers], [])
            wait_for(lambda: c.nodes[old].proc.poll() is not None, 60, "the old controller to exit")
            self.assertEqual(c.nodes[old].proc.poll(), 0)
            c.nodes[old].proc = None
            # A client that learns the cluster now works through the forwarding node.
            admin = AdminClient({"bootstrap.servers": via.bootstrap})
            for n in names:
                fs = admin.delete_topics([n], request_timeout=20, operation_timeout=20)
                for f in fs.values():
                    f.result()
            # Another forwarded API: an answer (no such topic), not a timeout.
            fs = admin.create_partitions([NewPartitions("no-such-topic", 2)], request_timeout=20)
            for f in fs.values():
                with self.assertRaises(KafkaException) as e:
                    f.result()
                self.assertEqual(e.exception.args[0].code(), KafkaError.UNKNOWN_TOPIC_OR_PART)


if __name__ == "__main__":
    unittest.main()
