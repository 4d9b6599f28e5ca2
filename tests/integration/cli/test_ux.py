"""eddyctl as a new user meets it (issue 20): --version, consume's defaults, JSON output of binary
records, several names and regexes, idempotent create/delete, broker-side errors, completion."""

import re
import socket
import threading
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


class IdempotentCreateDelete(CliTestCase):
    def test_if_not_exists_reports_exists(self):
        self.assertIn("CREATED", self.run_ok("topic", "create", "ux-idem").out)
        r = self.run_ok("topic", "create", "ux-idem", "--if-not-exists")
        self.assertRegex(r.out, r"ux-idem\s+EXISTS")
        j = self.run_ok("topic", "create", "ux-idem", "--if-not-exists", "--format", "json").json()
        self.assertEqual(j[0]["status"], "EXISTS")
        self.assertEqual(eddyctl(self.b, "topic", "create", "ux-idem").code, ERROR)

    def test_if_exists_reports_not_found(self):
        r = self.run_ok("topic", "delete", "ux-never", "--if-exists")
        self.assertRegex(r.out, r"ux-never\s+NOT FOUND")
        self.run_ok("topic", "create", "ux-gone")
        self.assertRegex(self.run_ok("topic", "delete", "ux-gone", "--if-exists").out,
                         r"ux-gone\s+DELETED")


class BrokerSideErrors(CliTestCase):
    overrides = {"auto.create.topics.enable": "false"}

    def test_produce_the_broker_does_not_acknowledge_exits_1_not_3(self):
        r = eddyctl(self.b, "--timeout-ms", "3000", "produce", "ux-no-such-topic", stdin="x\n")
        self.assertEqual(r.code, ERROR, r)
        self.assertIn("UNKNOWN_TOPIC_OR_PARTITION", r.err)

    def test_bootstrap_at_something_not_kafka_says_so(self):
        srv = socket.socket()
        srv.bind(("127.0.0.1", 0))
        srv.listen()
        port = srv.getsockname()[1]

        def serve():
            try:
                c, _ = srv.accept()
                c.sendall(b"SSH-2.0-OpenSSH_9.2\r\n")
                c.recv(100)
                c.close()
            except OSError:
                pass

        t = threading.Thread(target=serve, daemon=True)
        t.start()
        try:
            r = eddyctl("127.0.0.1:%d" % port, "--timeout-ms", "3000", "topic", "list",
                        timeout_s=30)
        finally:
            srv.close()
            t.join(10)
        self.assertEqual(r.code, ERROR, r)
        self.assertIn("did not answer ApiVersions as a Kafka broker does", r.err)
        self.assertIn("is it a Kafka", r.err)


if __name__ == "__main__":
    unittest.main()
