"""N combined eddyd nodes (broker + controller), each in its own network namespace of a Net, each
under the power-loss shim (disk faults, power cuts) and libfaketime (clock skew) when asked.

    with ChaosCluster(3, overrides={...}, shim=True, faketime=True) as c:
        c.bootstrap                    # "10.X.Y.11:9092,..." reachable from the root namespace
        c.kill9(2); c.start_node(2)    # a crash and a restart
        c.power_cut([1, 2, 3])         # kill -9, then each data dir as its last fsyncs left it
        c.set_disk(1, "enospc")        # writes fail as on a full disk ("eio": fsyncs fail)
        c.set_clock(3, "+90")          # node 3's wall clock 90 s ahead (monotonic untouched)

Every node's files (config, data, log, shim mirror, control files) are under one temporary dir,
removed by close() unless `keep` is set. close() kills every node (SIGCONT first) and removes the
network, also after an exception or Ctrl-C.
"""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration", "broker"))
sys.path.insert(0, os.path.join(HERE, "..", "integration", "faults"))

from eddy_harness import eddyd_path  # noqa: E402
from faults_support import rebuild_synced_state  # noqa: E402

from net import Net  # noqa: E402

CLIENT_PORT = 9092
RAFT_PORT = 9093
FAKETIME_LIB = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"


def shim_library():
    path = os.environ.get("EDDY_POWER_LOSS_SHIM") or os.path.join(
        HERE, "..", "..", "build", "tests", "integration", "faults", "libeddy_power_loss_shim.so")
    if not os.path.isfile(path):
        raise RuntimeError("the power-loss shim is not built (EDDY_POWER_LOSS_SHIM): %s" % path)
    return os.path.abspath(path)


_ADOPT = """
import os, sys
for d, _, files in os.walk(sys.argv[1], topdown=False):
    for name in files + [None]:
        fd = os.open(d if name is None else os.path.join(d, name), os.O_RDONLY)
        os.fsync(fd)
        os.close(fd)
"""


class ChaosNode:
    def __init__(self, cluster, i):
        self.c = cluster
        self.id = i
        self.dir = os.path.join(cluster.root, "node%d" % i)
        self.logs_dir = os.path.join(self.dir, "logs")
        self.mirror = os.path.join(self.dir, "mirror")
        self.full_file = os.path.join(self.dir, "disk-full")
        self.eio_file = os.path.join(self.dir, "disk-eio")
        self.clock_file = os.path.join(self.dir, "clock")
        self.config = os.path.join(self.dir, "eddy.yaml")
        self.log_path = os.path.join(self.dir, "eddyd.log")
        self.proc = None
        os.makedirs(os.path.join(self.mirror, "inodes"), exist_ok=True)
        os.makedirs(os.path.join(self.mirror, "dirs"), exist_ok=True)
        with open(self.clock_file, "w") as f:
            f.write("+0\n")
        lines = {
            "node.id": i,
            "process.roles": "broker,controller",
            "listeners": "PLAINTEXT://%s:%d" % (cluster.net.ip(i), CLIENT_PORT),
            "controller.quorum.voters": cluster.voters,
            "log.dirs": self.logs_dir,
            "num.io.threads": 2,
            "group.initial.rebalance.delay.ms": 0,
            "shutdown.timeout.ms": 10000,
        }
        lines.update(cluster.overrides)
        with open(self.config, "w") as f:
            f.write("".join("%s: %s\n" % kv for kv in lines.items()))

    @property
    def address(self):
        return "%s:%d" % (self.c.net.ip(self.id), CLIENT_PORT)

    def command(self, args):
        env = []
        preload = []
        if self.c.shim:
            preload.append(self.c.shim_lib)
            env += ["EDDY_SHIM_ROOT=" + self.logs_dir, "EDDY_SHIM_MIRROR=" + self.mirror,
                    "EDDY_SHIM_FULL_FILE=" + self.full_file, "EDDY_SHIM_EIO_FILE=" + self.eio_file]
        if self.c.faketime:
            # Wall clock only: eddyd's timeouts run on the monotonic clock, as Kafka's do.
            preload.append(FAKETIME_LIB)
            env += ["FAKETIME_TIMESTAMP_FILE=" + self.clock_file, "FAKETIME_CACHE_DURATION=1",
                    "DONT_FAKE_MONOTONIC=1", "FAKETIME_DONT_RESET=1"]
        if preload:
            env.append("LD_PRELOAD=" + ":".join(preload))
        # `ip netns exec` and `env` exec: the process is eddyd itself, so kill -9 reaches it.
        return ["ip", "netns", "exec", self.c.net.ns(self.id), "/usr/bin/env"] + env + \
            [eddyd_path()] + args

    def format(self, cluster_id):
        p = subprocess.run(self.command(["format", "--cluster-id", cluster_id, "--config",
                                         self.config]),
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
        if p.returncode != 0:
            raise RuntimeError("eddyd format failed: %s" % p.stdout.decode())

    def adopt(self):
        """After a power cut rebuilt the data dir (new files, so new mirror ids), fsyncs every
        file and directory in it under the shim: the mirror then holds the rebuilt state, which is
        durable by definition, and a later cut starts from it."""
        p = subprocess.run(
            ["/usr/bin/env", "LD_PRELOAD=" + self.c.shim_lib, "EDDY_SHIM_ROOT=" + self.logs_dir,
             "EDDY_SHIM_MIRROR=" + self.mirror, sys.executable, "-c", _ADOPT, self.logs_dir],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
        if p.returncode != 0:
            raise RuntimeError("adopting %s failed: %s" % (self.logs_dir, p.stdout.decode()))

    def start(self):
        if self.alive():
            return
        log = open(self.log_path, "ab")
        log.write(b"=== chaos: start at %.3f\n" % time.time())
        log.flush()
        # A session of its own: when the harness's process group is orphaned (started in the
        # background), the kernel sends SIGHUP to a group with a stopped member whenever another
        # member exits, and SIGHUP stops eddyd; a SIGSTOPped node must stay paused. Ctrl-C in
        # the terminal reaches only the harness, which tears down.
        self.proc = subprocess.Popen(self.command(["--config", self.config]), stdout=log,
                                     stderr=subprocess.STDOUT, cwd=self.dir,
                                     start_new_session=True)
        log.close()

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def signal(self, sig):
        if self.alive():
            self.proc.send_signal(sig)

    def kill9(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=30)
        self.proc = None

    def stop(self, timeout_s=20):
        """SIGTERM (SIGCONT first), bounded; returns the exit code."""
        if self.proc is None:
            return None
        self.signal(signal.SIGCONT)
        self.signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.kill9()
            return "hung"
        self.proc = None
        return rc

    def log_tail(self, n=4000):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")[-n:]
        except OSError:
            return ""


class ChaosCluster:
    def __init__(self, n=3, overrides=None, shim=False, faketime=False, keep=False):
        self.n = n
        self.overrides = dict(overrides or {})
        self.shim = shim
        self.faketime = faketime
        self.keep = keep
        self.shim_lib = shim_library() if shim else None
        self.root = tempfile.mkdtemp(prefix="eddy-chaos-")
        self.net = None
        self.nodes = {}
        try:
            self.net = Net(n)
            self.voters = ",".join("%d@%s:%d" % (i, self.net.ip(i), RAFT_PORT)
                                   for i in range(1, n + 1))
            self.nodes = {i: ChaosNode(self, i) for i in range(1, n + 1)}
            cluster_id = subprocess.run([eddyd_path(), "random-uuid"], stdout=subprocess.PIPE,
                                        timeout=30, check=True).stdout.decode().strip()
            for node in self.nodes.values():
                node.format(cluster_id)
        except BaseException:
            self.close()
            raise

    @property
    def bootstrap(self):
        return ",".join(n.address for n in self.nodes.values())

    def start(self):
        for node in self.nodes.values():
            node.start()

    def kill9(self, i):
        self.nodes[i].kill9()

    def start_node(self, i):
        self.nodes[i].start()

    def power_cut(self, ids):
        """kill -9 each node, then rebuild its data dir to what its fsyncs made durable.
        Returns the bytes the cut undid, over all of them."""
        for i in ids:
            self.nodes[i].kill9()
        undone = 0
        for i in ids:
            node = self.nodes[i]
            undone += rebuild_synced_state(node.logs_dir, node.mirror)
            node.adopt()
        return undone

    def set_disk(self, i, mode):
        """mode: "enospc" (writes that extend a file fail), "eio" (fsyncs fail), None (healthy)."""
        node = self.nodes[i]
        for path, on in ((node.full_file, mode == "enospc"), (node.eio_file, mode == "eio")):
            if on:
                open(path, "w").close()
            elif os.path.exists(path):
                os.unlink(path)

    def set_clock(self, i, offset):
        node = self.nodes[i]
        tmp = node.clock_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(offset + "\n")
        os.replace(tmp, node.clock_file)

    def logs(self, n=3000):
        return "\n".join("== node %d\n%s" % (i, node.log_tail(n)) for i, node in self.nodes.items())

    def stop_nodes(self):
        """Stops every node (SIGTERM, then kill -9 if it hangs); returns {node: exit code}."""
        codes = {}
        for i, node in self.nodes.items():
            try:
                codes[i] = node.stop()
            except Exception as e:  # keep going: the network must go in any case
                codes[i] = repr(e)
        return codes

    def close(self):
        """Stops every node and removes the network and the files (idempotent).
        Returns {node: exit code} of the clean stops."""
        codes = self.stop_nodes()
        if self.net is not None:
            self.net.close()
        if not self.keep:
            shutil.rmtree(self.root, ignore_errors=True)
        return codes

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False
