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


if __name__ == "__main__":
    unittest.main()
