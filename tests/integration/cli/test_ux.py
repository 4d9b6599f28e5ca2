"""eddyctl as a new user meets it (issue 20): --version, consume's defaults, JSON output of binary
records, several names and regexes, idempotent create/delete, broker-side errors, completion."""

import base64
import json
import re
import shutil
import socket
import subprocess
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

    def test_consume_without_a_group_leaves_no_consumer_offsets_topic(self):
        # __consumer_offsets is created on first group use (FindCoordinator); reading partitions
        # without -g (consume, perf consume) uses no group, so the broker's metadata keeps only the
        # user's topics.
        self.assertEqual(self.run_ok("consume", "ux-consume", "-o", "-1").out, "m19\n")
        self.run_ok("consume", "ux-consume", "-p", "0", "-o", "5", "-n", "1")
        self.assertEqual(self.run_ok("perf", "consume", "ux-consume", "--json").json()["records"],
                         20)
        topics = self.run_ok("topic", "list", "--internal", "--format", "json").json()
        self.assertEqual([t["name"] for t in topics], ["ux-consume"])


class GroupConsumeDefaults(CliTestCase):
    overrides = {"num.partitions": "1", "group.initial.rebalance.delay.ms": "0"}

    def test_a_new_group_without_follow_reads_from_the_beginning_then_from_its_commit(self):
        # It started at the end (Kafka's auto.offset.reset=latest) and printed nothing.
        self.run_ok("produce", "ux-gc", stdin="".join("g%d\n" % i for i in range(5)))
        self.assertEqual(self.run_ok("consume", "ux-gc", "-g", "ux-new", "-n", "3").out.split(),
                         ["g0", "g1", "g2"])
        self.assertEqual(self.run_ok("consume", "ux-gc", "-g", "ux-new", "-n", "2").out.split(),
                         ["g3", "g4"])


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


class JsonOutput(CliTestCase):
    overrides = {"num.partitions": "1"}

    def test_binary_keys_and_values_are_valid_json_and_exact(self):
        from confluent_kafka import Producer
        p = Producer({"bootstrap.servers": self.b})
        p.produce("ux-bin", key=b"\xff\x00k", value=b"\x80\x81\xfe\"\\",
                  headers=[("h", b"\xc3\x28")])
        p.produce("ux-bin", key="clé", value="plain \"text\"\n")
        self.assertEqual(p.flush(30), 0)
        lines = self.run_ok("consume", "ux-bin", "-F", "json").out.splitlines()
        self.assertEqual(len(lines), 2)
        first, second = (json.loads(line) for line in lines)
        self.assertEqual(base64.b64decode(first["key"]["base64"]), b"\xff\x00k")
        self.assertEqual(base64.b64decode(first["value"]["base64"]), b"\x80\x81\xfe\"\\")
        self.assertEqual(base64.b64decode(first["headers"]["h"]["base64"]), b"\xc3\x28")
        self.assertEqual(second["key"], "clé")
        self.assertEqual(second["value"], "plain \"text\"\n")
        self.assertIsInstance(second["offset"], int)

    def test_tombstone_produces_a_null_value(self):
        self.run_ok("produce", "ux-tomb", "-k", ":", "--tombstone", stdin="k1:v1\nk1:\n")
        recs = [json.loads(line) for line in
                self.run_ok("consume", "ux-tomb", "-F", "json").out.splitlines()]
        self.assertEqual([(r["key"], r["value"]) for r in recs], [("k1", "v1"), ("k1", None)])


class DescribeSeveral(CliTestCase):
    def test_topic_describe_several_names_and_a_regex(self):
        for t in ["ux-d-a", "ux-d-b", "ux-e-c"]:
            self.run_ok("topic", "create", t)
        one = self.run_ok("topic", "describe", "ux-d-a", "--format", "json").json()
        self.assertEqual(one["name"], "ux-d-a")
        two = self.run_ok("topic", "describe", "ux-d-a", "ux-e-c", "--format", "json").json()
        self.assertEqual([t["name"] for t in two], ["ux-d-a", "ux-e-c"])
        rx = self.run_ok("topic", "describe", "--regex", "ux-d-.*", "--format", "json").json()
        self.assertEqual([t["name"] for t in rx], ["ux-d-a", "ux-d-b"])
        table = self.run_ok("topic", "describe", "ux-d-a", "-E", "ux-e-.").out
        self.assertIn("NAME:                ux-d-a", table)
        self.assertIn("NAME:                ux-e-c", table)
        self.assertEqual(eddyctl(self.b, "topic", "describe", "-E", "(").code, USAGE)
        self.assertEqual(eddyctl(self.b, "topic", "describe", "ux-d-a", "ux-none").code,
                         NOT_FOUND)
        # A regex that matches nothing says so and is not found (it printed nothing, exit 0).
        r = eddyctl(self.b, "topic", "describe", "-E", "ux-zz-.*")
        self.assertEqual((r.code, r.out), (NOT_FOUND, ""), r)
        self.assertIn("no topic matches --regex 'ux-zz-.*'", r.err)
        r = eddyctl(self.b, "topic", "describe", "ux-d-a", "-E", "ux-zz-.*", "--format", "json")
        self.assertEqual(r.code, NOT_FOUND, r)
        self.assertEqual([t["name"] for t in r.json()], ["ux-d-a"])


    def test_group_describe_several_names_and_a_regex(self):
        self.run_ok("topic", "create", "ux-g-topic")
        self.run_ok("produce", "ux-g-topic", stdin="a\nb\n")
        for g in ["ux-g1", "ux-g2", "ux-h1"]:
            self.run_ok("consume", "ux-g-topic", "-g", g, "--from-beginning", "-n", "2")
        one = self.run_ok("group", "describe", "ux-g1", "--format", "json").json()
        self.assertEqual(one["group"], "ux-g1")
        rx = self.run_ok("group", "describe", "ux-h1", "-E", "ux-g.", "--format", "json").json()
        self.assertEqual([g["group"] for g in rx], ["ux-h1", "ux-g1", "ux-g2"])
        listed = self.run_ok("group", "list", "--format", "json").json()
        self.assertNotIn("-", [g["protocol_type"] for g in listed])
        self.assertEqual(eddyctl(self.b, "group", "describe", "ux-g1", "ux-nope").code,
                         NOT_FOUND)
        r = eddyctl(self.b, "group", "describe", "-E", "ux-zz.*")
        self.assertEqual(r.code, NOT_FOUND, r)
        self.assertIn("no group matches --regex 'ux-zz.*'", r.err)


class OffsetsGet(CliTestCase):
    overrides = {"num.partitions": "1"}

    def test_offsets_at_latest_earliest_and_a_time(self):
        from confluent_kafka import Producer
        p = Producer({"bootstrap.servers": self.b})
        for i, ts in enumerate([1_000_000, 2_000_000, 3_000_000]):
            p.produce("ux-off", value=b"v%d" % i, timestamp=ts)
        self.assertEqual(p.flush(30), 0)

        def get(*args):
            j = self.run_ok("offsets", "get", "ux-off", "--format", "json", *args).json()
            return [(o["partition"], o["offset"]) for o in j]

        self.assertEqual(get(), [(0, 3)])
        self.assertEqual(get("--time", "earliest"), [(0, 0)])
        self.assertEqual(get("--time", "2000000"), [(0, 1)])
        self.assertEqual(get("-t", "1970-01-01T00:33:20Z"), [(0, 1)])  # 2,000,000 ms
        self.assertEqual(get("--time", "9000000"), [(0, None)])
        self.assertIn("OFFSET", self.run_ok("offsets", "get", "ux-off").out)
        self.assertEqual(eddyctl(self.b, "offsets", "get", "ux-off", "-t", "nonsense").code,
                         USAGE)
        self.assertEqual(eddyctl(self.b, "offsets", "get", "ux-none").code, NOT_FOUND)


class Completion(unittest.TestCase):
    """zsh and fish completion beside bash, from the same registry (zsh and fish are in
    scripts/setup's test set)."""

    def script(self, shell):
        r = eddyctl(None, "completion", shell)
        self.assertEqual(r.code, OK, r)
        return r.out

    def run_shell(self, argv):
        self.assertIsNotNone(shutil.which(argv[0]), argv[0] + " is not installed")
        p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr.decode())
        return p.stdout.decode().split()

    def test_bash_skips_positionals_to_complete_options(self):
        probe = self.script("bash") + (
            '\nCOMP_WORDS=(eddyctl topic create x "")\nCOMP_CWORD=4\n_eddyctl\n'
            'echo "${COMPREPLY[@]}"\n')
        self.assertIn("--if-not-exists", self.run_shell(["bash", "-c", probe]))

    def test_zsh_completes_commands_and_options(self):
        probe = ('autoload -U compinit; compinit -u -D; source <(cat <<"EOF"\n%s\nEOF\n); '
                 '[[ $_comps[eddyctl] == _eddyctl ]] || exit 3; '
                 'compadd() { print -l -- ${(P)2} }; '
                 'words=(eddyctl topic ""); CURRENT=3; _eddyctl; print -- ---; '
                 'words=(eddyctl topic create x ""); CURRENT=5; _eddyctl' % self.script("zsh"))
        out = self.run_shell(["zsh", "-c", probe])
        sub, opts = out[:out.index("---")], out[out.index("---") + 1:]
        for word in ["create", "describe", "delete-records"]:
            self.assertIn(word, sub)
        self.assertIn("--if-not-exists", opts)
        self.assertIn("--bootstrap", opts)

    def test_fish_completes_commands_and_options(self):
        script = self.script("fish")
        sub = self.run_shell(["fish", "-c", script + '\ncomplete -C"eddyctl topic "'])
        for word in ["create", "describe", "delete-records"]:
            self.assertIn(word, sub)
        top = self.run_shell(["fish", "-c", script + '\ncomplete -C"eddyctl "'])
        self.assertIn("completion", top)
        opts = self.run_shell(["fish", "-c", script + '\ncomplete -C"eddyctl topic create x --"'])
        self.assertIn("--if-not-exists", opts)


if __name__ == "__main__":
    unittest.main()
