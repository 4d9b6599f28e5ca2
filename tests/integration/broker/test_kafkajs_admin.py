"""kafkajs 2.2.4 admin client against eddyd (tests/integration/node/admin_test.js).

Installs kafkajs with `npm ci` from the committed package-lock.json when node_modules is absent
(the npm registry is reachable from CI); a failed install fails the test.
"""

import os
import subprocess
import unittest

from eddy_harness import REPO, Broker

NODE_DIR = os.path.join(REPO, "tests", "integration", "node")


def ensure_kafkajs():
    if os.path.isdir(os.path.join(NODE_DIR, "node_modules", "kafkajs")):
        return
    p = subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=NODE_DIR,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
    if p.returncode != 0:
        raise RuntimeError("npm ci failed:\n" + p.stdout.decode("utf-8", "replace"))


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
