"""eddyctl produce, consume, perf and completion against a real eddyd."""

import json
import subprocess
import unittest

from cli_harness import CliTestCase, eddyctl

NOT_FOUND = 4


class ProduceConsume(CliTestCase):
    overrides = {"num.partitions": "1"}

    def test_produce_with_keys_and_headers_then_consume_json(self):
        self.run_ok("topic", "create", "io-json", "-p", "1")
        self.run_ok("produce", "io-json", "-k", ":", "-H", "source=cli", "-H", "n=1",
                    stdin="k1:v1\nk2:v2\nnokey\n")
        r = self.run_ok("consume", "io-json", "--from-beginning", "--output", "json")
        records = [json.loads(line) for line in r.out.splitlines()]
        self.assertEqual([(x["key"], x["value"]) for x in records],
                         [("k1", "v1"), ("k2", "v2"), (None, "nokey")])
        self.assertEqual([x["offset"] for x in records], [0, 1, 2])
        self.assertEqual(records[0]["headers"], {"source": "cli", "n": "1"})
        self.assertEqual(records[0]["topic"], "io-json")
        self.assertGreater(records[0]["timestamp"], 0)

    def test_consume_value_and_kv_formats(self):
        self.run_ok("topic", "create", "io-fmt", "-p", "1")
        self.run_ok("produce", "io-fmt", "-k", "=", stdin="a=1\nb=2\n")
        self.assertEqual(self.run_ok("consume", "io-fmt", "--from-beginning").out, "1\n2\n")
        kv = self.run_ok("consume", "io-fmt", "--from-beginning", "-F", "kv", "-k", "|").out
        self.assertEqual(kv, "a|1\nb|2\n")

    def test_consume_count_and_offset(self):
        self.run_ok("topic", "create", "io-count", "-p", "1")
        self.run_ok("produce", "io-count", stdin="".join("m%d\n" % i for i in range(20)))
        self.assertEqual(self.run_ok("consume", "io-count", "--from-beginning", "-n", "3").out,
                         "m0\nm1\nm2\n")
        self.assertEqual(self.run_ok("consume", "io-count", "-o", "18").out, "m18\nm19\n")

    def test_consume_from_time_skips_older_records(self):
        self.run_ok("topic", "create", "io-time", "-p", "1")
        self.run_ok("produce", "io-time", stdin="old\n")
        r = self.run_ok("consume", "io-time", "--from-beginning", "-F", "json")
        ts = json.loads(r.out.splitlines()[0])["timestamp"]
        self.run_ok("produce", "io-time", stdin="new\n")
        later = self.run_ok("consume", "io-time", "--from-time", str(ts + 1)).out
        self.assertNotIn("old", later)

    def test_produce_to_partition(self):
        self.run_ok("topic", "create", "io-part", "-p", "3")
        self.run_ok("produce", "io-part", "-p", "2", stdin="x\ny\n")
        d = self.run_ok("topic", "describe", "io-part", "--format", "json").json()
        self.assertEqual([p["log_end_offset"] for p in d["partitions"]], [0, 0, 2])

    def test_consume_unknown_topic_is_not_found(self):
        r = eddyctl(self.b, "consume", "io-missing", "--from-beginning")
        self.assertEqual(r.code, NOT_FOUND, r)

    def test_consume_unknown_partition_is_not_found(self):
        self.run_ok("topic", "create", "io-one", "-p", "1")
        r = eddyctl(self.b, "consume", "io-one", "-p", "0,7")
        self.assertEqual(r.code, NOT_FOUND, r)
        self.assertIn("topic 'io-one' has no partition 7", r.err)

    def test_produce_to_unreachable_broker_fails_fast(self):
        self.assert_unreachable("produce", "t", stdin="x\n")

    def test_perf_produce_json_summary(self):
        self.run_ok("topic", "create", "io-perf", "-p", "1")
        j = self.run_ok("perf", "produce", "io-perf", "-n", "2000", "-s", "100", "--acks", "1",
                        "--json").json()
        self.assertEqual(j["records"], 2000)
        self.assertEqual(j["failed"], 0)
        self.assertEqual(j["bytes"], 200000)
        self.assertGreater(j["records_per_s"], 0)
        for key in ["mean", "p50", "p95", "p99", "p99.9", "max"]:
            self.assertIn(key, j["latency_ms"])
        self.assertLessEqual(j["latency_ms"]["p50"], j["latency_ms"]["max"])
        # acks=1 answers before the flush that makes records visible to consumers (the sync
        # policy's high watermark), so ask for all 2000: perf consume waits for them.
        c = self.run_ok("perf", "consume", "io-perf", "-n", "2000", "--json").json()
        self.assertEqual(c["records"], 2000)

    def test_perf_produce_table_summary(self):
        self.run_ok("topic", "create", "io-perf-table", "-p", "1")
        r = self.run_ok("perf", "produce", "io-perf-table", "-n", "500", "--throughput", "1000")
        self.assertIn("500 records", r.out)
        self.assertIn("p99", r.out)

    def test_perf_e2e(self):
        self.run_ok("topic", "create", "io-e2e", "-p", "1")
        j = self.run_ok("perf", "e2e", "io-e2e", "-n", "200", "--throughput", "400",
                        "--json").json()
        self.assertEqual(j["records"], 200)
        self.assertGreater(j["latency_ms"]["p50"], 0)

    def test_perf_produce_unknown_topic_is_not_found(self):
        r = eddyctl(self.b, "perf", "produce", "io-nope", "-n", "10")
        self.assertEqual(r.code, NOT_FOUND, r)
        self.assertIn("eddyctl topic create io-nope", r.err)

    def test_bash_completion_completes_subcommands(self):
        script = eddyctl(None, "completion", "bash").out
        probe = script + (
            '\nCOMP_WORDS=(eddyctl topic "")\nCOMP_CWORD=2\n_eddyctl\necho "${COMPREPLY[@]}"\n')
        out = subprocess.run(["bash", "-c", probe], stdout=subprocess.PIPE,
                             timeout=30).stdout.decode()
        for word in ["create", "describe", "delete-records"]:
            self.assertIn(word, out.split())


if __name__ == "__main__":
    unittest.main()
