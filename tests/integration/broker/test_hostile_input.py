"""Hostile bytes on the socket (shared/docs/reliability.md): the broker answers with an error or
closes that one connection, and keeps serving everyone else."""

import socket
import struct
import unittest

from eddy_harness import Broker
from kafka_wire import closed_by_peer, frame, header, read_frame

RECV_TIMEOUT_S = 20


def api_versions_v0_error(sock):
    sock.sendall(frame(header(18, 0)))
    resp = read_frame(sock)
    corr, err = struct.unpack(">ih", resp[:6])
    return corr, err


class HostileInput(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.broker = Broker(overrides={"socket.request.max.bytes": "1048576",
                                       "connections.max.idle.ms": "2000"}).start()

    @classmethod
    def tearDownClass(cls):
        rc = cls.broker.stop()
        cls.broker.__exit__(None, None, None)
        assert rc == 0, "eddyd exited %s on SIGTERM" % rc

    def connect(self):
        s = socket.create_connection(("127.0.0.1", self.broker.port), timeout=RECV_TIMEOUT_S)
        self.addCleanup(s.close)
        return s

    def assert_closed(self, sock):
        self.assertTrue(closed_by_peer(sock), "expected the broker to close the connection")

    def assert_still_serving(self):
        corr, err = api_versions_v0_error(self.connect())
        self.assertEqual((corr, err), (7, 0))
        self.assertTrue(self.broker.alive())

    def send_and_expect_close(self, data):
        s = self.connect()
        s.sendall(data)
        self.assert_closed(s)
        self.assert_still_serving()

    def test_negative_frame_length_closes(self):
        self.send_and_expect_close(struct.pack(">i", -1) + b"x" * 16)

    def test_zero_frame_length_closes(self):
        self.send_and_expect_close(struct.pack(">i", 0))

    def test_frame_below_header_size_closes(self):
        self.send_and_expect_close(frame(b"\x00\x12\x00"))

    def test_frame_above_socket_request_max_bytes_closes(self):
        self.send_and_expect_close(struct.pack(">i", 1048577))

    def test_int32_max_frame_length_closes(self):
        self.send_and_expect_close(struct.pack(">i", 2**31 - 1))

    def test_tls_client_hello_on_plaintext_closes(self):
        hello = bytes.fromhex("16030100a5010000a10303") + b"\x00" * 64
        self.send_and_expect_close(hello)

    def test_unknown_api_key_closes(self):
        self.send_and_expect_close(frame(header(999, 0)))

    def test_unsupported_metadata_version_closes(self):
        self.send_and_expect_close(frame(header(3, 99)))

    def test_unsupported_api_versions_version_answers_with_ranges(self):
        s = self.connect()
        s.sendall(frame(header(18, 99)))
        resp = read_frame(s)
        corr, err, count = struct.unpack(">ihi", resp[:10])
        self.assertEqual(corr, 7)
        self.assertEqual(err, 35)  # UNSUPPORTED_VERSION
        keys = [struct.unpack(">hhh", resp[10 + 6 * i:16 + 6 * i]) for i in range(count)]
        self.assertIn((18, 0, 4), keys)
        self.assertTrue(any(k[0] == 3 for k in keys))
        self.assertEqual(len(resp), 10 + 6 * count)  # v0 body: no throttle time

    def test_string_length_beyond_frame_closes(self):
        body = struct.pack(">i", 1) + struct.pack(">h", 30000) + b"abc"
        self.send_and_expect_close(frame(header(3, 1) + body))

    def test_negative_string_length_closes(self):
        body = struct.pack(">i", 1) + struct.pack(">h", -5)
        self.send_and_expect_close(frame(header(3, 1) + body))

    def test_array_count_int32_max_closes(self):
        body = struct.pack(">i", 2**31 - 1)
        self.send_and_expect_close(frame(header(3, 1) + body))

    def test_client_id_length_beyond_frame_closes(self):
        self.send_and_expect_close(frame(struct.pack(">hhih", 18, 0, 7, 5000) + b"ab"))

    def test_overflowing_varint_closes(self):
        # Metadata v12 (flexible): header v2, then a compact array length that never ends.
        body = b"\x00" + b"\xff" * 12
        self.send_and_expect_close(frame(header(3, 12) + body))

    def test_hostile_tagged_field_count_closes(self):
        # Header v2 tagged fields: count 1, tag 0, size 100000 with 3 bytes present.
        hdr = header(3, 12) + b"\x01\x00\xa0\x8d\x06" + b"abc"
        self.send_and_expect_close(frame(hdr))

    def test_half_frame_then_stall_does_not_block_others_and_is_closed_when_idle(self):
        s = self.connect()
        s.sendall(struct.pack(">i", 100) + b"\x00\x12")
        self.assert_still_serving()
        # connections.max.idle.ms=2000: the stalled connection is closed (bounded wait).
        self.assert_closed(s)

    def test_illegal_topic_names_in_metadata_are_invalid_topic(self):
        names = [b".", b"..", b"a" * 250, b"bad name", b"bad/name"]
        body = struct.pack(">i", len(names))
        for n in names:
            body += struct.pack(">h", len(n)) + n
        s = self.connect()
        s.sendall(frame(header(3, 1) + body))
        resp = read_frame(s)
        self.assertIsNotNone(resp)
        # v1: correlation id, brokers[], controller_id, topics[] (error, name, is_internal, ...)
        pos = 4
        (nbrokers,) = struct.unpack(">i", resp[pos:pos + 4])
        pos += 4
        for _ in range(nbrokers):
            pos += 4
            (hl,) = struct.unpack(">h", resp[pos:pos + 2])
            pos += 2 + hl + 4
            (rl,) = struct.unpack(">h", resp[pos:pos + 2])
            pos += 2 + max(rl, 0)
        pos += 4  # controller id
        (ntopics,) = struct.unpack(">i", resp[pos:pos + 4])
        pos += 4
        self.assertEqual(ntopics, len(names))
        for _ in range(ntopics):
            (err, nl) = struct.unpack(">hh", resp[pos:pos + 4])
            self.assertEqual(err, 17)  # INVALID_TOPIC_EXCEPTION
            pos += 4 + nl + 1
            (nparts,) = struct.unpack(">i", resp[pos:pos + 4])
            self.assertEqual(nparts, 0)
            pos += 4
        self.assert_still_serving()

    def test_pipelined_requests_are_answered_in_order(self):
        s = self.connect()
        s.sendall(b"".join(frame(header(18, 0, correlation_id=i)) for i in range(20)))
        for i in range(20):
            resp = read_frame(s)
            self.assertEqual(struct.unpack(">i", resp[:4])[0], i)


if __name__ == "__main__":
    unittest.main()
