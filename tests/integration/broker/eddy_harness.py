"""Starts the real eddyd for integration tests.

    from eddy_harness import Broker
    with Broker(overrides={"num.partitions": "3"}) as b:
        admin = AdminClient({"bootstrap.servers": b.bootstrap})
        ...
    # __exit__ sends SIGTERM and waits (bounded) for exit 0

Each Broker gets a free loopback port and a fresh temporary data dir (kept across restart() so a
test can stop and start the same broker, or kill -9 it and start it again). The eddyd binary is
$EDDYD, else build/bin/eddyd relative to the repository. Every wait is bounded.
"""

import os
import signal
import socket
import struct
import subprocess
import tempfile
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))


def eddyd_path():
    return os.path.abspath(os.environ.get("EDDYD") or os.path.join(REPO, "build", "bin", "eddyd"))


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ApiVersions v0, correlation id 1, client id "h": the listeners are bound before start-up
# recovery, so a connection is accepted by the kernel before eddyd serves; an answer is not.
_API_VERSIONS_V0 = struct.pack(">ihhih", 2 + 2 + 4 + 2 + 1, 18, 0, 1, 1) + b"h"


def serving(port, timeout_s=1):
    """Whether eddyd on `port` answers a request (within timeout_s)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout_s) as s:
            s.sendall(_API_VERSIONS_V0)
            return len(s.recv(4)) == 4
    except OSError:
        return False


class ServerProcess:
    """A Kafka-protocol server process (eddyd, or Apache Kafka for the peer tests): started from
    command() with its output in log_path, served once it answers ApiVersions on `port`, stopped
    with SIGTERM or kill -9. Subclasses set NAME, port, log_path, start_timeout_s, proc = None."""

    NAME = "server"

    def launch(self):
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT,
                                     cwd=self.data_dir)
        log.close()
        deadline = time.monotonic() + self.start_timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("%s exited with %d during start-up:\n%s"
                                   % (self.NAME, self.proc.returncode, self.log()))
            if serving(self.port):
                return self
            time.sleep(0.05)
        self.kill9()
        raise RuntimeError("%s did not accept connections within %ds:\n%s"
                           % (self.NAME, self.start_timeout_s, self.log()))

    def stop(self, timeout_s=60):
        """SIGTERM, then wait; returns the exit code (kill -9 and raise if it hangs)."""
        if self.proc is None:
            return None
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.kill9()
            raise RuntimeError("%s did not exit within %ds of SIGTERM" % (self.NAME, timeout_s))
        self.proc = None
        return rc

    def kill9(self):
        if self.proc is None:
            return
        self.proc.kill()
        self.proc.wait(timeout=30)
        self.proc = None

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def __enter__(self):
        return self.start()


class Broker(ServerProcess):
    NAME = "eddyd"

    def __init__(self, overrides=None, data_dir=None, node_id=1, start_timeout_s=60):
        self.overrides = dict(overrides or {})
        self._tmp = None
        if data_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="eddy-it-")
            data_dir = self._tmp.name
        self.data_dir = data_dir
        self.node_id = node_id
        self.start_timeout_s = start_timeout_s
        self.port = free_port()
        self.admin_port = free_port()  # admin.listeners: /metrics, /health, /ready
        self.proc = None
        self.log_path = os.path.join(self.data_dir, "eddyd.log")
        self.config_path = os.path.join(self.data_dir, "eddy.yaml")

    @property
    def admin_url(self):
        return "http://127.0.0.1:%d" % self.admin_port

    @property
    def bootstrap(self):
        return "127.0.0.1:%d" % self.port

    def write_config(self):
        lines = [
            "node.id: %d" % self.node_id,
            "listeners: PLAINTEXT://127.0.0.1:%d" % self.port,
            "admin.listeners: http://127.0.0.1:%d" % self.admin_port,
            "log.dirs: %s" % os.path.join(self.data_dir, "logs"),
            "num.io.threads: 2",
            "group.initial.rebalance.delay.ms: 0",
            "shutdown.timeout.ms: 10000",
        ]
        with open(self.config_path, "w") as f:
            f.write("\n".join(lines) + "\n")

    def command(self):
        cmd = [eddyd_path(), "--config", self.config_path]
        for k, v in self.overrides.items():
            cmd += ["--override", "%s=%s" % (k, v)]
        return cmd

    def start(self):
        self.write_config()
        return self.launch()

    def restart(self):
        self.stop()
        return self.start()

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def __exit__(self, *exc):
        try:
            if self.proc is not None:
                rc = self.stop()
                if exc[0] is None and rc != 0:
                    raise AssertionError("eddyd exited %s on SIGTERM:\n%s" % (rc, self.log()))
        finally:
            if self._tmp is not None:
                self._tmp.cleanup()
        return False


def run_eddyd(args, timeout_s=30):
    """Runs eddyd with `args` to completion; returns (exit code, combined output)."""
    p = subprocess.run([eddyd_path()] + args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=timeout_s)
    return p.returncode, p.stdout.decode("utf-8", "replace")
