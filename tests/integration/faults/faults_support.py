"""What the fault tests share: eddyd under the power-loss shim (power_loss_shim.cc), and the
rebuild of a data dir to what the shim's mirror says had been fsynced.

The harness of tests/integration/broker (eddy_harness.py, kafka_wire.py, test_data_path.py,
test_crash_recovery.py) is imported from there, not copied.
"""

import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "broker"))

from eddy_harness import Broker  # noqa: E402


def shim_path():
    """The LD_PRELOAD library; a test that needs it fails (never skips) when it is missing."""
    path = os.environ.get("EDDY_POWER_LOSS_SHIM", "")
    if not path or not os.path.isfile(path):
        raise AssertionError("EDDY_POWER_LOSS_SHIM (the built eddy_power_loss_shim library) is "
                             "not set or missing: %r" % path)
    return path


class ShimBroker(Broker):
    """A Broker whose eddyd runs under the shim while `shimmed` is true.

    mirror:       keep the fsynced state of data_dir/logs in this folder (power loss)
    kill_at_sync: with mirror, eddyd SIGKILLs itself in its Nth fsync of unsynced written bytes
    full_file:    while this file exists, writes under data_dir/logs fail as on a full disk
                  (it holds how many bytes are still free: none when empty)
    `env` execs eddyd, so the harness's process is eddyd itself (kill -9 reaches it).
    """

    def __init__(self, mirror=None, full_file=None, kill_at_sync=0, **kwargs):
        super().__init__(**kwargs)
        self.shimmed = True
        self.mirror = mirror
        self.full_file = full_file
        self.kill_at_sync = kill_at_sync
        self.shim = shim_path()

    @property
    def logs_dir(self):
        return os.path.join(self.data_dir, "logs")

    def command(self):
        cmd = super().command()
        if not self.shimmed:
            return cmd
        env = ["LD_PRELOAD=" + self.shim, "EDDY_SHIM_ROOT=" + self.logs_dir]
        if self.mirror:
            os.makedirs(os.path.join(self.mirror, "inodes"), exist_ok=True)
            os.makedirs(os.path.join(self.mirror, "dirs"), exist_ok=True)
            env.append("EDDY_SHIM_MIRROR=" + self.mirror)
            if self.kill_at_sync:
                env.append("EDDY_SHIM_KILL_AT_SYNC=%d" % self.kill_at_sync)
        if self.full_file:
            env.append("EDDY_SHIM_FULL_FILE=" + self.full_file)
        return ["/usr/bin/env"] + env + cmd


def _dir_key(rel):
    if rel == "":
        return "%root"
    return rel.replace("%", "%25").replace("/", "%2F")


def _read_tree(root):
    """{relative path: content} of every file under root (a test's data dir: a few MiB)."""
    out = {}
    for dirpath, _, files in os.walk(root):
        for f in files:
            path = os.path.join(dirpath, f)
            with open(path, "rb") as fh:
                out[os.path.relpath(path, root)] = fh.read()
    return out


def _bytes_undone(before, after):
    """How many bytes the cut removed or changed, over every file."""
    undone = 0
    for name, old in before.items():
        new = after.get(name, b"")
        undone += max(0, len(old) - len(new))
        for pos in range(0, min(len(old), len(new)), 4096):
            a, b = old[pos:pos + 4096], new[pos:pos + 4096]
            if a != b:
                undone += sum(1 for x, y in zip(a, b) if x != y)
    return undone


def rebuild_synced_state(root, mirror):
    """Replaces `root` with what a power cut would have left of it: every directory holds the
    names its last fsync saw, every file the bytes of its last fsync (empty when it had none).
    The root itself is taken as durable. Returns how many bytes the cut removed or changed."""
    before = _read_tree(root)
    shutil.rmtree(root)
    os.mkdir(root)

    def materialize(rel, path):
        listing = os.path.join(mirror, "dirs", _dir_key(rel))
        if not os.path.exists(listing):
            return  # never fsynced: none of its names survive
        with open(listing) as f:
            entries = [line.rstrip("\n").split("\t", 2) for line in f if line.strip()]
        for kind, file_id, name in entries:
            target = os.path.join(path, name)
            if kind == "d":
                os.mkdir(target)
                materialize(name if rel == "" else rel + "/" + name, target)
                continue
            content = os.path.join(mirror, "inodes", file_id)
            if os.path.exists(content):
                shutil.copyfile(content, target)
            else:
                open(target, "wb").close()

    materialize("", root)
    return _bytes_undone(before, _read_tree(root))


def temp_dir(test, prefix):
    """A temporary folder removed when `test` ends."""
    d = tempfile.TemporaryDirectory(prefix=prefix)
    test.addCleanup(d.cleanup)
    return d.name
