"""A cluster of combined eddyd nodes (broker + controller) on loopback, for integration tests.

    with Cluster(3) as c:
        admin = AdminClient({"bootstrap.servers": c.bootstrap})
        c.kill9(c.controller_id())
        ...
    # __exit__ stops every node with SIGTERM (bounded) and removes the data dirs

Every node gets a free client port and a free Raft port, its own data dir under one temporary
directory, and the same cluster id (`eddyd format`). Nodes start together: a node waits for the
controller quorum before it serves, so one alone never comes up. Every wait is bounded.
"""

import os
import re
import signal
import subprocess
import tempfile
import time
import urllib.request

from confluent_kafka.admin import AdminClient

from eddy_harness import Broker, eddyd_path, free_port


def wait_for(pred, timeout_s, what):
    deadline = time.monotonic() + timeout_s
    last = None
    while time.monotonic() < deadline:
        try:
            last = pred()
            if last:
                return last
        except Exception as e:  # a node still starting or just killed
            last = e
        time.sleep(0.1)
    raise AssertionError("timed out after %ss waiting for %s (last: %r)" % (timeout_s, what, last))


class Node(Broker):
    """One combined node: eddy_harness's Broker (config, process control, log) in the cluster's
    directory, with the quorum's voters, started without waiting (it serves only once a quorum
    answers)."""

    def __init__(self, node_id, root, voters, overrides):
        data_dir = os.path.join(root, "node%d" % node_id)
        os.makedirs(data_dir, exist_ok=True)
        super().__init__(overrides=dict(overrides, **{"controller.quorum.voters": voters}),
                         data_dir=data_dir, node_id=node_id)
        self.dir = data_dir

    def format(self, cluster_id):
        self.write_config()
        p = subprocess.run([eddyd_path(), "format", "--cluster-id", cluster_id] +
                           self.command()[1:], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=30)
        if p.returncode != 0:
            raise RuntimeError("eddyd format failed: %s" % p.stdout.decode())

    def spawn(self):
        self.write_config()
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT,
                                     cwd=self.dir)
        log.close()

    def signal(self, sig):
        self.proc.send_signal(sig)

    def metadata(self, timeout_s=5):
        """This node's own answer (not the cluster's): a bootstrap of this node only."""
        admin = AdminClient({"bootstrap.servers": self.bootstrap})
        return admin.list_topics(timeout=timeout_s)


class Cluster:
    def __init__(self, n=3, overrides=None, cluster_id=None):
        self._tmp = tempfile.TemporaryDirectory(prefix="eddy-cluster-")
        raft_ports = {i: free_port() for i in range(1, n + 1)}
        self.voters = ",".join("%d@127.0.0.1:%d" % (i, p) for i, p in raft_ports.items())
        self.nodes = {i: Node(i, self._tmp.name, self.voters, overrides or {})
                      for i in range(1, n + 1)}
        self.cluster_id = cluster_id or random_uuid()
        for node in self.nodes.values():
            node.format(self.cluster_id)

    @property
    def bootstrap(self):
        return ",".join(n.bootstrap for n in self.nodes.values())

    def start(self, timeout_s=60):
        for node in self.nodes.values():
            node.spawn()
        self.wait_formed(timeout_s)
        return self

    def wait_formed(self, timeout_s=60, nodes=None):
        """Every running node lists every running node as a broker, and one controller."""
        def formed():
            running = {i for i, n in self.nodes.items() if n.alive()}
            controllers = set()
            for i in running:
                md = self.nodes[i].metadata(timeout_s=2)
                if set(md.brokers) != running:
                    return False
                controllers.add(md.controller_id)
            return len(controllers) == 1 and controllers.pop() in running
        wait_for(formed, timeout_s, "the cluster to form")

    def controller_id(self):
        for node in self.nodes.values():
            if node.alive():
                return node.metadata().controller_id
        raise AssertionError("no node is running")

    def logs(self):
        return "\n".join("== node %d\n%s" % (i, n.log()[-4000:]) for i, n in self.nodes.items())

    def __enter__(self):
        try:
            return self.start()
        except Exception:
            self.close()
            raise

    def close(self):
        errors = []
        for node in self.nodes.values():
            try:
                if node.proc is not None and node.proc.poll() is None:
                    node.signal(signal.SIGCONT)
                rc = node.stop()
                if rc not in (None, 0):
                    errors.append("node %d exited %s on SIGTERM" % (node.node_id, rc))
            except Exception as e:
                errors.append(str(e))
        self._tmp.cleanup()
        return errors

    def __exit__(self, *exc):
        logs = self.logs() if exc[0] is not None else ""
        errors = self.close()
        if exc[0] is None and errors:
            raise AssertionError("; ".join(errors))
        if logs:
            print(logs)
        return False


def log_start(node, topic, partition=0):
    """The log start offset `node`'s replica of topic-partition has recorded on disk, in its
    partition.checkpoint (None: none recorded yet)."""
    path = os.path.join(node.data_dir, "logs", "%s-%d" % (topic, partition),
                        "partition.checkpoint")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        for line in f.read().splitlines()[2:]:
            key, value = line.split(" ")
            if key == "log_start_offset":
                return int(value)
    raise AssertionError("no log_start_offset in " + path)


def eddyctl(*args, timeout_s=90):
    """Runs eddyctl (EDDYCTL, else next to EDDYD): (exit code, stdout, stderr)."""
    path = os.environ.get("EDDYCTL") or os.path.join(
        os.path.dirname(os.environ.get("EDDYD", "eddyd")), "eddyctl")
    p = subprocess.run([path] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=timeout_s)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def scrape(node):
    """{(name, frozenset of (label, value)): value} of one node's /metrics."""
    with urllib.request.urlopen(node.admin_url + "/metrics", timeout=5) as r:
        text = r.read().decode()
    out = {}
    for line in text.splitlines():
        m = SAMPLE.match(line)
        if m and not line.startswith("#"):
            out[(m.group(1), frozenset(LABEL.findall(m.group(2) or "")))] = float(m.group(3))
    return out


def value(samples, name, **labels):
    return samples.get((name, frozenset((k, str(v)) for k, v in labels.items())))


def random_uuid():
    p = subprocess.run([eddyd_path(), "random-uuid"], stdout=subprocess.PIPE, timeout=30,
                       check=True)
    return p.stdout.decode().strip()
