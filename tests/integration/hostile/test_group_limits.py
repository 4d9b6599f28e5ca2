"""JoinGroup metadata flood: raw JoinGroups with megabytes of protocol metadata each.

Before group.member.metadata.max.bytes and group.metadata.max.bytes, 200 joins of 2 MB held
1.25 GB at the peak and 785 MB after the group emptied. Now a member over 1 MiB is refused with
INVALID_REQUEST, a group past 16 MiB with GROUP_MAX_SIZE_REACHED, eddyd stays up, and the memory
comes back once the members' sessions end. RSS is printed at each step (not asserted: it depends on
the allocator and the machine).

  cd tests/integration/hostile && EDDYD=../../../build/bin/eddyd PYTHONPATH=../broker \
    /usr/bin/python3 -m unittest -v test_group_limits"""

import socket
import struct
import time
import unittest

import kafka_wire as wire
from eddy_harness import Broker

FIND_COORDINATOR = 10
JOIN_GROUP = 11
LEAVE_GROUP = 13
DESCRIBE_GROUPS = 15
INVALID_REQUEST = 42
GROUP_MAX_SIZE_REACHED = 81
MEMBER_LIMIT = 1 << 20
GROUP_LIMIT = 16 << 20
# The members that fill a group; they expire (and the group empties) about two sessions after the
# group's anchor leaves and their sockets close.
SESSION_MS = 20000
# The anchor, the first member of each group. The harness has no initial rebalance delay, so the
# first join completes at once and its member waits for nothing: without a heartbeat it would
# expire one session later, and a loaded machine can take longer than SESSION_MS to fill a group.
# With a session this long the anchor stays while the test fills the group, and as it does not
# rejoin, the rebalance the next join starts cannot complete: every other member waits in
# JoinGroup, where it cannot expire either. The group changes only when the test says so (the
# anchor leaves).
ANCHOR_SESSION_MS = 600000


def kstring(s):
    b = s.encode()
    return struct.pack(">h", len(b)) + b


def join_v3(group, metadata, session_ms=SESSION_MS):
    """JoinGroup v3 (no MEMBER_ID_REQUIRED round trip): a new member with one 'range' protocol;
    the rebalance timeout is the session timeout."""
    body = (kstring(group) + struct.pack(">ii", session_ms, session_ms) + kstring("") +
            kstring("consumer") + struct.pack(">i", 1) + kstring("range") +
            struct.pack(">i", len(metadata)) + metadata)
    return wire.frame(wire.header(JOIN_GROUP, 3) + body)


def join_error(resp):
    # v3 response: correlation id, throttle time, error code, ...
    (error,) = struct.unpack_from(">h", resp, 8)
    return error


def join_member_id(resp):
    # v3 response: ..., error code, generation id, protocol name, leader, member id.
    pos = 14
    for _ in range(2):
        (n,) = struct.unpack_from(">h", resp, pos)
        pos += 2 + max(n, 0)
    (n,) = struct.unpack_from(">h", resp, pos)
    return resp[pos + 2:pos + 2 + n].decode()


def leave_v1(group, member_id):
    return wire.frame(wire.header(LEAVE_GROUP, 1) + kstring(group) + kstring(member_id))


def member_count(sock, group):
    """The members of `group` as its coordinator counts them (DescribeGroups v0)."""
    sock.sendall(wire.frame(wire.header(DESCRIBE_GROUPS, 0) + struct.pack(">i", 1) +
                            kstring(group)))
    resp = wire.read_frame(sock)
    # correlation id, group count, error code, group id, state, protocol type, protocol data.
    pos = 10
    for _ in range(4):
        (n,) = struct.unpack_from(">h", resp, pos)
        pos += 2 + max(n, 0)
    (count,) = struct.unpack_from(">i", resp, pos)
    return count


def unanswered(sock):
    """Whether nothing (no answer, no close) waits on `sock`, without blocking."""
    sock.setblocking(False)
    try:
        sock.recv(1, socket.MSG_PEEK)
        return False
    except BlockingIOError:
        return True
    finally:
        sock.settimeout(30)


def rss_mb(pid):
    fields = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            fields[k] = v.strip()
    return int(fields["VmRSS"].split()[0]) // 1024, int(fields["VmHWM"].split()[0]) // 1024


def wait_answered(sock, timeout_s):
    sock.settimeout(timeout_s)
    try:
        return wire.read_frame(sock)
    except socket.timeout:
        return None


def wait_coordinator(b, group):
    """Until the group's coordinator is loaded: a JoinGroup with a 1 ms session timeout answers
    INVALID_SESSION_TIMEOUT (26) then, and leaves nothing behind. A FindCoordinator goes first,
    as every client's does: the first one creates __consumer_offsets."""
    deadline = time.monotonic() + 60
    while True:
        with socket.create_connection(("127.0.0.1", b.port), timeout=30) as s:
            s.sendall(wire.frame(wire.header(FIND_COORDINATOR, 0) + kstring(group)))
            wire.read_frame(s)
            s.sendall(join_v3(group, b"", session_ms=1))
            error = join_error(wire.read_frame(s))
        if error == 26:
            return
        if time.monotonic() > deadline:
            raise AssertionError("the coordinator of %s answers %d" % (group, error))
        time.sleep(0.2)


class GroupLimitsTest(unittest.TestCase):
    def report(self, b, what):
        rss, peak = rss_mb(b.proc.pid)
        print("%-52s RSS %5d MB  peak %5d MB" % (what, rss, peak), flush=True)

    def alive(self, b):
        self.assertTrue(b.alive(), b.log()[-4000:])
        with socket.create_connection(("127.0.0.1", b.port), timeout=10) as s:
            s.sendall(wire.frame(wire.header(18, 0)))  # ApiVersions v0
            self.assertIsNotNone(wire.read_frame(s))

    def test_oversize_members_are_refused_with_invalid_request(self):
        with Broker() as b:
            wait_coordinator(b, "flood-big")
            self.report(b, "started")
            metadata = b"\x07" * (2 << 20)
            # The flood: 200 joins of 2 MB, 20 connections at a time.
            for batch in range(10):
                socks = [socket.create_connection(("127.0.0.1", b.port), timeout=30)
                         for _ in range(20)]
                try:
                    for s in socks:
                        s.sendall(join_v3("flood-big", metadata))
                    for s in socks:
                        resp = wait_answered(s, 30)
                        self.assertIsNotNone(resp, "no answer to an oversize JoinGroup")
                        self.assertEqual(join_error(resp), INVALID_REQUEST)
                finally:
                    for s in socks:
                        s.close()
            self.report(b, "after 200 joins x 2 MB (all refused)")
            self.alive(b)
            # One warning line (rate-limited) tells the operator.
            deadline = time.monotonic() + 30
            while "JoinGroups over group.member.metadata.max.bytes" not in b.log():
                self.assertLess(time.monotonic(), deadline, "no warning in the log")
                time.sleep(0.1)

    def test_groups_past_their_metadata_limit_are_refused_and_memory_comes_back(self):
        groups = ["flood-%d" % i for i in range(4)]
        with Broker() as b:
            for g in groups:
                wait_coordinator(b, g)
            self.report(b, "started")
            # As large as a member may be: 64 bytes of bookkeeping, the name and the metadata.
            metadata = b"\x07" * (MEMBER_LIMIT - 64 - len("range"))
            fit = GROUP_LIMIT // MEMBER_LIMIT
            socks = []
            anchors = {}
            refused = 0
            try:
                for g in groups:
                    anchor = socket.create_connection(("127.0.0.1", b.port), timeout=30)
                    socks.append(anchor)
                    anchor.sendall(join_v3(g, metadata, session_ms=ANCHOR_SESSION_MS))
                    resp = wait_answered(anchor, 30)
                    self.assertIsNotNone(resp, "no answer to the first JoinGroup")
                    self.assertEqual(join_error(resp), 0)
                    anchors[g] = (anchor, join_member_id(resp))
                    members = []
                    for i in range(1, fit):
                        # Members that fit wait in the rebalance (their answers not read).
                        s = socket.create_connection(("127.0.0.1", b.port), timeout=30)
                        socks.append(s)
                        members.append(s)
                        s.sendall(join_v3(g, metadata))
                    # Each join is read on its own connection: until the coordinator counts them
                    # all, a join past the limit may be handled before the last of them.
                    with socket.create_connection(("127.0.0.1", b.port), timeout=30) as d:
                        deadline = time.monotonic() + 120
                        while member_count(d, g) < fit:
                            self.assertLess(time.monotonic(), deadline,
                                            "%s never counted %d members" % (g, fit))
                            time.sleep(0.1)
                    for i in range(4):
                        s = socket.create_connection(("127.0.0.1", b.port), timeout=30)
                        socks.append(s)
                        s.sendall(join_v3(g, metadata))
                        # Past the limit the answer comes at once.
                        resp = wait_answered(s, 30)
                        self.assertIsNotNone(resp, "no answer to a JoinGroup past the limit")
                        # The group held all `fit` members when it answered: none of them was
                        # answered, so the rebalance they wait in has not completed.
                        self.assertTrue(all(unanswered(m) for m in members),
                                        "%s changed while the test filled it" % g)
                        self.assertEqual(join_error(resp), GROUP_MAX_SIZE_REACHED)
                        refused += 1
                self.report(b, "after %d groups x %d joins x 1 MiB (%d refused)"
                            % (len(groups), fit + 4, refused))
                self.assertEqual(refused, 4 * len(groups))
                self.alive(b)
                # The anchors leave: each rebalance completes with the other members, whose
                # sessions then end as their sockets are closed.
                for g, (anchor, member_id) in anchors.items():
                    anchor.sendall(leave_v1(g, member_id))
                    resp = wait_answered(anchor, 30)
                    self.assertIsNotNone(resp, "no answer to LeaveGroup")
                    self.assertEqual(join_error(resp), 0)
            finally:
                for s in socks:
                    s.close()
            # The rebalance without the anchor completes, the other members' sessions end: each group is Empty and its metadata released. A probe join that is
            # not refused (answered NONE once its own rebalance completes) shows the bytes came
            # back.
            for g in groups:
                deadline = time.monotonic() + 120
                emptied = False
                while time.monotonic() < deadline and not emptied:
                    time.sleep(1)
                    with socket.create_connection(("127.0.0.1", b.port), timeout=30) as s:
                        s.sendall(join_v3(g, b"", session_ms=6000))
                        resp = wait_answered(s, 60)
                        self.assertIsNotNone(resp)
                        emptied = join_error(resp) == 0
                self.assertTrue(emptied, "%s never gave its metadata back" % g)
            time.sleep(8)  # the probe members' own sessions end
            self.report(b, "after the groups emptied")
            self.alive(b)

if __name__ == "__main__":
    unittest.main()
