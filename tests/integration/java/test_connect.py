"""Kafka Connect on Eddy: a distributed worker (connect-runtime 4.3.1, see connect/pom.xml) keeps
its config, offset and status topics on eddyd and runs Kafka's FileStream source and sink
connectors, through a clean restart, a kill -9 and a second worker joining its group.

What each step proves about Eddy:
- the worker creates its three internal topics as compacted topics and reads them back at start
  (connectors come back without being posted again; the source resumes from its stored offset);
- the Connect group protocol (JoinGroup/SyncGroup with protocol type "connect", incremental
  cooperative assignment) spreads connectors and tasks over two workers and back;
- records flow file -> topic -> file in order, exactly once across a clean restart and at least
  once (nothing lost) across a kill -9;
- exactly-once source support, which needs transactions that Eddy does not have, fails with
  Kafka's TRANSACTIONAL_ID_AUTHORIZATION_FAILED in the worker's log instead of hanging silently.
"""

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request

from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource

from eddy_harness import Broker, free_port

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "bench", "peers", "kafka"))
from kafka_peer import kafka_libs  # noqa: E402

WAIT_S = 120  # a JVM worker starting on a loaded 2-core machine takes up to a minute
TOPIC = "connect-lines"
INTERNAL = {"config": "connect-configs", "offset": "connect-offsets", "status": "connect-status"}

LOG4J = """status = warn
appender.out.type = Console
appender.out.name = out
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = %d{HH:mm:ss.SSS} %-5p %c{1} - %m%n
rootLogger.level = info
rootLogger.appenderRef.out.ref = out
"""


class Worker:
    """One ConnectDistributed JVM with its REST port and log."""

    def __init__(self, root, name, bootstrap, group, extra=None):
        self.port = free_port()
        self.log_path = os.path.join(root, name + ".log")
        self.props = os.path.join(root, name + ".properties")
        config = {
            "bootstrap.servers": bootstrap,
            "group.id": group,
            "listeners": "http://127.0.0.1:%d" % self.port,
            "key.converter": "org.apache.kafka.connect.storage.StringConverter",
            "value.converter": "org.apache.kafka.connect.storage.StringConverter",
            "offset.flush.interval.ms": "1000",
            # A worker that left without rejoining has its work reassigned after this delay
            # (5 minutes by default, for rolling restarts).
            "scheduled.rebalance.max.delay.ms": "5000",
            "plugin.discovery": "service_load",
        }
        for kind, topic in INTERNAL.items():
            config["%s.storage.topic" % kind] = topic
            config["%s.storage.replication.factor" % kind] = "1"
        config.update(extra or {})
        with open(self.props, "w") as f:
            f.writelines("%s=%s\n" % kv for kv in config.items())
        self.log4j = os.path.join(root, "log4j2.properties")
        with open(self.log4j, "w") as f:
            f.write(LOG4J)
        self.proc = None

    def start(self, libs):
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            ["java", "-Xmx512m", "-Dlog4j2.configurationFile=" + self.log4j, "-cp",
             os.path.join(libs, "*"), "org.apache.kafka.connect.cli.ConnectDistributed",
             self.props], stdout=log, stderr=subprocess.STDOUT)
        log.close()

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def rest(self, method, path, body=None, timeout_s=10):
        """(HTTP status, parsed JSON or text); status 0 when the worker does not answer."""
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request("http://127.0.0.1:%d%s" % (self.port, path), data=data,
                                     method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=timeout_s) as r:
                text = r.read().decode()
                return r.status, json.loads(text) if text else None
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode("utf-8", "replace")
        except (urllib.error.URLError, OSError):
            return 0, None


class ConnectOnEddy(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.libs = kafka_libs(os.path.join(HERE, "connect", "pom.xml"))

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="eddy-connect-")
        self.root = self.tmp.name
        self.broker = Broker()
        self.broker.__enter__()
        self.workers = []

    def tearDown(self):
        for w in self.workers:
            w.stop(signal.SIGKILL)
        self.broker.__exit__(None, None, None)
        self.tmp.cleanup()

    def context(self):
        out = ""
        for w in self.workers:
            out += "\n--- %s ---\n%s" % (w.log_path, w.log()[-8000:])
        return out + "\n--- broker ---\n" + self.broker.log()[-4000:]

    def worker(self, name, group="eddy-connect", extra=None):
        w = Worker(self.root, name, self.broker.bootstrap, group, extra)
        self.workers.append(w)
        return w

    def wait(self, what, predicate, timeout_s=WAIT_S):
        deadline = time.time() + timeout_s
        while time.time() < deadline:
            got = predicate()
            if got:
                return got
            time.sleep(0.5)
        self.fail("timed out waiting for %s%s" % (what, self.context()))

    def wait_ready(self, w):
        self.wait("the worker's REST API", lambda: w.rest("GET", "/")[0] == 200)

    def statuses(self, w):
        code, body = w.rest("GET", "/connectors?expand=status")
        return body if code == 200 and isinstance(body, dict) else {}

    def running(self, w, names):
        """Worker ids of every connector and task, once all of `names` run their one task."""
        st = self.statuses(w)
        ids = []
        for n in names:
            s = st.get(n, {}).get("status", {})
            tasks = s.get("tasks", [])
            if s.get("connector", {}).get("state") != "RUNNING" or len(tasks) != 1:
                return None
            if tasks[0].get("state") != "RUNNING":
                return None
            ids += [s["connector"]["worker_id"], tasks[0]["worker_id"]]
        return ids

    def append(self, path, first, last):
        with open(path, "a") as f:
            f.writelines("line-%d\n" % i for i in range(first, last + 1))

    def lines_in(self, path):
        if not os.path.exists(path):
            return []
        with open(path) as f:
            return f.read().splitlines()

    def topic_values(self):
        """Every value of TOPIC's one partition, read from the start to its end."""
        c = Consumer({"bootstrap.servers": self.broker.bootstrap, "group.id": "connect-check",
                      "enable.auto.commit": False})
        try:
            _, high = c.get_watermark_offsets(TopicPartition(TOPIC, 0), timeout=10)
            c.assign([TopicPartition(TOPIC, 0, 0)])
            out = []
            deadline = time.time() + 30
            while len(out) < high and time.time() < deadline:
                m = c.poll(0.5)
                if m is not None and not m.error():
                    out.append(m.value().decode())
            return out
        finally:
            c.close()

    def test_source_and_sink_through_restarts_and_a_second_worker(self):
        src, dst = os.path.join(self.root, "in.txt"), os.path.join(self.root, "out.txt")
        self.append(src, 1, 20)
        a = self.worker("a")
        a.start(self.libs)
        self.wait_ready(a)
        for name, config in (("src", {"connector.class": "FileStreamSource", "file": src,
                                      "topic": TOPIC}),
                             ("sink", {"connector.class": "FileStreamSink", "file": dst,
                                       "topics": TOPIC})):
            config["tasks.max"] = "1"
            code, body = a.rest("POST", "/connectors", {"name": name, "config": config})
            self.assertEqual(code, 201, body)
        self.wait("both connectors running", lambda: self.running(a, ["src", "sink"]))
        self.wait("20 lines through", lambda: len(self.lines_in(dst)) >= 20)
        self.assertEqual(self.lines_in(dst), self.lines_in(src), self.context())

        # The internal topics are compacted topics on Eddy, as Connect requires.
        admin = AdminClient({"bootstrap.servers": self.broker.bootstrap})
        for topic in INTERNAL.values():
            res = ConfigResource(ConfigResource.Type.TOPIC, topic)
            configs = admin.describe_configs([res])[res].result(timeout=10)
            self.assertEqual(configs["cleanup.policy"].value, "compact", topic)

        # Clean restart: connectors come back from the config topic, the source resumes from its
        # stored offset (no line read twice), the sink from its committed offsets.
        a.stop()
        self.append(src, 21, 40)
        a.start(self.libs)
        self.wait_ready(a)
        self.wait("the connectors back after a restart", lambda: self.running(a, ["src", "sink"]))
        self.wait("40 lines through", lambda: len(self.lines_in(dst)) >= 40)
        self.assertEqual(self.lines_in(dst), self.lines_in(src), self.context())
        self.assertEqual(self.topic_values(), self.lines_in(src))

        # A second worker joins the group: the connectors and tasks spread over both workers.
        b = self.worker("b")
        b.start(self.libs)
        self.wait_ready(b)
        self.wait("work on both workers",
                  lambda: len(set(self.running(a, ["src", "sink"]) or [])) == 2)
        self.append(src, 41, 60)
        self.wait("60 lines through", lambda: len(self.lines_in(dst)) >= 60)
        self.assertEqual(self.lines_in(dst), self.lines_in(src), self.context())

        # kill -9 of the first worker: the second takes everything over and nothing is lost
        # (at least once: a line may arrive twice, in order of first arrival).
        a.stop(signal.SIGKILL)
        self.append(src, 61, 80)
        survivor = "127.0.0.1:%d" % b.port
        self.wait("the survivor running everything",
                  lambda: set(self.running(b, ["src", "sink"]) or []) == {survivor})
        want = self.lines_in(src)
        self.wait("80 lines through", lambda: set(self.lines_in(dst)) >= set(want))
        in_topic = self.topic_values()
        self.assertEqual(set(in_topic), set(want))
        self.assertEqual(list(dict.fromkeys(in_topic)), want, "the topic's first copies in order")

    def test_exactly_once_source_support_fails_with_a_clear_error(self):
        w = self.worker("eos", group="eddy-connect-eos",
                        extra={"exactly.once.source.support": "enabled",
                               "config.storage.topic": "eos-configs",
                               "offset.storage.topic": "eos-offsets",
                               "status.storage.topic": "eos-status"})
        w.start(self.libs)
        self.wait("the transactional producer refused",
                  lambda: "TransactionalIdAuthorizationException" in w.log())
        # The worker cannot claim the config topic, so it accepts no connector.
        code, _ = w.rest("POST", "/connectors",
                         {"name": "src", "config": {"connector.class": "FileStreamSource",
                                                    "file": "/dev/null", "topic": "eos-lines"}},
                         timeout_s=15)
        self.assertNotEqual(code, 201, self.context())


if __name__ == "__main__":
    unittest.main()
