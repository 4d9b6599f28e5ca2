#!/usr/bin/python3
"""Eddy Streams and Kafka Streams (Java) side by side against one eddyd.

1. The in-process figures of streams_bench (Eddy Streams through its TopologyTestDriver).
2. Throughput: RECORDS records (default 1,000,000; 1000 keys, 100 records per ms of event time)
   in a 4-partition topic, consumed by the map-filter and windowed-count topologies of
   streams_bench.cc and of kafka-streams/KafkaStreamsBench.java, ROUNDS rounds (default 3), the
   two libraries alternating, each run a fresh process and application id. The figure is records
   per CPU-second of the processing process (all its threads). Kafka Streams runs with its record
   cache off (statestore.cache.max.bytes=0, every window update forwarded, as Eddy Streams does)
   and, for the windowed count, also with its default 10 MiB cache. Medians and the Eddy/Kafka
   Streams ratio at the end.
3. End-to-end latency of map-filter at LATENCY_RATE records/s (default 10,000) for LATENCY_SECONDS
   (default 30) after LATENCY_WARMUP_SECONDS (default 10) at that rate: input timestamp (set at
   produce time) to the output record's arrival at a consumer, for Eddy Streams, Kafka Streams,
   and Kafka Streams with Eddy Streams' producer linger.ms (5; Kafka Streams' default is 100).
4. The restore rate of a RESTORE_MIB MiB changelog (default 1024: 1 GiB of 1 KiB values) into
   Eddy Streams' RocksDB store (0 skips it).

    /usr/bin/python3 bench/streams/streams_broker_bench.py [RECORDS [RESTORE_MIB]]
        [--rounds N] [--latency-rate R] [--latency-seconds S] [--latency-warmup-seconds W]

The Kafka Streams jars come from bench/peers/kafka/fetch (kafka-streams/pom.xml, the Kafka
release of bench/peers/kafka, cached under build/kafka/kafka-streams); the Java source is
compiled here with javac into build/kafka/kafka-streams/classes.
"""

import argparse
import multiprocessing
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "integration", "broker"))
sys.path.insert(0, os.path.join(HERE, "..", "peers", "kafka"))
from eddy_harness import Broker, REPO  # noqa: E402

from confluent_kafka import Consumer, Producer, TopicPartition  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402

BENCH = os.environ.get("STREAMS_BENCH") or os.path.join(REPO, "build", "bin", "streams_bench")
JAVA_SRC = os.path.join(HERE, "kafka-streams", "KafkaStreamsBench.java")
KS_DEFAULT_CACHE = 10 * 1024 * 1024
WARMUP = 600  # the most records of the latency run's warm-up (see latency())


def kafka_streams_classpath():
    """Fetches the pinned kafka-streams jars, compiles KafkaStreamsBench.java against them."""
    p = subprocess.run([os.path.join(HERE, "..", "peers", "kafka", "fetch"),
                        os.path.join(HERE, "kafka-streams", "pom.xml")],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=900)
    if p.returncode:
        sys.exit("fetch failed:\n" + p.stderr.decode("utf-8", "replace"))
    libs = p.stdout.decode().strip().splitlines()[-1]
    classes = os.path.join(os.path.dirname(libs), "classes")
    os.makedirs(classes, exist_ok=True)
    subprocess.run(["javac", "-d", classes, "-cp", os.path.join(libs, "*"), JAVA_SRC], check=True)
    return classes + os.pathsep + os.path.join(libs, "*")


def eddy_cmd(bootstrap, topic, records, topology):
    return [BENCH, "--bootstrap", bootstrap, "--input", topic, "--records", str(records),
            "--topology", topology]


def ks_cmd(cp, bootstrap, topic, records, topology, cache, linger_ms=None):
    return ["java", "-cp", cp, "KafkaStreamsBench", bootstrap, topic, str(records), topology,
            str(cache)] + ([str(linger_ms)] if linger_ms is not None else [])


def run(cmd):
    """Runs one processing process; returns its records/cpu-s (the last field of its line)."""
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    print(r.stdout, end="", flush=True)
    if r.returncode:
        sys.exit("%s failed:\n%s" % (cmd[0], r.stderr[-5000:]))
    return float(r.stdout.split()[-2])


def produce(p, topic, n, timestamp=None, partition=None, key=None, value=None):
    for i in range(n):
        while True:
            try:
                kw = {} if partition is None else {"partition": partition}
                if timestamp:
                    kw["timestamp"] = timestamp(i)
                p.produce(topic, value(i) if value else str(i).encode(),
                          key(i) if key else ("key-%d" % (i % 1000)).encode(),
                          **kw)
                break
            except BufferError:
                p.poll(0.05)


def read_topic(bootstrap, topic, timeout_s=120):
    """Every (key, value) of `topic` up to its high watermarks when called."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "check-" + topic, "enable.auto.commit": False})
    parts = list(c.list_topics(topic, timeout=10).topics[topic].partitions)
    high = {p: c.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1] for p in parts}
    pos = {p: 0 for p in parts}
    c.assign([TopicPartition(topic, p, 0) for p in parts])
    out, deadline = [], time.time() + timeout_s
    while any(pos[p] < high[p] for p in parts) and time.time() < deadline:
        m = c.poll(0.5)
        if m is not None and not m.error() and m.offset() < high[m.partition()]:
            out.append((m.key(), m.value()))
            pos[m.partition()] = m.offset() + 1
    c.close()
    return out


def check_outputs(bootstrap, records):
    """Known answers for the throughput runs' outputs of both libraries: map-filter emitted exactly
    the even values; the windowed count's highest count per key is the most records of that key in
    one 1 s window of the input (every update is emitted; one instance that does not crash
    reprocesses nothing)."""
    per_window = {}
    for i in range(records):
        kw = ("key-%d" % (i % 1000), (1 + i // 100) // 1000)
        per_window[kw] = per_window.get(kw, 0) + 1
    want = {}
    for (k, _), n in per_window.items():
        want[k] = max(want.get(k, 0), n)
    for lib, suffix in (("eddy", ""), ("kstreams", "-java")):
        got = {int.from_bytes(v, "big", signed=True) for _, v in read_topic(bootstrap, "bench-in-out-map-filter" + suffix)}
        if got != set(range(0, records, 2)):
            sys.exit("%s map-filter: %d distinct values, want the %d even ones" % (lib, len(got), records // 2))
        top = {}
        for k, v in read_topic(bootstrap, "bench-in-out-windowed-count" + suffix):
            top[k.decode()] = max(top.get(k.decode(), 0), int.from_bytes(v, "big", signed=True))
        if top != want:
            bad = sorted(k for k in set(top) | set(want) if top.get(k) != want.get(k))
            sys.exit("%s windowed-count: %d keys differ, e.g. %s: %s, want %s" %
                     (lib, len(bad), bad[0], top.get(bad[0]), want.get(bad[0])))
        print("check      %-8s map-filter and windowed-count outputs as expected" % lib, flush=True)


def latency_consumer(bootstrap, topic, n, measured_from_ms, ready, produced, result):
    """Reads `topic` (in its own process, away from the producer's GIL) and returns the latencies
    (ms) of the records with an input timestamp from `measured_from_ms` on: all `n` of them, or
    those that arrived before 30 s passed without any record, once the producer has set `produced` (a
    library that falls behind the rate still delivers its backlog, late)."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "lat-" + topic,
                  "enable.auto.commit": False, "fetch.wait.max.ms": 5})
    c.assign([TopicPartition(topic, p, 0) for p in range(4)])
    lat, last = [], time.time()
    while len(lat) < n and not (produced.is_set() and time.time() - last > 30):
        m = c.poll(0.1)
        now = time.time() * 1000
        if m is not None and not m.error():
            ready.set()
            last = now / 1000
            ts = m.timestamp()[1]
            if measured_from_ms.value > 0 and ts >= measured_from_ms.value:
                lat.append(now - ts)
    c.close()
    result.put(lat)


def latency(b, admin, name, cmd_for, rate, seconds, warm_s):
    """End-to-end latency of map-filter at `rate` records/s: records paced at 10/s (at most WARMUP)
    until the first output shows the application is running, a 2 s pause, warm_s seconds at the
    rate, then rate*seconds measured records, each with its produce time as timestamp; latency =
    arrival at the output consumer - input timestamp, for the measured records only."""
    topic = "lat-in-" + name.replace(" ", "-")
    out = topic + "-out-map-filter" + ("-java" if name.startswith("kstreams") else "")
    fs = admin.create_topics([NewTopic(topic, 4, 1), NewTopic(out, 4, 1)])
    for f in fs.values():
        f.result(30)
    n = rate * seconds
    # Open-ended (a record count never reached: a rebalance at start may process some warm-up
    # records twice), ended by SIGTERM once the consumer has seen every measured record.
    proc = subprocess.Popen(cmd_for(topic, 1 << 50), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ctx = multiprocessing.get_context("fork")
    ready, produced, result, measured_from = ctx.Event(), ctx.Event(), ctx.Queue(), ctx.Value("d", 0.0)
    cons = ctx.Process(target=latency_consumer, args=(b.bootstrap, out, n, measured_from, ready, produced, result))
    cons.start()
    p = Producer({"bootstrap.servers": b.bootstrap, "linger.ms": 1})
    sent = 0
    while sent < WARMUP and not ready.is_set():
        produce(p, topic, 1, lambda i: int(time.time() * 1000), value=lambda i: b"0")
        p.flush(10)
        sent += 1
        ready.wait(0.1)
    if not ready.is_set():
        proc.kill()
        cons.terminate()
        sys.exit("%s: no output after %d warm-up records:\n%s" % (name, sent, proc.communicate()[1][-5000:]))
    time.sleep(2)
    # warm_s seconds at the rate, unmeasured (a JVM compiles its hot code meanwhile), then n
    # measured records: those with a timestamp from measured_from on.
    warm = rate * warm_s
    t0 = time.time()
    for i in range(warm + n):
        if i == warm:
            t_measured = time.time()
            measured_from.value = int(t_measured * 1000)
        ahead = t0 + i / rate - time.time()
        if ahead > 0:
            time.sleep(ahead)
        produce(p, topic, 1, lambda _: int(time.time() * 1000), key=lambda _: ("key-%d" % (i % 1000)).encode(),
                value=lambda _: str(2 * i).encode())  # even: every record reaches the output
        p.poll(0)
    p.flush(30)
    achieved = n / (time.time() - t_measured)
    produced.set()
    lat = result.get()  # the consumer ends by itself (see latency_consumer)
    cons.join(30)
    proc.terminate()
    stdout, stderr = proc.communicate(timeout=120)
    if not lat:
        sys.exit("%s: no measured record arrived:\n%s" % (name, stderr[-5000:]))
    lat.sort()
    q = lambda f: lat[min(len(lat) - 1, int(f * len(lat)))]  # noqa: E731
    print("latency    %-17s map-filter      %d records at %.0f/s: received %d  p50 %.1f ms  p99 %.1f ms  "
          "max %.1f ms" % (name, n, achieved, len(lat), q(0.5), q(0.99), lat[-1]), flush=True)
    if len(lat) != n:
        sys.exit("%s: %d of %d measured records arrived:\n%s" % (name, len(lat), n, stderr[-5000:]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("records", nargs="?", type=int, default=1000000)
    ap.add_argument("restore_mib", nargs="?", type=int, default=1024)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--latency-rate", type=int, default=10000)
    ap.add_argument("--latency-seconds", type=int, default=30)
    ap.add_argument("--latency-warmup-seconds", type=int, default=10)
    ap.add_argument("--check", action="store_true", help="check both libraries' outputs (small RECORDS)")
    a = ap.parse_args()
    cp = kafka_streams_classpath()
    print(subprocess.run([BENCH, "--records", str(a.records)], check=True, capture_output=True, text=True).stdout,
          end="", flush=True)
    with Broker(overrides={"num.partitions": "4"}) as b:
        admin = AdminClient({"bootstrap.servers": b.bootstrap})
        admin.create_topics([NewTopic("bench-in", 4, 1)])["bench-in"].result(30)
        p = Producer({"bootstrap.servers": b.bootstrap, "linger.ms": 20, "batch.num.messages": 10000})
        produce(p, "bench-in", a.records, lambda i: 1 + i // 100)
        assert p.flush(120) == 0

        runs = {}  # (library, topology) -> records/cpu-s of each round
        for topology in ("map-filter", "windowed-count"):
            variants = [("eddy", eddy_cmd(b.bootstrap, "bench-in", a.records, topology)),
                        ("kstreams cache 0", ks_cmd(cp, b.bootstrap, "bench-in", a.records, topology, 0))]
            if topology == "windowed-count":
                variants.append(("kstreams cache 10 MiB",
                                 ks_cmd(cp, b.bootstrap, "bench-in", a.records, topology, KS_DEFAULT_CACHE)))
            for _ in range(a.rounds):
                for name, cmd in variants:
                    runs.setdefault((name, topology), []).append(run(cmd))
        if runs:
            print("\nmedians of %d rounds, %d records (records per CPU-second of the processing "
                  "process):" % (a.rounds, a.records))
        if a.check and runs:
            check_outputs(b.bootstrap, a.records)
        for (name, topology), v in runs.items():
            med = statistics.median(v)
            print("  %-15s %-22s %10.0f records/cpu-s  eddy/this %.2f" %
                  (topology, name, med, statistics.median(runs[("eddy", topology)]) / med))

        if a.latency_rate and a.latency_seconds:
            latency(b, admin, "eddy", lambda t, n: eddy_cmd(b.bootstrap, t, n, "map-filter"),
                    a.latency_rate, a.latency_seconds, a.latency_warmup_seconds)
            latency(b, admin, "kstreams", lambda t, n: ks_cmd(cp, b.bootstrap, t, n, "map-filter", 0),
                    a.latency_rate, a.latency_seconds, a.latency_warmup_seconds)
            # Kafka Streams with Eddy Streams' producer linger (5 ms instead of its default 100).
            latency(b, admin, "kstreams linger 5", lambda t, n: ks_cmd(cp, b.bootstrap, t, n, "map-filter", 0, 5),
                    a.latency_rate, a.latency_seconds, a.latency_warmup_seconds)

        if a.restore_mib:
            # Restore: a changelog of RESTORE_MIB MiB (1 KiB values, distinct keys) read back into
            # an empty RocksDB store.
            app = "bench-restore"
            changelog = app + "-counts-changelog"
            admin.create_topics([NewTopic(changelog, 1, 1, config={"cleanup.policy": "compact"}),
                                 NewTopic("bench-restore-in", 1, 1)])[changelog].result(30)
            value = b"v" * 1024
            n = a.restore_mib * 1024
            produce(p, changelog, n, partition=0, key=lambda i: b"key-%09d" % i, value=lambda i: value)
            assert p.flush(300) == 0
            run_restore = [BENCH, "--bootstrap", b.bootstrap, "--input", "bench-restore-in", "--restore-app-id", app,
                           "--changelog-bytes", str(n * (len(value) + 13))]
            r = subprocess.run(run_restore, capture_output=True, text=True, timeout=900)
            print(r.stdout, end="")
            if r.returncode:
                sys.exit(r.stderr)


if __name__ == "__main__":
    main()
