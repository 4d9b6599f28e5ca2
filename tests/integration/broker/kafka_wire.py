"""Crafted Kafka frames on a raw socket, for tests that need bytes no client would send: request
headers (v1, and v2 for flexible versions), the 4-byte size prefix, and bounded reads (every
socket the tests open has a timeout)."""

import struct


def header(api_key, version, correlation_id=7, client_id=b"eddy-it"):
    """Request header v1: api key, version, correlation id, nullable client id."""
    return struct.pack(">hhih", api_key, version, correlation_id, len(client_id)) + client_id


def header_v2(api_key, version, correlation_id=7, client_id=b"eddy-it"):
    """Request header v2 (flexible versions): v1 and an empty tagged-field section."""
    return header(api_key, version, correlation_id, client_id) + b"\x00"


def compact_string(s):
    """A compact string whose length is below 127 (one varint byte)."""
    assert len(s) < 127
    return bytes([len(s) + 1]) + s


def frame(payload):
    return struct.pack(">i", len(payload)) + payload


def recv_exact(sock, n):
    out = b""
    while len(out) < n:
        chunk = sock.recv(n - len(out))
        if not chunk:
            return None
        out += chunk
    return out


def read_frame(sock):
    """The payload after the size prefix, or None when the peer closed."""
    size = recv_exact(sock, 4)
    if size is None:
        return None
    (n,) = struct.unpack(">i", size)
    return recv_exact(sock, n)


def closed_by_peer(sock):
    """True when the peer closed the connection (EOF or reset) instead of sending bytes."""
    try:
        return sock.recv(65536) == b""
    except ConnectionResetError:
        return True


def uvarint(n):
    """An unsigned varint (protobuf style: 7 bits a byte, low bits first)."""
    out = b""
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


class Reader:
    """Reads a response body field by field (the flexible versions' compact forms included)."""

    def __init__(self, data, pos=0):
        self.data, self.pos = data, pos

    def take(self, n):
        out = self.data[self.pos:self.pos + n]
        assert len(out) == n, "response ends early"
        self.pos += n
        return out

    def fixed(self, fmt):
        (v,) = struct.unpack(fmt, self.take(struct.calcsize(fmt)))
        return v

    def uvarint(self):
        shift = n = 0
        while True:
            b = self.take(1)[0]
            n |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                return n

    def compact_bytes(self):
        """None for null, else the bytes (compact strings and records alike)."""
        n = self.uvarint()
        return None if n == 0 else self.take(n - 1)

    def skip_tags(self):
        for _ in range(self.uvarint()):
            self.uvarint()
            self.take(self.uvarint())
