"""eddyctl as a new user meets it (issue 20): --version, consume's defaults, JSON output of binary
records, several names and regexes, idempotent create/delete, broker-side errors, completion."""

import re
import unittest

from cli_harness import CliTestCase, eddyctl

OK, ERROR, USAGE, UNREACHABLE, NOT_FOUND = 0, 1, 2, 3, 4


class VersionTest(unittest.TestCase):
    def test_version_names_version_commit_and_build_type(self):
        r = eddyctl(None, "--version")
        self.assertEqual(r.code, OK, r)
        self.assertRegex(r.out.strip(), r"^eddyctl \d+\.\d+\.\d+ \(commit "
                         r"(?:[0-9a-f]+(?:-dirty)?|unknown), \w+ build\)$")

    def test_help_mentions_version(self):
        r = eddyctl(None, "--help")
        self.assertEqual(r.code, OK, r)
        self.assertIn("--version", r.out)


class ConsumeDefaults(CliTestCase):
    overrides = {"num.partitions": "1"}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        r = eddyctl(cls.b, "produce", "ux-consume",
                    stdin="".join("m%d\n" % i for i in range(20)))
        assert r.code == OK, r

    def test_consume_without_follow_reads_from_the_beginning(self):
        out = self.run_ok("consume", "ux-consume").out.split()
        self.assertEqual(out, ["m%d" % i for i in range(20)])

    def test_offset_end_prints_nothing(self):
        self.assertEqual(self.run_ok("consume", "ux-consume", "-o", "end").out, "")

    def test_relative_offset_prints_the_last_n(self):
        self.assertEqual(self.run_ok("consume", "ux-consume", "-o", "-3").out.split(),
                         ["m17", "m18", "m19"])
        self.assertEqual(len(self.run_ok("consume", "ux-consume", "-o", "-50").out.split()), 20)


if __name__ == "__main__":
    unittest.main()
