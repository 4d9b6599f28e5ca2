"""Helpers of the process attacks (test_process.py): eddyd under a chosen open-file limit, its CPU
time, descriptors and log size from /proc, and CreateTopics v5 on a raw socket (so that a test
controls exactly which connections exist, and can send a request and vanish)."""

import os
import socket
import struct

from eddy_harness import Broker
from kafka_wire import frame, header_v2, read_frame


class LimitedBroker(Broker):
    """A Broker started under `prlimit --nofile=SOFT:HARD` (prlimit execs eddyd: same pid)."""

    def __init__(self, nofile, **kwargs):
        super().__init__(**kwargs)
        self.nofile = nofile

    def command(self):
        soft, hard = self.nofile
        return ["prlimit", "--nofile=%d:%d" % (soft, hard), "--"] + super().command()


def cpu_seconds(pid):
    """User + system CPU time the process has used so far."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks  # utime, stime


def open_fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def nofile_limits(pid):
    """(soft, hard) RLIMIT_NOFILE of a running process."""
    with open("/proc/%d/limits" % pid) as f:
        for line in f:
            if line.startswith("Max open files"):
                parts = line.split()
                return int(parts[3]), int(parts[4])
    raise AssertionError("no open-file limit in /proc/%d/limits" % pid)


def uvarint(n):
    out = b""
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def compact(b):
    return uvarint(len(b) + 1) + b


def create_topics_request(name, partitions, configs=None, correlation_id=7, timeout_ms=120000):
    """A whole CreateTopics v5 frame for one topic (replication factor 1)."""
    configs = configs or {}
    body = uvarint(2) + compact(name.encode())
    body += struct.pack(">ih", partitions, 1)
    body += uvarint(1)  # no assignments
    body += uvarint(len(configs) + 1)
    for k, v in configs.items():
        body += compact(k.encode()) + compact(v) + b"\x00"
    body += b"\x00"  # topic tagged fields
    body += struct.pack(">i?", timeout_ms, False) + b"\x00"
    return frame(header_v2(19, 5, correlation_id) + body)


def _read_uvarint(data, pos):
    shift = value = 0
    while True:
        b = data[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        if not b & 0x80:
            return value, pos
        shift += 7


def create_topics_result(payload):
    """(error code, error message) of the first topic of a CreateTopics v5 response payload."""
    pos = 4  # correlation id
    _, pos = _read_uvarint(payload, pos)  # response header tagged fields
    pos += 4  # throttle time
    _, pos = _read_uvarint(payload, pos)  # topics
    n, pos = _read_uvarint(payload, pos)
    pos += n - 1  # name
    (code,) = struct.unpack(">h", payload[pos:pos + 2])
    pos += 2
    n, pos = _read_uvarint(payload, pos)
    message = payload[pos:pos + n - 1].decode("utf-8", "replace") if n > 0 else None
    return code, message


def connect(broker, timeout_s=60):
    return socket.create_connection(("127.0.0.1", broker.port), timeout=timeout_s)


def create_topic(sock, name, partitions, configs=None):
    """Sends CreateTopics on `sock` and returns (error code, message)."""
    sock.sendall(create_topics_request(name, partitions, configs))
    payload = read_frame(sock)
    if payload is None:
        raise AssertionError("eddyd closed the connection instead of answering CreateTopics")
    return create_topics_result(payload)
