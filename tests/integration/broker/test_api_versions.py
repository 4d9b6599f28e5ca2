"""Unsupported and invalid request versions, the way Kafka answers them: ApiVersions at a version
the broker does not know gets UNSUPPORTED_VERSION (35) with the ranges in the v0 body layout;
an unsupported version of any other API closes that connection. Crafted frames on a raw socket,
and a real client (librdkafka) whose first ApiVersions a proxy rewrites to an unknown version:
it must step down and go on working."""

import socket
import struct
import threading
import unittest

from confluent_kafka.admin import AdminClient

from eddy_harness import Broker
from kafka_wire import closed_by_peer, compact_string, frame, header, header_v2, read_frame

RECV_TIMEOUT_S = 20
UNSUPPORTED_VERSION, INVALID_REQUEST = 35, 42
API_VERSIONS, METADATA, PRODUCE, FETCH, HEARTBEAT = 18, 3, 0, 1, 12


def api_versions_v3_body(name, version):
    return compact_string(name) + compact_string(version) + b"\x00"


def v0_ranges(resp):
    """(correlation id, error code, [(key, min, max)]) of an ApiVersions v0 response."""
    corr, err, count = struct.unpack(">ihi", resp[:10])
    keys = [struct.unpack(">hhh", resp[10 + 6 * i:16 + 6 * i]) for i in range(count)]
    return corr, err, keys, len(resp) == 10 + 6 * count


class VersionRewritingProxy:
    """Forwards one listener to the broker; on each connection the first ApiVersions request's
    version is rewritten to `version`, and every ApiVersions request version and the error code
    of its answer are recorded per connection. Threads and sockets are bounded by timeouts."""

    def __init__(self, broker_port, version):
        self.broker_port = broker_port
        self.version = version
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.listener.settimeout(1)
        self.port = self.listener.getsockname()[1]
        self.lock = threading.Lock()
        self.connections = []  # per connection: [(sent version, answered error code)]
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self.accept_loop, daemon=True)]
        self.threads[0].start()

    def accept_loop(self):
        while not self.stopping.is_set():
            try:
                client, _ = self.listener.accept()
            except socket.timeout:
                continue
            upstream = socket.create_connection(("127.0.0.1", self.broker_port), timeout=30)
            client.settimeout(30)
            record = []
            pending = {}  # correlation id -> index in record
            with self.lock:
                self.connections.append(record)
            for target, args in ((self.client_to_broker, (client, upstream, record, pending)),
                                 (self.broker_to_client, (upstream, client, record, pending))):
                t = threading.Thread(target=target, args=args, daemon=True)
                t.start()
                self.threads.append(t)

    def client_to_broker(self, src, dst, record, pending):
        rewritten = False
        try:
            while True:
                payload = read_frame(src)
                if payload is None:
                    break
                api_key, version, corr = struct.unpack(">hhi", payload[:8])
                if api_key == API_VERSIONS:
                    if not rewritten:
                        version, rewritten = self.version, True
                        payload = payload[:2] + struct.pack(">h", version) + payload[4:]
                    with self.lock:
                        pending[corr] = len(record)
                        record.append((version, None))
                dst.sendall(frame(payload))
        except OSError:
            pass
        finally:
            dst.close()

    def broker_to_client(self, src, dst, record, pending):
        try:
            while True:
                payload = read_frame(src)
                if payload is None:
                    break
                (corr,) = struct.unpack(">i", payload[:4])
                with self.lock:
                    if corr in pending:
                        i = pending.pop(corr)
                        (err,) = struct.unpack(">h", payload[4:6])
                        record[i] = (record[i][0], err)
                dst.sendall(frame(payload))
        except OSError:
            pass
        finally:
            dst.close()

    def close(self):
        self.stopping.set()
        self.threads[0].join(timeout=5)  # the accept loop wakes within its 1 s timeout
        self.listener.close()
        for t in self.threads[1:]:
            t.join(timeout=5)


class UnsupportedVersions(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.broker = Broker().start()

    @classmethod
    def tearDownClass(cls):
        cls.broker.__exit__(None, None, None)

    def connect(self):
        s = socket.create_connection(("127.0.0.1", self.broker.port), timeout=RECV_TIMEOUT_S)
        self.addCleanup(s.close)
        return s

    def request(self, sock, payload):
        sock.sendall(frame(payload))
        return read_frame(sock)

    def assert_closed(self, sock):
        self.assertTrue(closed_by_peer(sock), "expected the broker to close the connection")

    def test_api_versions_above_max_answers_unsupported_version_in_v0_layout(self):
        # A newer client sends a flexible (header v2) request of a version we do not know.
        s = self.connect()
        resp = self.request(s, header_v2(API_VERSIONS, 9, 41) + api_versions_v3_body(b"x", b"1"))
        corr, err, keys, v0_layout = v0_ranges(resp)
        self.assertEqual((corr, err), (41, UNSUPPORTED_VERSION))
        self.assertTrue(v0_layout, "the answer must use the v0 body and response header v0")
        self.assertIn((API_VERSIONS, 0, 4), keys)

    def test_connection_stays_open_after_unsupported_api_versions(self):
        s = self.connect()
        _, err, keys, _ = v0_ranges(self.request(s, header(API_VERSIONS, 127, 1)))
        self.assertEqual(err, UNSUPPORTED_VERSION)
        retry = max(k[2] for k in keys if k[0] == API_VERSIONS)
        corr, err = struct.unpack(">ih", self.request(
            s, header_v2(API_VERSIONS, retry, 2) + api_versions_v3_body(b"it", b"1.0"))[:6])
        self.assertEqual((corr, err), (2, 0))

    def test_supported_api_versions_lists_every_registered_range(self):
        s = self.connect()
        corr, err, keys, v0_layout = v0_ranges(self.request(s, header(API_VERSIONS, 0, 5)))
        self.assertEqual((corr, err), (5, 0))
        self.assertTrue(v0_layout)
        by_key = {k: (lo, hi) for k, lo, hi in keys}
        self.assertEqual(by_key[API_VERSIONS], (0, 4))
        self.assertIn(METADATA, by_key)
        self.assertIn(PRODUCE, by_key)

    def test_invalid_client_software_name_is_invalid_request(self):
        s = self.connect()
        resp = self.request(s, header_v2(API_VERSIONS, 3, 8) +
                            api_versions_v3_body(b"-bad name-", b"1.0"))
        corr, err = struct.unpack(">ih", resp[:6])
        self.assertEqual((corr, err), (8, INVALID_REQUEST))
        # v3 layout: an empty compact array of ranges, throttle time, no tagged fields.
        self.assertEqual(resp[6:], b"\x01" + b"\x00" * 4 + b"\x00")

    def test_undecodable_api_versions_body_closes(self):
        s = self.connect()
        # v3 body whose software name claims 100 bytes and carries 2.
        s.sendall(frame(header_v2(API_VERSIONS, 3, 9) + b"\x65ab"))
        self.assert_closed(s)

    def test_produce_below_min_version_closes(self):
        s = self.connect()
        s.sendall(frame(header(PRODUCE, 2, 10) + b"\x00" * 16))
        self.assert_closed(s)

    def test_fetch_above_max_version_closes(self):
        s = self.connect()
        s.sendall(frame(header_v2(FETCH, 99, 11) + b"\x00" * 16))
        self.assert_closed(s)

    def test_heartbeat_above_max_version_closes_only_that_connection(self):
        other = self.connect()
        s = self.connect()
        s.sendall(frame(header_v2(HEARTBEAT, 50, 12) + b"\x00" * 8))
        self.assert_closed(s)
        corr, err, _, _ = v0_ranges(self.request(other, header(API_VERSIONS, 0, 13)))
        self.assertEqual((corr, err), (13, 0))

    def test_librdkafka_steps_down_from_an_unsupported_api_versions(self):
        proxy = VersionRewritingProxy(self.broker.port, 9)
        self.addCleanup(proxy.close)
        admin = AdminClient({"bootstrap.servers": "127.0.0.1:%d" % proxy.port,
                             "socket.timeout.ms": 10000})
        md = admin.list_topics(timeout=30)
        self.assertIn(1, md.brokers)
        with proxy.lock:
            first = list(proxy.connections[0])
        self.assertGreaterEqual(len(first), 2, first)
        self.assertEqual(first[0], (9, UNSUPPORTED_VERSION))
        retry_version, retry_error = first[1]
        self.assertLessEqual(retry_version, 4)
        self.assertEqual(retry_error, 0)


if __name__ == "__main__":
    unittest.main()
