#!/usr/bin/python3
"""Kafka's own perf tools (kafka-producer-perf-test, kafka-consumer-perf-test, from the pinned
kafka-tools jar) against any Kafka-protocol server, as bench/run's second opinion beside its
librdkafka driver. Prints the one key=value line every bench/run driver prints.

    perf.py produce --bootstrap HOST:PORT --topic T --records N --record-bytes S --acks 1|all
    perf.py consume --bootstrap HOST:PORT --topic T --records N --record-bytes S

The tools run with their defaults (the Java client's: linger.ms=5, batch.size=16384,
idempotence on with acks=all) and kafka-run-class.sh's JVM flags for tools (-Xmx256M and
KAFKA_JVM_PERFORMANCE_OPTS). produce prints the tool's throughput and its send-to-acknowledgement
latency percentiles (whole milliseconds, as the tool reports them). consume prints the tool's
fetch rate (fetch.nMsg.sec: from the first fetched record, so the group join, which differs with
group.initial.rebalance.delay.ms, is left out) and the join time as rebalance_ms.
"""

import argparse
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kafka_peer import KAFKA_JVM_FLAGS, classpath  # noqa: E402

# kafka-run-class.sh: KAFKA_HEAP_OPTS=-Xmx256M for tools; the rest is its performance options.
TOOL_JVM_FLAGS = ["-Xmx256M"] + [f for f in KAFKA_JVM_FLAGS if not f.startswith("-Xm")]

PRODUCE_SUMMARY = re.compile(
    r"(\d+) records sent, ([\d.]+) records/sec \(([\d.]+) MB/sec\), ([\d.]+) ms avg latency, "
    r"([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, (\d+) ms 99.9th")


def run(main, args, timeout_s):
    cmd = ["java"] + TOOL_JVM_FLAGS + ["-cp", classpath(), main] + args
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout_s)
    text = p.stdout.decode("utf-8", "replace")
    if p.returncode != 0:
        sys.stderr.write("%s exited with %d:\n%s" % (main, p.returncode, text))
        sys.exit(1)
    return text


def produce(a):
    text = run("org.apache.kafka.tools.ProducerPerformance",
               ["--bootstrap-server", a.bootstrap, "--topic", a.topic,
                "--num-records", str(a.records), "--record-size", str(a.record_bytes),
                "--throughput", "-1", "--command-property", "acks=" + a.acks], a.timeout_s)
    m = PRODUCE_SUMMARY.search(text)
    if not m:
        sys.stderr.write("no summary line from kafka-producer-perf-test:\n" + text)
        sys.exit(1)
    n, rate, _mb, avg, mx, p50, _p95, p99, p999 = m.groups()
    secs = int(n) / float(rate) if float(rate) > 0 else 0.0
    print("mode=produce records=%s bytes=%d acks=%s secs=%.3f rec_per_s=%.0f mb_per_s=%.2f "
          "avg_ms=%s p50_ms=%s p99_ms=%s p999_ms=%s max_ms=%s" % (
              n, a.record_bytes, a.acks, secs, float(rate), float(rate) * a.record_bytes / 1e6,
              avg, p50, p99, p999, mx))


def consume(a):
    text = run("org.apache.kafka.tools.ConsumerPerformance",
               ["--bootstrap-server", a.bootstrap, "--topic", a.topic,
                "--num-records", str(a.records), "--timeout", str(a.timeout_s * 1000),
                "--group", "perf-" + a.topic], a.timeout_s + 60)
    lines = [l for l in text.splitlines() if l.strip()]
    header = next((i for i, l in enumerate(lines) if l.startswith("start.time")), None)
    if header is None or header + 1 >= len(lines):
        sys.stderr.write("no result line from kafka-consumer-perf-test:\n" + text)
        sys.exit(1)
    keys = [k.strip() for k in lines[header].split(",")]
    values = [v.strip() for v in lines[header + 1].split(",")]
    r = dict(zip(keys, values))
    if "fetch.nMsg.sec" not in r:
        sys.stderr.write("unexpected result line from kafka-consumer-perf-test:\n" + text)
        sys.exit(1)
    records = int(r["data.consumed.in.nMsg"])
    fetch_ms = float(r["fetch.time.ms"])
    rate = float(r["fetch.nMsg.sec"])
    print("mode=consume records=%d secs=%.3f rec_per_s=%.0f mb_per_s=%.2f rebalance_ms=%s "
          "total_rec_per_s=%.0f" % (records, fetch_ms / 1000, rate, rate * a.record_bytes / 1e6,
                                    r["rebalance.time.ms"], float(r["nMsg.sec"])))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["produce", "consume"])
    p.add_argument("--bootstrap", required=True)
    p.add_argument("--topic", required=True)
    p.add_argument("--records", type=int, required=True)
    p.add_argument("--record-bytes", type=int, required=True)
    p.add_argument("--acks", default="1")
    p.add_argument("--timeout-s", type=int, default=300)
    a = p.parse_args()
    produce(a) if a.mode == "produce" else consume(a)


if __name__ == "__main__":
    main()
