"""Runs build/bin/eddyctl (or $EDDYCTL) against a broker and returns (exit code, stdout, stderr).

Every run is bounded by a timeout; JSON output is parsed with json.loads by the caller.
CliTestCase is the shared fixture of the CLI suites: one eddyd per test class.
"""

import json
import os
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "broker"))

from eddy_harness import Broker, REPO, free_port  # noqa: E402


def eddyctl_path():
    return os.environ.get("EDDYCTL") or os.path.join(REPO, "build", "bin", "eddyctl")


class Result:
    def __init__(self, code, out, err):
        self.code, self.out, self.err = code, out, err

    def json(self):
        return json.loads(self.out)

    def __repr__(self):
        return "exit %d\nstdout:\n%s\nstderr:\n%s" % (self.code, self.out, self.err)


def eddyctl(bootstrap, *args, stdin=None, timeout_s=60, env=None):
    cmd = [eddyctl_path()]
    if bootstrap is not None:
        cmd += ["-b", bootstrap]
    cmd += list(args)
    p = subprocess.run(cmd, input=stdin.encode() if stdin is not None else None,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout_s, env=env)
    return Result(p.returncode, p.stdout.decode("utf-8", "replace"),
                  p.stderr.decode("utf-8", "replace"))


class CliTestCase(unittest.TestCase):
    """Starts one eddyd (a free loopback port, a temp data dir, `overrides`) for the whole class
    and stops it after; `b` is its bootstrap address."""

    overrides = {}

    @classmethod
    def setUpClass(cls):
        cls.broker = Broker(overrides=dict(cls.overrides)).start()
        cls.b = cls.broker.bootstrap

    @classmethod
    def tearDownClass(cls):
        cls.broker.__exit__(None, None, None)

    def run_ok(self, *args, **kw):
        """eddyctl against this class's broker; the test fails unless it exits 0."""
        r = eddyctl(self.b, *args, **kw)
        self.assertEqual(r.code, 0, r)
        return r

    def assert_unreachable(self, *args, **kw):
        """eddyctl with a bootstrap nobody listens on exits UNREACHABLE (3) saying why; the run's
        own timeout bounds it, so a hang fails the test instead of a timing assertion."""
        r = eddyctl("127.0.0.1:%d" % free_port(), "--timeout-ms", "2000", *args, timeout_s=30,
                    **kw)
        self.assertEqual(r.code, 3, r)
        self.assertIn("cannot connect", r.err)
