"""Attacks on the eddyd process (issue 21, "Connections, signals and process limits" and the
data-directory lock): a second eddyd on a live broker's directories, running out of file
descriptors, a low open-file limit, SIGHUP, and controller work that is long or whose clients
went away. Each test prints its figures.

  cd tests/integration/hostile && EDDYD=../../../build/bin/eddyd EDDYCTL=../../../build/bin/eddyctl \\
    PYTHONPATH=../broker:../faults /usr/bin/python3 -m unittest -v test_process
"""

import os
import signal
import socket
import subprocess
import time
import unittest

import confluent_kafka
from confluent_kafka.admin import AdminClient

from eddy_harness import Broker, eddyd_path, free_port, serving
from faults_support import _read_tree as read_tree
from kafka_wire import read_frame
from process_support import (LimitedBroker, connect, cpu_seconds, create_topic,
                             create_topics_request, nofile_limits, open_fds)
from test_data_path import WAIT_S, consume_all, produce_all, producer, topic_name

KAFKA_STORAGE_ERROR = 56


def wait_until(predicate, timeout_s=WAIT_S, what="condition"):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


def eddyctl(*args):
    exe = os.environ.get("EDDYCTL") or os.path.join(os.path.dirname(eddyd_path()), "eddyctl")
    p = subprocess.run([exe] + list(args), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=60)
    return p.returncode, p.stdout.decode("utf-8", "replace")


def stable_file(name):
    """Files the live broker leaves alone while nothing is produced: segments, their indexes, the
    identity and lock files. (Checkpoints it rewrites on its own timers are left out: a change
    there is the live broker's, not the refused one's.)"""
    base = os.path.basename(name)
    return (base.endswith((".log", ".index", ".timeindex")) or
            base in ("meta.properties", ".lock"))


class DataDirLockTest(unittest.TestCase):
    """A second eddyd on a live broker's log.dirs is refused before it reads anything."""

    def test_second_eddyd_on_the_same_dirs_is_refused_and_changes_nothing(self):
        with Broker() as b:
            topic = topic_name()
            values = [b"v-%06d" % i for i in range(5000)]
            produce_all(producer(b, acks="all"), topic, [(None, v, None) for v in values])
            logs = os.path.join(b.data_dir, "logs")
            before = read_tree(logs)
            for listener in ("PLAINTEXT://127.0.0.1:%d" % b.port,  # the live broker's port
                             "PLAINTEXT://127.0.0.1:%d" % free_port()):
                p = subprocess.run(b.command() + ["--override", "listeners=" + listener],
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60,
                                   cwd=b.data_dir)
                out = p.stdout.decode("utf-8", "replace")
                print("second eddyd on %s: exit %d: %s" % (listener, p.returncode,
                                                            out.strip().splitlines()[-1]))
                self.assertEqual(p.returncode, 1, out)
                self.assertIn("data directory %s is in use by another process (pid %d"
                              % (logs, b.proc.pid), out)
                self.assertNotIn("recovered", out)
            after = read_tree(logs)
            changed = sorted(name for name in set(before) | set(after)
                             if before.get(name) != after.get(name) and stable_file(name))
            self.assertEqual(changed, [], "the refused eddyd changed files")
            # The live broker goes on serving, and after a restart every record is there.
            more = [b"w-%06d" % i for i in range(1000)]
            produce_all(producer(b, acks="all"), topic, [(None, v, None) for v in more])
            b.restart()
            got = [m.value() for m in consume_all(b, topic, len(values) + len(more))]
            self.assertEqual(got, values + more)

    def test_a_killed_broker_leaves_no_lock_behind(self):
        with Broker() as b:
            b.kill9()
            b.start()  # the kernel dropped the flock with the process
            self.assertTrue(serving(b.port))


class DescriptorExhaustionTest(unittest.TestCase):
    """At the open-file limit, eddyd neither spins on accept nor floods its log, and serves
    again once descriptors are free."""

    LIMIT = 128

    def test_accept_at_the_fd_limit_backs_off_and_recovers(self):
        with LimitedBroker(nofile=(self.LIMIT, self.LIMIT)) as b:
            pid = b.proc.pid
            socks = []
            for _ in range(self.LIMIT + 100):
                try:
                    socks.append(socket.create_connection(("127.0.0.1", b.port), timeout=5))
                except OSError:
                    break
            wait_until(lambda: open_fds(pid) >= self.LIMIT - 1, what="eddyd to run out of fds")
            time.sleep(0.5)
            cpu0, log0 = cpu_seconds(pid), os.path.getsize(b.log_path)
            time.sleep(5)
            cpu, log = cpu_seconds(pid) - cpu0, os.path.getsize(b.log_path) - log0
            print("out of descriptors for 5 s: %.2f s CPU, %d bytes of log" % (cpu, log))
            # Generous resource bounds: the old accept loop used 4.3 s of CPU per 5 s and logged
            # about 25 MB per second.
            self.assertLess(cpu, 1.0)
            self.assertLess(log, 1 << 20)
            self.assertIn("out of file descriptors", b.log())
            for s in socks:
                s.close()
            wait_until(lambda: serving(b.port), what="eddyd to serve again")
            topic = topic_name()
            produce_all(producer(b, acks="all"), topic, [(None, b"after", None)])
            self.assertEqual([m.value() for m in consume_all(b, topic, 1)], [b"after"])


class OpenFileLimitTest(unittest.TestCase):
    def test_soft_limit_is_raised_to_the_hard_limit_and_sizes_the_file_budget(self):
        with LimitedBroker(nofile=(256, 8192)) as b:
            soft, hard = nofile_limits(b.proc.pid)
            print("open-file limit after start: soft %d, hard %d" % (soft, hard))
            self.assertEqual((soft, hard), (8192, 8192))
            self.assertIn("segment files open at once: at most 4096 (open-file limit 8192)",
                          b.log())
            self.assertIn("open-file limit is 8192 (hard limit 8192): too low", b.log())

    def test_a_partition_that_cannot_be_opened_fails_create_topics_and_health(self):
        # The limit leaves the segment-file budget (half of it) room for every segment file of
        # this broker: the 50 partitions of __consumer_offsets, the first topic and the new one
        # (3 files each). A budget that is full closes an idle file for each one it opens, so one
        # descriptor that eddyd frees for a moment (its reserve while it sheds connections, a
        # checkpoint written) would let the new topic open all its partitions; under the budget
        # it needs 3 new descriptors per partition held at once, and it has none.
        limit = 512
        partitions = 8
        with LimitedBroker(nofile=(limit, limit)) as b:
            budget = limit // 2
            self.assertGreater(budget, 3 * (50 + 1 + partitions))
            self.assertIn("segment files open at once: at most %d (open-file limit %d)"
                          % (budget, limit), b.log())
            admin_sock = connect(b)
            self.assertEqual(create_topic(admin_sock, topic_name(), 1), (0, None))
            # Every other descriptor goes to idle connections; the admin connection stays.
            flood = []
            for _ in range(limit + 50):
                try:
                    flood.append(socket.create_connection(("127.0.0.1", b.port), timeout=5))
                except OSError:
                    break
            wait_until(lambda: open_fds(b.proc.pid) >= limit - 1, what="eddyd to run out of fds")
            topic = topic_name()
            code, message = create_topic(admin_sock, topic, partitions)
            print("CreateTopics with no descriptor left: error %d: %s" % (code, message))
            self.assertEqual(code, KAFKA_STORAGE_ERROR)
            self.assertIn("is offline on broker 1", message)
            for s in flood:
                s.close()
            admin_sock.close()
            wait_until(lambda: serving(b.port), what="eddyd to serve again")
            rc, out = eddyctl("cluster", "health", "-b", b.bootstrap)
            print(out)
            self.assertEqual(rc, 1, out)
            self.assertIn("HEALTHY:                      no", out)
            self.assertRegex(out, r"OFFLINE PARTITIONS: +.*%s/\d+ \(log unavailable on broker 1\)"
                             % topic)
            # Produce to it is refused with KAFKA_STORAGE_ERROR instead of being lost.
            meta = AdminClient({"bootstrap.servers": b.bootstrap}).list_topics(topic,
                                                                              timeout=WAIT_S)
            errors = {p.error.code() if p.error else 0
                      for p in meta.topics[topic].partitions.values()}
            self.assertEqual(errors, {confluent_kafka.KafkaError.KAFKA_STORAGE_ERROR})


def rss_bytes(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def partition_dirs(broker, topic):
    logs = os.path.join(broker.data_dir, "logs")
    return sum(1 for n in os.listdir(logs) if n.startswith(topic + "-"))


def answered(sock):
    """Whether bytes (an answer) wait on `sock`, without blocking."""
    sock.setblocking(False)
    try:
        return len(sock.recv(1, socket.MSG_PEEK)) > 0
    except BlockingIOError:
        return False
    finally:
        sock.setblocking(True)


class ControllerQueueTest(unittest.TestCase):
    """Admin requests queue behind a long controller task: a CreateTopics of many partitions."""

    # Enough partitions that creating them takes seconds on two shared cores.
    LONG_PARTITIONS = 8000

    def start_long_task(self, b):
        long_sock = connect(b, timeout_s=600)
        long_topic = topic_name()
        long_sock.sendall(create_topics_request(long_topic, self.LONG_PARTITIONS))
        return long_sock, long_topic

    def test_requests_of_clients_that_disconnected_are_neither_kept_nor_run(self):
        with Broker() as b:
            long_sock, _ = self.start_long_task(b)
            rss0 = rss_bytes(b.proc.pid)
            dead_topics = [topic_name() for _ in range(300)]
            # 1 MB requests that would each create a topic if they ran: a valid, long list value.
            configs = {"cleanup.policy": b",".join([b"delete"] * ((1 << 20) // 7))}
            peak = rss0
            for i, t in enumerate(dead_topics):
                with connect(b) as s:
                    s.sendall(create_topics_request(t, 1, configs))
                if i % 20 == 0:
                    peak = max(peak, rss_bytes(b.proc.pid))
            peak = max(peak, rss_bytes(b.proc.pid))
            self.assertFalse(answered(long_sock),
                             "the long CreateTopics ended before the dead requests were queued; "
                             "raise LONG_PARTITIONS")
            with connect(b, timeout_s=600) as live:
                # Queued behind every dead request: when it is answered, they all had their turn.
                live_topic = topic_name()
                self.assertEqual(create_topic(live, live_topic, 1), (0, None))
            created = AdminClient({"bootstrap.servers": b.bootstrap}).list_topics(
                timeout=WAIT_S).topics
            ran = [t for t in dead_topics if t in created]
            print("300 MB of requests from 300 clients that disconnected: RSS +%d MB at most; "
                  "%d of them ran" % ((peak - rss0) >> 20, len(ran)))
            self.assertEqual(ran, [])
            self.assertIn(live_topic, created)
            # The queue holds at most 100 MiB of requests; the old one kept every one (+360 MB
            # for these 300 MB).
            self.assertLess(peak - rss0, 200 << 20)
            long_sock.close()

    def test_sigterm_during_a_long_create_topics_stops_without_finishing_it(self):
        # The restart opens all LONG_PARTITIONS partitions before it serves.
        with Broker(start_timeout_s=300) as b:
            long_sock, long_topic = self.start_long_task(b)
            wait_until(lambda: partition_dirs(b, long_topic) > 0, timeout_s=300,
                       what="the long CreateTopics to open partitions")
            # Queued behind the long one: dropped by the stop, never carried out.
            queued = connect(b)
            queued_topic = topic_name()
            queued.sendall(create_topics_request(queued_topic, 1))
            started = time.monotonic()
            rc = b.stop(timeout_s=300)
            took = time.monotonic() - started
            opened = partition_dirs(b, long_topic)
            print("SIGTERM during a CreateTopics of %d partitions: exit %d after %.1f s, %d of "
                  "them opened" % (self.LONG_PARTITIONS, rc, took, opened))
            self.assertEqual(rc, 0, b.log())
            self.assertLess(opened, self.LONG_PARTITIONS)
            self.assertIn("open at the next start", b.log())
            try:
                answer = read_frame(queued)
            except ConnectionResetError:  # closed before eddyd read the request
                answer = None
            self.assertIsNone(answer)
            # The long topic was committed: the next start opens every partition of it.
            b.start()
            meta = AdminClient({"bootstrap.servers": b.bootstrap}).list_topics(timeout=WAIT_S)
            self.assertEqual(len(meta.topics[long_topic].partitions), self.LONG_PARTITIONS)
            self.assertNotIn(queued_topic, meta.topics)
            self.assertEqual(partition_dirs(b, long_topic), self.LONG_PARTITIONS)
            long_sock.close()
            queued.close()


class LongCommitTest(unittest.TestCase):
    """SIGTERM while the controller thread is inside one metadata commit (planning and applying a
    CreateTopics of many partitions), which cannot be interrupted: the stop waits for it at most
    shutdown.timeout.ms, then exits without it, and the next start is consistent."""

    PARTITIONS = 12000

    def test_sigterm_does_not_wait_past_shutdown_timeout_for_a_controller_task(self):
        with Broker(overrides={"shutdown.timeout.ms": "2000"}, start_timeout_s=300) as b:
            sock = connect(b, timeout_s=600)
            topic = topic_name()
            sock.sendall(create_topics_request(topic, self.PARTITIONS))
            time.sleep(1)  # not an assertion: lets the controller thread take the task
            started = time.monotonic()
            b.proc.send_signal(signal.SIGTERM)
            rc = b.proc.wait(timeout=300)
            took = time.monotonic() - started
            b.proc = None
            opened = partition_dirs(b, topic)
            print("SIGTERM during a CreateTopics of %d partitions (shutdown.timeout.ms 2000): "
                  "exit %d after %.1f s, %d partitions opened"
                  % (self.PARTITIONS, rc, took, opened))
            self.assertIn(rc, (0, 1), b.log())
            self.assertLess(opened, self.PARTITIONS)
            if rc == 1:
                self.assertIn("a controller task is still running after shutdown.timeout.ms",
                              b.log())
            # Whatever the stop cut short, the next start is consistent: the topic is either
            # not there or there with every partition open.
            b.start()
            meta = AdminClient({"bootstrap.servers": b.bootstrap}).list_topics(timeout=WAIT_S)
            if topic in meta.topics:
                self.assertEqual(len(meta.topics[topic].partitions), self.PARTITIONS)
                self.assertEqual(partition_dirs(b, topic), self.PARTITIONS)
            sock.close()


class SignalTest(unittest.TestCase):
    def test_sighup_stops_cleanly(self):
        with Broker() as b:
            topic = topic_name()
            produce_all(producer(b, acks="all"), topic, [(None, b"x", None)])
            proc = b.proc
            proc.send_signal(signal.SIGHUP)
            rc = proc.wait(timeout=60)
            b.proc = None
            print("exit code after SIGHUP: %d" % rc)
            self.assertEqual(rc, 0, b.log())
            self.assertIn("received SIGHUP, shutting down", b.log())
            self.assertTrue(os.path.exists(os.path.join(b.data_dir, "logs", ".clean_shutdown")))
            b.start()
            self.assertEqual([m.value() for m in consume_all(b, topic, 1)], [b"x"])


if __name__ == "__main__":
    unittest.main()
