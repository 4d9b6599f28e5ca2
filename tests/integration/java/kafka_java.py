"""Runs the Java judges (ClientsJudge.java, ClusterJudge.java: Kafka's Java client and tools against
a broker or a cluster) and checks their cases.

The jars come from bench/peers/kafka/fetch (pinned, cached under build/kafka). ClientsJudge runs
in Java's source-file mode, so nothing is compiled ahead; ClusterJudge uses ClientsJudge's case
and tool runners, so the two are compiled together (javac, into a temporary directory) first."""

import os
import subprocess
import sys
import tempfile
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.join(REPO, "bench", "peers", "kafka"))

from kafka_peer import classpath  # noqa: E402


def run_judge(test, bootstrap, parts, expected_cases, broker_log, timeout_s=420,
              main="ClientsJudge", on_ask=None):
    """Runs `main`'s `parts` against `bootstrap`; fails `test` unless every case in
    `expected_cases` printed "ok" and none failed. A judge line "ask WHAT" is answered with
    on_ask(WHAT) (one line) on the judge's standard input."""
    with tempfile.TemporaryDirectory(prefix="eddy-judge-") as classes:
        if main == "ClientsJudge":
            command = ["java", "-cp", classpath(), os.path.join(HERE, "ClientsJudge.java")]
        else:
            p = subprocess.run(["javac", "-nowarn", "-cp", classpath(), "-d", classes,
                                os.path.join(HERE, "ClientsJudge.java"),
                                os.path.join(HERE, main + ".java")],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
            test.assertEqual(p.returncode, 0, p.stdout.decode("utf-8", "replace"))
            command = ["java", "-cp", classes + os.pathsep + classpath(), main]
        proc = subprocess.Popen(command + [bootstrap] + parts,
                                stdin=subprocess.PIPE if on_ask else subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        timer = threading.Timer(timeout_s, proc.kill)
        timer.start()
        lines = []
        with proc:
            try:
                for raw in proc.stdout:
                    line = raw.decode("utf-8", "replace").rstrip("\n")
                    lines.append(line)
                    if line.startswith("ask ") and on_ask is not None:
                        answer = on_ask(line[4:])
                        lines.append("answered " + answer)
                        proc.stdin.write((answer + "\n").encode())
                        proc.stdin.flush()
            except BaseException:
                proc.kill()
                raise
            finally:
                timer.cancel()
    out = "\n".join(lines)
    ok = {line[3:].rsplit(" (", 1)[0] for line in lines if line.startswith("ok ")}
    failed = [line for line in lines if line.startswith("FAIL ")]
    context = out[-20000:] + "\n--- broker log ---\n" + broker_log()[-10000:]
    test.assertEqual(failed, [], context)
    test.assertEqual(sorted(set(expected_cases) - ok), [], context)
    test.assertEqual(proc.returncode, 0, context)
    return out
