"""franz-go (kgo v1.22.3, kadm v1.20.0) against eddyd: main.go beside this file, built with the
Go toolchain from the pinned go.mod/go.sum (modules and build cache under build/go, fetched from
the Go module proxy on first use)."""

import os
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "integration", "broker"))

from eddy_harness import Broker  # noqa: E402

CASES = [
    "kadm: topics, configs, partitions, metadata",
    "kgo: produce every codec, group of two consumes, kadm offsets",
]


def build_judge():
    out = os.path.join(REPO, "build", "go", "franzjudge")
    env = dict(os.environ, GOMODCACHE=os.path.join(REPO, "build", "go", "mod"),
               GOCACHE=os.path.join(REPO, "build", "go", "cache"), GOTOOLCHAIN="local",
               GOFLAGS="-mod=readonly")
    p = subprocess.run(["go", "build", "-o", out, "."], cwd=HERE, env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=540)
    if p.returncode != 0:
        raise RuntimeError("go build failed:\n" + p.stdout.decode("utf-8", "replace"))
    return out


class FranzGo(unittest.TestCase):
    def test_kgo_and_kadm_against_eddyd(self):
        judge = build_judge()
        with Broker() as b:
            p = subprocess.run([judge, b.bootstrap], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, timeout=300)
            out = p.stdout.decode("utf-8", "replace")
            context = out + "\n--- eddyd log ---\n" + b.log()[-10000:]
            ok = {l[3:].rsplit(" (", 1)[0] for l in out.splitlines() if l.startswith("ok ")}
            self.assertEqual([l for l in out.splitlines() if l.startswith("FAIL")], [], context)
            self.assertEqual(sorted(set(CASES) - ok), [], context)
            self.assertEqual(p.returncode, 0, context)


if __name__ == "__main__":
    unittest.main()
