"""Runs ClientsJudge.java (Kafka's Java client and tools against a broker) and checks its cases.

The jars come from bench/peers/kafka/fetch (pinned, cached under build/kafka); the program runs
in Java's source-file mode, so nothing is compiled ahead."""

import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.join(REPO, "bench", "peers", "kafka"))

from kafka_peer import classpath  # noqa: E402


def run_judge(test, bootstrap, parts, expected_cases, broker_log, timeout_s=420):
    """Runs the judge's `parts` against `bootstrap`; fails `test` unless every case in
    `expected_cases` printed "ok" and none failed."""
    p = subprocess.run(["java", "-cp", classpath(), os.path.join(HERE, "ClientsJudge.java"),
                        bootstrap] + parts, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=timeout_s)
    out = p.stdout.decode("utf-8", "replace")
    ok = {line[3:].rsplit(" (", 1)[0] for line in out.splitlines() if line.startswith("ok ")}
    failed = [line for line in out.splitlines() if line.startswith("FAIL ")]
    context = out[-20000:] + "\n--- broker log ---\n" + broker_log()[-10000:]
    test.assertEqual(failed, [], context)
    test.assertEqual(sorted(set(expected_cases) - ok), [], context)
    test.assertEqual(p.returncode, 0, context)
    return out
