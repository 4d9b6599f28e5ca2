"""The admin listener (docs/metrics.md): /metrics, /health and /ready, checked with a real
Prometheus server from Debian scraping eddyd during a produce/consume run, and with promtool.

- Prometheus (the `prometheus` package, scripts/setup) scrapes eddyd every second while
  confluent-kafka produces and consumes; the test asks its HTTP API for the produce request rate,
  the bytes in of the topic and the p99 of produce latency (histogram_quantile), and that every
  metric docs/grafana/eddy.json uses is among the series Prometheus stored.
- `promtool check metrics` passes on the exposition (valid format, Prometheus' naming rules).
- /ready answers 503 with the step under way while start-up waits (here: for a controller quorum
  that never answers), and never 200 before the logs are opened and the partitions loaded.
- A JoinGroup v8 with a KIP-800 reason counts its rebalance in eddy_group_rebalances_total under
  the reason's label.
- Bad HTTP requests get 4xx and the listener stays up (docs/hostile-inputs.md, "Admin HTTP
  listener").

  cd tests/integration/broker && EDDYD=../../../build/bin/eddyd \\
    /usr/bin/python3 -m unittest -v test_metrics
"""

import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

import confluent_kafka

from eddy_harness import Broker, eddyd_path, free_port
from kafka_wire import compact_string, frame, header, header_v2, read_frame
from test_data_path import WAIT_S, consume_all, produce_all, producer, topic_name

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
DASHBOARD = os.path.join(REPO, "docs", "grafana", "eddy.json")


def http_get(url, timeout=10):
    """(status, body) of a GET; 4xx and 5xx are answers too."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def raw_http(port, data, read=True):
    """Sends raw bytes to the admin port; returns the status line's code (None: closed)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(data)
        if not read:
            return None
        got = b""
        try:
            while b"\r\n" not in got:
                chunk = s.recv(4096)
                if not chunk:
                    break
                got += chunk
        except ConnectionResetError:
            pass
        m = re.match(rb"HTTP/1\.[01] (\d{3})", got)
        return int(m.group(1)) if m else None


class Prometheus:
    """A Prometheus server scraping one target every second, in a temporary directory."""

    def __init__(self, target):
        self.dir = tempfile.mkdtemp(prefix="eddy-prom-")
        self.port = free_port()
        config = os.path.join(self.dir, "prometheus.yml")
        with open(config, "w") as f:
            f.write("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                    "scrape_configs:\n  - job_name: eddy\n    static_configs:\n"
                    "      - targets: ['%s']\n" % target)
        self.log = open(os.path.join(self.dir, "prometheus.log"), "wb")
        self.proc = subprocess.Popen(
            ["prometheus", "--config.file=" + config,
             "--storage.tsdb.path=" + os.path.join(self.dir, "data"),
             "--web.listen-address=127.0.0.1:%d" % self.port],
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("prometheus exited: " + self.logs())
            try:
                if http_get(self.url("/-/ready"), timeout=1)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError("prometheus did not get ready: " + self.logs())

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def logs(self):
        with open(os.path.join(self.dir, "prometheus.log"), "rb") as f:
            return f.read().decode("utf-8", "replace")[-4000:]

    def query(self, expr):
        """The instant vector of `expr`: a list of (labels, float value)."""
        status, body = http_get(self.url("/api/v1/query?" + urllib.parse.urlencode({"query": expr})))
        assert status == 200, body
        data = json.loads(body)["data"]["result"]
        return [(r["metric"], float(r["value"][1])) for r in data]

    def wait_positive(self, expr):
        """Polls `expr` until one of its values is a positive number; returns that value."""
        deadline = time.monotonic() + WAIT_S
        last = None
        while time.monotonic() < deadline:
            last = self.query(expr)
            values = [v for _, v in last if v == v and v > 0]  # v == v: not NaN
            if values:
                return values[0]
            time.sleep(0.5)
        raise AssertionError("%s never positive; last answer %s" % (expr, last))

    def wait_present(self, expr):
        """Polls `expr` until it has a series."""
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            if self.query(expr):
                return
            time.sleep(0.5)
        raise AssertionError("%s never had a series" % expr)

    def metric_names(self):
        status, body = http_get(self.url("/api/v1/label/__name__/values"))
        assert status == 200, body
        return set(json.loads(body)["data"])

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def dashboard_metrics():
    """The metric names the Grafana dashboard's queries use."""
    with open(DASHBOARD) as f:
        dashboard = json.load(f)
    exprs = []

    def walk(node):
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "expr":
                    exprs.append(v)
                else:
                    walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(dashboard)
    names = set()
    for e in exprs:
        names.update(re.findall(r"\b((?:kafka|eddy|process)_[a-zA-Z0-9_]+)", e))
    return exprs, names


class MetricsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.broker = Broker(overrides={"auto.create.topics.enable": "true"}).start()

    @classmethod
    def tearDownClass(cls):
        cls.broker.__exit__(None, None, None)

    def metrics(self):
        status, body = http_get(self.broker.admin_url + "/metrics")
        self.assertEqual(status, 200)
        return body

    def test_health_and_ready_once_serving(self):
        self.assertEqual(http_get(self.broker.admin_url + "/health"), (200, "ok\n"))
        self.assertEqual(http_get(self.broker.admin_url + "/ready"), (200, "ready\n"))

    def test_promtool_accepts_the_exposition_after_traffic(self):
        topic = topic_name()
        produce_all(producer(self.broker), topic, [(b"k", b"v" * 100, None)] * 50)
        self.assertEqual(len(consume_all(self.broker, topic, 50)), 50)
        text = self.metrics()
        for family in ("kafka_network_requestmetrics_requests_total",
                       "kafka_network_requestmetrics_totaltime_seconds",
                       "kafka_server_brokertopicmetrics_bytesin_total",
                       "kafka_log_log_size", "process_cpu_seconds_total", "eddy_build_info"):
            self.assertIn("# TYPE %s " % family, text)
        self.assertRegex(text, r'kafka_server_brokertopicmetrics_messagesin_total\{topic="%s"\} 50\n'
                         % topic)
        self.assertRegex(text, r'kafka_log_log_logendoffset\{topic="%s",partition="0"\} 50\n'
                         % topic)
        check = subprocess.run(["promtool", "check", "metrics"], input=text.encode(),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
        self.assertEqual(check.returncode, 0, check.stdout.decode())

    def test_prometheus_scrapes_rates_bytes_and_latency_during_a_run(self):
        prom = Prometheus("127.0.0.1:%d" % self.broker.admin_port)
        self.addCleanup(prom.stop)
        topic = topic_name()
        p = producer(self.broker, acks="all")
        consumer = confluent_kafka.Consumer({"bootstrap.servers": self.broker.bootstrap,
                                             "group.id": "metrics-" + topic,
                                             "auto.offset.reset": "earliest"})
        self.addCleanup(consumer.close)
        consumer.subscribe([topic])
        # Traffic until Prometheus has a produce rate, then enough for the other queries.
        produced = consumed = 0
        deadline = time.monotonic() + WAIT_S
        rate = None
        while time.monotonic() < deadline:
            produce_all(p, topic, [(None, b"x" * 200, None)] * 100)
            produced += 100
            consumed += len(consumer.consume(num_messages=1000, timeout=0.2))
            found = prom.query('rate(kafka_network_requestmetrics_requests_total'
                               '{request="Produce"}[10s])')
            rate = [v for _, v in found if v > 0]
            if rate and produced >= 3000:
                break
        self.assertTrue(rate, "Prometheus never saw a produce rate")
        bytes_in = prom.wait_positive(
            'kafka_server_brokertopicmetrics_bytesin_total{topic="%s"}' % topic)
        self.assertGreaterEqual(bytes_in, 200 * 100)
        p99 = prom.wait_positive(
            'histogram_quantile(0.99, sum by (le) (rate('
            'kafka_network_requestmetrics_totaltime_seconds_bucket{request="Produce"}[30s])))')
        self.assertLess(p99, 30)  # within the buckets: a latency, not +Inf
        self.assertGreater(consumed, 0)
        consumer.commit(asynchronous=False)
        prom.wait_present('kafka_consumergroup_lag{consumergroup="metrics-%s"}' % topic)
        prom.wait_positive('sum(rate(kafka_server_brokertopicmetrics_bytesout_total[30s]))')
        seen = prom.metric_names()
        exprs, used = dashboard_metrics()
        self.assertTrue(exprs, "the dashboard has no queries")
        self.assertEqual(sorted(used - seen), [], "dashboard metrics Prometheus never scraped")
        print("\nprometheus: produce rate %.1f req/s, bytes in %d, produce p99 %.4f s, "
              "%d series names; dashboard uses %d of them" % (rate[0], bytes_in, p99, len(seen),
                                                                len(used)))

    def test_bad_requests_get_4xx_and_the_listener_stays_up(self):
        port = self.broker.admin_port
        self.assertEqual(raw_http(port, b"POST /metrics HTTP/1.1\r\nHost: x\r\n"
                                        b"Content-Length: 0\r\n\r\n"), 405)
        self.assertEqual(raw_http(port, b"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"), 404)
        self.assertEqual(raw_http(port, b"GET / HTTP/1.1\r\nHost: x\r\nX: " + b"a" * 20000 +
                                  b"\r\n\r\n"), 431)
        self.assertEqual(raw_http(port, b"GET /metrics HTTP/1.1\r\nHost: x\r\n"
                                        b"Content-Length: 100\r\n\r\n" + b"b" * 100), 413)
        self.assertEqual(raw_http(port, b"\x00\x01garbage\r\n\r\n"), 400)
        # More connections than the bound: the extra ones are closed, the listener goes on.
        held = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(80)]
        try:
            closed = 0
            for s in held:
                s.settimeout(0.2)
                try:
                    if s.recv(1) == b"":
                        closed += 1
                except (socket.timeout, ConnectionResetError):
                    pass
            self.assertGreaterEqual(closed, 80 - 64)
        finally:
            for s in held:
                s.close()
        deadline = time.monotonic() + WAIT_S
        while http_get(self.broker.admin_url + "/health")[0] != 200:
            self.assertLess(time.monotonic(), deadline, "the admin listener stopped answering")
            time.sleep(0.1)
        self.assertTrue(self.broker.alive())

    def test_a_join_groups_kip800_reason_counts_its_rebalance_by_reason(self):
        group = "reasons-" + topic_name()
        member = join_group_v8(self.broker.port, group, "", b"need to re-join with the given "
                               b"member-id: consumer-x-1")
        self.assertNotEqual(member, "")
        text = self.metrics()
        label = ('eddy_group_rebalances_total{trigger="member_joined",'
                 'reason="need to re-join with the given member-id"} ')
        before = sample_value(text, label)
        join_group_v8(self.broker.port, group, member, b"need to re-join with the given "
                      b"member-id: " + member.encode())
        self.assertEqual(sample_value(self.metrics(), label), before + 1)


def sample_value(text, prefix):
    """The value of the exposition line starting with `prefix` (0 when absent)."""
    for line in text.splitlines():
        if line.startswith(prefix):
            return float(line[len(prefix):])
    return 0.0


def join_group_v8(port, group, member_id, reason):
    """JoinGroup v8 (flexible, with KIP-800's Reason) of a consumer with one protocol; returns
    the member id answered (MEMBER_ID_REQUIRED hands out one for a new member). A FindCoordinator
    first creates the offsets topic, as a client's does; retries while the coordinator is still
    starting (COORDINATOR_LOAD_IN_PROGRESS, COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR)."""
    body = (compact_string(group.encode()) + struct.pack(">ii", 10000, 10000) +
            compact_string(member_id.encode()) + b"\x00" + compact_string(b"consumer") +
            b"\x02" + compact_string(b"range") + b"\x01" + b"\x00" +
            compact_string(reason) + b"\x00")
    deadline = time.monotonic() + WAIT_S
    while True:
        with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
            s.sendall(frame(header(10, 0) + struct.pack(">h", len(group)) + group.encode()))
            read_frame(s)
            s.sendall(frame(header_v2(11, 8) + body))
            resp = read_frame(s)
        # correlation id, header tags, throttle, error, generation, then compact strings:
        # protocol type, protocol name, leader, member id
        error = struct.unpack_from(">h", resp, 9)[0]
        pos = 15
        fields = []
        for _ in range(4):
            n = resp[pos] - 1
            fields.append(resp[pos + 1:pos + 1 + max(n, 0)].decode())
            pos += 1 + max(n, 0)
        if error in (0, 79):  # NONE, MEMBER_ID_REQUIRED
            return fields[3]
        if error not in (14, 15, 16) or time.monotonic() > deadline:
            raise AssertionError("JoinGroup v8 answered error %d" % error)
        time.sleep(0.2)


class ReadinessTest(unittest.TestCase):
    def test_ready_is_503_while_waiting_for_the_controller_quorum(self):
        d = tempfile.mkdtemp(prefix="eddy-ready-")
        self.addCleanup(shutil.rmtree, d, True)
        admin = free_port()
        config = os.path.join(d, "eddy.yaml")
        with open(config, "w") as f:
            f.write("node.id: 1\nlisteners: PLAINTEXT://127.0.0.1:%d\n"
                    "admin.listeners: http://127.0.0.1:%d\nlog.dirs: %s\n"
                    "controller.quorum.voters: 1@127.0.0.1:%d,2@127.0.0.1:%d\n"
                    % (free_port(), admin, os.path.join(d, "logs"), free_port(), free_port()))
        cluster = subprocess.run([eddyd_path(), "random-uuid"], stdout=subprocess.PIPE,
                                 check=True).stdout.decode().strip()
        subprocess.run([eddyd_path(), "format", "--cluster-id", cluster, "--config", config],
                       check=True, stdout=subprocess.DEVNULL)
        log = open(os.path.join(d, "eddyd.log"), "wb")
        proc = subprocess.Popen([eddyd_path(), "--config", config], stdout=log,
                                stderr=subprocess.STDOUT)
        self.addCleanup(log.close)
        self.addCleanup(lambda: proc.poll() is None and (proc.kill(), proc.wait()))
        answer = None
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            try:
                answer = http_get("http://127.0.0.1:%d/ready" % admin, timeout=2)
                if "quorum" in answer[1]:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        self.assertEqual(answer, (503, "not ready: catching up with the controller quorum\n"))
        self.assertEqual(http_get("http://127.0.0.1:%d/health" % admin), (200, "ok\n"))
        proc.send_signal(signal.SIGTERM)
        self.assertEqual(proc.wait(timeout=60), 0)

    def test_ready_only_after_the_logs_and_partitions_are_loaded(self):
        b = Broker(overrides={"auto.create.topics.enable": "true"}).start()
        self.addCleanup(b.__exit__, None, None, None)
        for _ in range(5):
            produce_all(producer(b), topic_name(), [(None, b"r", None)] * 10)
        b.kill9()
        offset = len(b.log())
        b.write_config()
        log = open(b.log_path, "ab")
        b.proc = subprocess.Popen(b.command(), stdout=log, stderr=subprocess.STDOUT,
                                  cwd=b.data_dir)
        log.close()
        answers = []
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            try:
                status, body = http_get(b.admin_url + "/ready", timeout=2)
            except OSError:
                continue
            if status == 200:
                # Ready: the load was done and logged before this answer.
                restart = b.log()[offset:]
                self.assertIn("partition logs in", restart)
                self.assertIn("recovered after an unclean stop", restart)
                self.assertIn("partitions in", restart)
                break
            answers.append((status, body))
            time.sleep(0.01)
        else:
            self.fail("never ready: %s" % answers[-3:])
        self.assertTrue(all(s == 503 and body.startswith("not ready: ") for s, body in answers),
                        answers)


if __name__ == "__main__":
    unittest.main()
