"""kafkajs 2.2.4 admin client against eddyd (tests/integration/node/admin_test.js).

Installs kafkajs with `npm ci` from the committed package-lock.json unless a finished install of
that lock file is already there (the npm registry is reachable from CI); a failed install fails
the test.
"""

import fcntl
import hashlib
import os
import subprocess
import unittest

from eddy_harness import REPO, Broker

NODE_DIR = os.path.join(REPO, "tests", "integration", "node")


def ensure_kafkajs():
    """ctest runs the kafkajs tests in parallel: the lock makes one of them install while the
    other waits, and the marker (written only after `npm ci` succeeds) tells a finished install of
    this package-lock.json from a half-extracted or stale node_modules."""
    with open(os.path.join(NODE_DIR, "package-lock.json"), "rb") as f:
        want = hashlib.sha256(f.read()).hexdigest()
    marker = os.path.join(NODE_DIR, "node_modules", ".eddy-installed")
    with open(os.path.join(NODE_DIR, ".npm-install.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            with open(marker) as f:
                if f.read().strip() == want:
                    return
        except FileNotFoundError:
            pass
        p = subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=NODE_DIR,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
        if p.returncode != 0:
            raise RuntimeError("npm ci failed:\n" + p.stdout.decode("utf-8", "replace"))
        with open(marker, "w") as f:
            f.write(want + "\n")


class KafkajsAdmin(unittest.TestCase):
    def test_admin_topics_configs_partitions_cluster(self):
        ensure_kafkajs()
        with Broker() as b:
            p = subprocess.run(["node", "admin_test.js", b.bootstrap], cwd=NODE_DIR,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=180)
            out = p.stdout.decode("utf-8", "replace")
            self.assertEqual(p.returncode, 0, out + "\n--- eddyd log ---\n" + b.log())
            self.assertIn("kafkajs admin: ok", out)


if __name__ == "__main__":
    unittest.main()
