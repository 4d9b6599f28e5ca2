#!/usr/bin/python3
"""Aggregates bench/run's results: medians over runs, each figure also as a ratio to Eddy's.

    aggregate.py OUT_DIR

Reads OUT_DIR/results.txt (one key=value line per run, target and workload, as every driver
prints them plus the server's CPU seconds and peak RSS), machine.txt, iperf3.json and
fio-*.json; writes OUT_DIR/table.md (also printed) and draws OUT_DIR/compare-throughput.png and
OUT_DIR/compare-latency.png with gnuplot. Exits non-zero when a figure is missing, so the
bench-smoke test fails with it.
"""

import json
import os
import statistics
import subprocess
import sys

# Chart colours: Eddy in blues, Kafka in purples, the mock grey, Redis in reds, NATS in greens.
COLOURS = {
    "eddy-acksall": "#08306b", "eddy-acks1": "#2171b5", "eddy-interval": "#6baed6",
    "kafka-fsync": "#3f007d", "kafka-acksall": "#6a51a3", "kafka-acks1": "#9e9ac8",
    "kafka-mock": "#969696", "redis-always": "#a50f15", "redis-everysec": "#ef3b2c",
    "redis-no": "#fc9272", "nats-file": "#006d2c", "nats-memory": "#74c476",
}
# target: (label, class, the Eddy target its ratios are taken against).
# Durable peers are compared with Eddy's durable mode, fastest with fastest.
TARGETS = {
    "eddy-acksall": ("Eddy acks=all, flush sync", "durable", "eddy-acksall"),
    "eddy-acks1": ("Eddy acks=1, flush sync (default)", "default", "eddy-acks1"),
    "eddy-interval": ("Eddy acks=1, flush interval", "fastest", "eddy-interval"),
    # Apache Kafka: acks=1 on its defaults (page cache) is Eddy's interval mode's peer; its
    # flush.messages=1 (an fsync per append) with acks=all is the durable peer; acks=all on its
    # defaults is held against Eddy acks=all too, the same client settings, though it fsyncs not.
    "kafka-fsync": ("Kafka acks=all, flush.messages=1", "durable", "eddy-acksall"),
    "kafka-acksall": ("Kafka acks=all, defaults", "default", "eddy-acksall"),
    "kafka-acks1": ("Kafka acks=1, defaults", "fastest", "eddy-interval"),
    "kafka-mock": ("librdkafka mock cluster, acks=1", "ceiling", "eddy-acks1"),
    "redis-always": ("Redis appendfsync always", "durable", "eddy-acksall"),
    "redis-everysec": ("Redis appendfsync everysec", "middle", "eddy-acks1"),
    "redis-no": ("Redis appendfsync no", "fastest", "eddy-interval"),
    "nats-file": ("NATS JetStream file storage", "durable", "eddy-acksall"),
    "nats-memory": ("NATS JetStream memory storage", "fastest", "eddy-interval"),
}
THROUGHPUT = ["produce-100B", "consume-100B", "produce-1KiB", "consume-1KiB", "produce-4x12"]
WORKLOAD_TITLES = {
    "produce-100B": "Produce 100 B records, 1 producer, 1 partition",
    "consume-100B": "Consume the 100 B records, 1 consumer",
    "produce-1KiB": "Produce 1 KiB records, 1 producer, 1 partition",
    "consume-1KiB": "Consume the 1 KiB records, 1 consumer",
    "produce-4x12": "Produce 100 B records, 4 producers, 12 partitions",
    "e2e": "End-to-end latency at a fixed rate, 100 B records",
    "kperf-produce": "Kafka's kafka-producer-perf-test, 100 B records, 1 partition",
    "kperf-consume": "Kafka's kafka-consumer-perf-test, the same records",
}
KPERF = ["kperf-produce", "kperf-consume"]
DURABLE_PEERS = ["kafka-fsync", "redis-always", "nats-file"]
# Eddy against Apache Kafka, like for like: (Eddy target, Kafka target, what they share).
KAFKA_PAIRS = [
    ("eddy-acksall", "kafka-fsync", "acks=all, an fsync before the acknowledgement"),
    ("eddy-interval", "kafka-acks1", "acks=1, page cache (no fsync)"),
    ("eddy-acksall", "kafka-acksall", "acks=all (Eddy fsyncs, Kafka does not)"),
]


def applies(target, workload):
    """Kafka's perf tools speak only the Kafka protocol, to a server of its own."""
    return workload not in KPERF or target.split("-")[0] in ("eddy", "kafka") and \
        target != "kafka-mock"


def parse_results(path):
    """{(target, workload): [ {key: value} per run ]} and the warnings bench/run recorded."""
    rows = {}
    warnings = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("warning "):
                warnings.append(line[len("warning "):])
                continue
            if not line.startswith("run="):
                continue
            kv = dict(field.split("=", 1) for field in line.split() if "=" in field)
            # Server CPU seconds per million records moved (end to end: received).
            try:
                n = float(kv.get("records") or kv.get("received"))
                kv["cpu_s_per_m"] = str(float(kv["server_cpu_s"]) / n * 1e6) if n > 0 else "n/a"
            except (TypeError, ValueError, KeyError):
                pass
            rows.setdefault((kv["target"], kv["workload"]), []).append(kv)
    return rows, warnings


def median(rows, key):
    values = []
    for kv in rows:
        try:
            values.append(float(kv[key]))
        except (KeyError, ValueError):
            pass
    return statistics.median(values) if values else None


def goal_ratio(a_rows, b_rows, key, invert):
    """a/b of the medians (b/a with invert), then the same ratio within each round: the rounds
    run the two side by side, so their ratios are steadier than the medians on a busy machine."""
    a, b = median(a_rows, key), median(b_rows, key)
    if not a or not b:
        return "n/a"
    text = f"{(b / a if invert else a / b):.2f}"
    by_run = {kv["run"]: kv for kv in b_rows}
    rounds = []
    for kv in a_rows:
        other = by_run.get(kv["run"])
        try:
            x, y = float(kv[key]), float(other[key])
        except (TypeError, KeyError, ValueError):
            continue
        if x > 0 and y > 0:
            rounds.append(f"{(y / x if invert else x / y):.2f}")
    if len(rounds) > 1:
        text += " (rounds: " + ", ".join(rounds) + ")"
    return text


def fmt(v, digits=0):
    if v is None:
        return "n/a"
    if digits == 0:
        return f"{v:,.0f}"
    return f"{v:,.{digits}f}"


def cell(v, ref, digits=0, is_ref=False):
    """The value, and its ratio to Eddy's unless this row is Eddy's own reference."""
    if v is None:
        return "n/a"
    if is_ref or ref is None or ref == 0:
        return fmt(v, digits)
    return f"{fmt(v, digits)} ({v / ref:.2f}x)"


def read_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def limits(out):
    """Physical limits measured in the same run, as {name: value}."""
    lim = {}
    iperf = read_json(os.path.join(out, "iperf3.json"))
    received = (iperf or {}).get("end", {}).get("sum_received", {})
    if "bits_per_second" in received:
        lim["loopback_gbit_s"] = received["bits_per_second"] / 1e9
    for name in ["buffered", "fdatasync-4k", "fdatasync-1m"]:
        fio = read_json(os.path.join(out, f"fio-{name}.json"))
        if not fio:
            continue
        job = fio["jobs"][0]
        lim[f"fio_{name}_mb_s"] = job["write"]["bw_bytes"] / 1e6
        lim[f"fio_{name}_iops"] = job["write"]["iops"]
        pct = job.get("sync", {}).get("lat_ns", {}).get("percentile", {})
        for key, label in [("50.000000", "p50"), ("99.000000", "p99")]:
            if key in pct:
                lim[f"fio_{name}_sync_{label}_ms"] = pct[key] / 1e6
    return lim


def write_charts(out, rows, targets):
    """Two PNGs: median records/s per workload, and end-to-end latency percentiles."""
    # A run of only some workloads (WORKLOADS=e2e, say) draws only the charts it has data for:
    # gnuplot refuses a plot whose every point is undefined.
    has_tp = any(rows.get((t, w)) for t in targets for w in THROUGHPUT)
    has_lat = any(rows.get((t, "e2e")) for t in targets)
    tp = os.path.join(out, "compare-throughput.dat")
    with open(tp, "w") as f:
        f.write("workload " + " ".join(f'"{TARGETS[t][0]}"' for t in targets) + "\n")
        for w in THROUGHPUT:
            vals = [median(rows.get((t, w), []), "rec_per_s") for t in targets]
            f.write(w + " " + " ".join("0" if v is None else f"{v:.0f}" for v in vals) + "\n")
    lat = os.path.join(out, "compare-latency.dat")
    with open(lat, "w") as f:
        f.write("target p50 p99 p99.9\n")
        for t in targets:
            r = rows.get((t, "e2e"), [])
            vals = [median(r, k) for k in ["p50_ms", "p99_ms", "p999_ms"]]
            vals = ["1e-3" if v is None or v <= 0 else f"{v:.3f}" for v in vals]
            f.write(f'"{TARGETS[t][0]}" ' + " ".join(vals) + "\n")
    n = len(targets)
    colours = " ".join(COLOURS[t] for t in targets)
    script = f"""
colours = "{colours}"
set terminal pngcairo size 1400,700 font ",10"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set key outside right top vertical
set grid ytics
"""
    if has_tp:
        script += f"""
set output "{out}/compare-throughput.png"
set title "Throughput, median of runs (records/s, log scale; higher is better)"
set ylabel "records/s"
set logscale y
set format y "%.0s%c"
plot for [i=2:{n + 1}] "{tp}" using i:xtic(1) title columnheader(i) lc rgb word(colours, i - 1)
"""
    if has_lat:
        script += f"""
set output "{out}/compare-latency.png"
set title "End-to-end latency at a fixed rate, median of runs (ms, log scale; lower is better)"
set ylabel "ms"
set format y "%g"
set xtics rotate by -30
set logscale y
plot for [i=2:4] "{lat}" using i:xtic(1) title columnheader(i)
"""
    if has_tp or has_lat:
        subprocess.run(["gnuplot"], input=script, text=True, check=True)


def startup_table(rows, targets):
    """Start-up: from starting the server process to its first answer (Kafka-protocol servers:
    an ApiVersions answer; Redis and NATS: an accepted connection), and its RSS then."""
    have = [t for t in targets if rows.get((t, "startup"))]
    if not have:
        return []
    lines = ["", "### Start-up (`startup`)", "",
             "From starting the server process to its first ApiVersions answer (Redis, NATS: an",
             "accepted connection); Kafka's log-dir format (`kafka-storage format`, its own JVM)",
             "comes before and is not counted. RSS: the idle server's, just after start-up.", "",
             "| system | vs | start-up s | RSS MB |", "|---|---|---|---|"]
    for t in have:
        label, _, ref_t = TARGETS[t]
        r, ref = rows[(t, "startup")], rows.get((ref_t, "startup"), [])
        is_ref = ref_t == t
        lines.append(f"| {label} | {'' if is_ref else ref_t} | "
                     f"{cell(median(r, 'startup_s'), median(ref, 'startup_s'), 3, is_ref)} | "
                     f"{cell(median(r, 'server_rss_mb'), median(ref, 'server_rss_mb'), 1, is_ref)} |")
    return lines


def kafka_section(rows, workloads):
    """The lead table: Eddy against Apache Kafka, like for like, medians and Eddy's ratio."""
    pairs = [p for p in KAFKA_PAIRS if any(k[0] == p[1] for k in rows)]
    if not pairs:
        return []
    lines = ["### Eddy against Apache Kafka", "",
             "Medians of the runs. Ratio: Eddy's advantage (throughput Eddy/Kafka; latency, CPU",
             "and memory Kafka/Eddy), so above 1 Eddy is ahead, below 1 Kafka is. Throughput in",
             "records/s; p50/p99/p99.9 in ms; CPU s/M: server CPU seconds per million records;",
             "RSS: peak MB during the workload.", ""]
    metrics = []
    for w in workloads:
        if w == "e2e":
            metrics += [(w, "p50_ms", "e2e p50 ms", 2, True), (w, "p99_ms", "e2e p99 ms", 2, True),
                        (w, "p999_ms", "e2e p99.9 ms", 2, True)]
        elif w != "startup":
            metrics.append((w, "rec_per_s", f"{w} records/s", 0, False))
        metrics.append((w, "cpu_s_per_m", f"{w} CPU s/M", 2, True))
        metrics.append((w, "server_rss_mb", f"{w} RSS MB", 1, True))
    if any(k[1] == "startup" for k in rows):
        metrics += [("startup", "startup_s", "start-up s", 3, True),
                    ("startup", "server_rss_mb", "idle RSS MB", 1, True)]
    lines.append("| figure | " + " | ".join(f"{TARGETS[e][0]} | {TARGETS[k][0]} | ratio"
                                            for e, k, _ in pairs) + " |")
    lines.append("|---|" + "---|---|---|" * len(pairs))
    for w, key, name, digits, lower_better in metrics:
        cols = []
        for e, k, _ in pairs:
            a, b = median(rows.get((e, w), []), key), median(rows.get((k, w), []), key)
            ratio = "n/a"
            if a and b:
                ratio = f"{(b / a if lower_better else a / b):.2f}"
            cols.append(f"{fmt(a, digits)} | {fmt(b, digits)} | {ratio}")
        lines.append(f"| {name} | " + " | ".join(cols) + " |")
    lines.append("")
    lines.extend(f"- {TARGETS[e][0]} / {TARGETS[k][0]}: {what}" for e, k, what in pairs)
    return lines


def main():
    out = sys.argv[1]
    rows, warnings = parse_results(os.path.join(out, "results.txt"))
    targets = [t for t in TARGETS if any(k[0] == t for k in rows)]
    workloads = [w for w in WORKLOAD_TITLES if any(k[1] == w for k in rows)]
    missing = []
    lines = []
    with open(os.path.join(out, "machine.txt")) as f:
        lines.append("```")
        lines.extend(l.rstrip() for l in f)
        lines.append("```")
    lines.append("")
    lines.extend(kafka_section(rows, workloads))
    lines.append("")
    lines.append("Each cell: the median of the runs, and in parentheses its ratio to the Eddy row")
    lines.append("named in the `vs` column (durable peers against Eddy's durable mode, fastest")
    lines.append("against fastest). Server CPU is user+system seconds of the server process during")
    lines.append("the workload; peak RSS is its VmHWM, reset before each workload. The mock runs")
    lines.append("inside the client process, so it has no server figures. CPU s/M: server CPU")
    lines.append("seconds per million records (end to end: received).")
    lines.extend(startup_table(rows, targets))
    for w in workloads:
        lines.append("")
        lines.append(f"### {WORKLOAD_TITLES[w]} (`{w}`)")
        lines.append("")
        if w == "e2e":
            lines.append("| system | vs | p50 ms | p99 ms | p99.9 ms | received/sent "
                         "| server CPU s | CPU s/M | peak RSS MB |")
            lines.append("|---|---|---|---|---|---|---|---|---|")
        elif w == "kperf-produce":
            lines.append("| system | vs | records/s | MB/s | ack p50 ms | ack p99 ms "
                         "| server CPU s | CPU s/M | peak RSS MB |")
            lines.append("|---|---|---|---|---|---|---|---|---|")
        else:
            lines.append("| system | vs | records/s | MB/s | server CPU s | CPU s/M | peak RSS MB |")
            lines.append("|---|---|---|---|---|---|---|")
        for t in targets:
            r = rows.get((t, w))
            if not applies(t, w):
                continue
            if not r:
                missing.append(f"{t} {w}")
                continue
            label, _, ref_t = TARGETS[t]
            ref = rows.get((ref_t, w), [])
            is_ref = ref_t == t
            vs = "" if is_ref else ref_t

            def c(key, digits=0):
                return cell(median(r, key), median(ref, key), digits, is_ref)

            if w == "e2e":
                got = f"{fmt(median(r, 'received'))}/{fmt(median(r, 'sent'))}"
                lines.append(f"| {label} | {vs} | {c('p50_ms', 2)} | {c('p99_ms', 2)} | "
                             f"{c('p999_ms', 2)} | {got} | {c('server_cpu_s', 2)} | "
                             f"{c('cpu_s_per_m', 2)} | {c('server_rss_mb', 1)} |")
            elif w == "kperf-produce":
                lines.append(f"| {label} | {vs} | {c('rec_per_s')} | {c('mb_per_s', 1)} | "
                             f"{c('p50_ms')} | {c('p99_ms')} | {c('server_cpu_s', 2)} | "
                             f"{c('cpu_s_per_m', 2)} | {c('server_rss_mb', 1)} |")
            else:
                lines.append(f"| {label} | {vs} | {c('rec_per_s')} | {c('mb_per_s', 1)} | "
                             f"{c('server_cpu_s', 2)} | {c('cpu_s_per_m', 2)} | "
                             f"{c('server_rss_mb', 1)} |")

    lines.append("")
    lines.append("### Goals: Eddy durable (acks=all, sync) against each durable peer; "
                 "acks=1 against the mock")
    lines.append("")
    lines.append("Ratio above 1: Eddy ahead (for latency, the peer's p99 over Eddy's). The ratio of")
    lines.append("the medians first, then the ratio within each round.")
    lines.append("")
    lines.append("| workload | " + " | ".join(f"Eddy / {TARGETS[p][0]}" for p in DURABLE_PEERS) +
                 " | Eddy acks=1 / mock |")
    lines.append("|---|" + "---|" * (len(DURABLE_PEERS) + 1))
    for w in [w for w in workloads if w not in KPERF]:
        key = "p99_ms" if w == "e2e" else "rec_per_s"
        eddy = rows.get(("eddy-acksall", w), [])
        cols = [goal_ratio(eddy, rows.get((p, w), []), key, w == "e2e") for p in DURABLE_PEERS]
        if w == "e2e":
            cols.append("n/a")
        else:
            cols.append(goal_ratio(rows.get(("eddy-acks1", w), []),
                                   rows.get(("kafka-mock", w), []), key, False))
        lines.append(f"| {w} | " + " | ".join(cols) + " |")

    lim = limits(out)
    lines.append("")
    lines.append("### Physical limits, same run")
    lines.append("")
    lines.append("| limit | value |")
    lines.append("|---|---|")
    names = [
        ("loopback_gbit_s", "loopback TCP, iperf3 (Gbit/s)", 1),
        ("fio_buffered_mb_s", "sequential write, buffered, 1 MiB blocks (MB/s)", 0),
        ("fio_fdatasync-1m_mb_s", "sequential write, fdatasync after each 1 MiB (MB/s)", 0),
        ("fio_fdatasync-4k_iops", "sequential write, fdatasync after each 4 KiB (writes/s)", 0),
        ("fio_fdatasync-4k_sync_p50_ms", "  fdatasync latency p50 (ms)", 3),
        ("fio_fdatasync-4k_sync_p99_ms", "  fdatasync latency p99 (ms)", 3),
    ]
    for key, label, digits in names:
        if key not in lim:
            missing.append(f"limit {key}")
        lines.append(f"| {label} | {fmt(lim.get(key), digits)} |")
    fractions = [
        ("eddy-acksall", "produce-100B", "fio_fdatasync-1m_mb_s", "fdatasync 1 MiB writes"),
        ("eddy-acksall", "produce-1KiB", "fio_fdatasync-1m_mb_s", "fdatasync 1 MiB writes"),
        ("eddy-interval", "produce-1KiB", "fio_buffered_mb_s", "buffered writes"),
        ("eddy-acks1", "consume-1KiB", "loopback_mb_s", "loopback TCP"),
    ]
    if "loopback_gbit_s" in lim:
        lim["loopback_mb_s"] = lim["loopback_gbit_s"] * 1e3 / 8
    lines.append("")
    lines.append("| Eddy figure | MB/s | fraction of the machine's limit |")
    lines.append("|---|---|---|")
    for t, w, key, what in fractions:
        mb = median(rows.get((t, w), []), "mb_per_s")
        if mb is None or key not in lim:
            continue
        lines.append(f"| {TARGETS[t][0]}, {w} | {fmt(mb, 1)} | "
                     f"{100 * mb / lim[key]:.1f}% of {what} ({fmt(lim[key])} MB/s) |")
    if warnings:
        lines.append("")
        lines.append("Warnings recorded during the run:")
        lines.append("")
        lines.extend(f"- {w}" for w in warnings)

    text = "\n".join(lines) + "\n"
    with open(os.path.join(out, "table.md"), "w") as f:
        f.write(text)
    print(text)
    write_charts(out, rows, targets)
    if missing:
        print("aggregate.py: missing figures: " + ", ".join(missing), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
