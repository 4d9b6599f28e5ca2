#!/usr/bin/env bash
# CPU cost of the metrics on the produce and fetch paths: eddyd built with metrics (ON) against
# eddyd built with -DEDDY_METRICS=OFF (every update compiled out), in one run.
#
#   bench/metrics/overhead.sh ON_BIN OFF_BIN
#     ON_BIN: a directory with eddyd (metrics on) and eddy-load, e.g. build/bin;
#     OFF_BIN: a directory with eddyd built with -DEDDY_METRICS=OFF, e.g. build-nometrics/bin.
#   RUNS=5 RECORDS=2000000 RECORD_BYTES=100 OUT=DIR COUNT=cpu|instructions
#
# Each round starts a fresh eddyd of each build (the order alternates between rounds), produces
# RECORDS records with eddy-load (acks=1, log.flush.policy=interval, so CPU and not the disk is
# measured), then consumes them, and reads eddyd's CPU time (utime + stime, /proc/PID/stat)
# around each phase. Prints the medians of CPU µs per 1000 records for each build and phase, and
# ON/OFF, as markdown; every round's line is in OUT/results.txt. A Prometheus-style scraper is not
# running: the cost measured is that of the updates on the data path.
#
# COUNT=instructions runs each eddyd under valgrind's callgrind instead and counts the user-space
# instructions it executes in each phase (callgrind's Ir, dumped between the phases), per record:
# on a shared machine without hardware counters, CPU time spreads ±10% between rounds, an
# instruction count by far less. It leaves out the kernel's share (the same in both builds), and
# takes ~50x longer per record: use RECORDS=1000000 or so.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ $# -eq 2 ] || { sed -n '2,16p' "$0" >&2; exit 2; }
on=$(cd "$1" && pwd)
off=$(cd "$2" && pwd)
runs=${RUNS:-5}
count=${COUNT:-cpu}
records=${RECORDS:-2000000}
record_bytes=${RECORD_BYTES:-100}
out=${OUT:-/tmp/eddy-metrics-overhead}
py=/usr/bin/python3
[ "$count" = cpu ] || [ "$count" = instructions ] || { echo "overhead: COUNT=cpu|instructions" >&2; exit 2; }
for b in "$on/eddyd" "$off/eddyd" "$on/eddy-load"; do
  [ -x "$b" ] || { echo "overhead: missing $b" >&2; exit 2; }
done
mkdir -p "$out"
: >"$out/results.txt"
work=$(mktemp -d /tmp/eddy-metrics-overhead-XXXXXX)
server_pid=""
trap 'stop_server; rm -rf "$work"' EXIT

# shellcheck source=bench/lib.sh
. "$(dirname "$0")/../lib.sh"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# one BUILD: one round; appends "BUILD produce_us_per_k=... consume_us_per_k=..." to results.txt.
one() {
  local build=$1 bin=$on dir=$work/$1 port t0 t1 t2 hz
  [ "$build" = off ] && bin=$off
  rm -rf "$dir"
  mkdir -p "$dir"
  port=$(free_port)
  write_eddy_config "$dir/eddy.yaml" "$port" "$dir/data" interval
  if [ "$count" = instructions ]; then
    valgrind --tool=callgrind --callgrind-out-file="$dir/callgrind.out" \
      "$bin/eddyd" --config "$dir/eddy.yaml" >"$work/server.log" 2>&1 &
  else
    "$bin/eddyd" --config "$dir/eddy.yaml" >"$work/server.log" 2>&1 &
  fi
  server_pid=$!
  # Under callgrind the start takes a few times wait_port's 10 s.
  for _ in 1 2 3 4 5; do wait_port "$port" "$server_pid" /dev/null overhead 2>/dev/null && break; done
  wait_port "$port" "$server_pid" "$work/server.log" overhead || exit 1
  hz=$(getconf CLK_TCK)
  [ "$count" = instructions ] && callgrind_control --zero "$server_pid" >/dev/null
  t0=$(cpu_ticks "$server_pid")
  "$on/eddy-load" --bootstrap "127.0.0.1:$port" --mode produce --topic m --records "$records" \
    --record-bytes "$record_bytes" --acks 1 --timeout-s 3600 >"$work/produce.txt"
  t1=$(cpu_ticks "$server_pid")
  [ "$count" = instructions ] && callgrind_control --dump=produce "$server_pid" >/dev/null
  "$on/eddy-load" --bootstrap "127.0.0.1:$port" --mode consume --topic m --records "$records" \
    --record-bytes "$record_bytes" --timeout-s 3600 >"$work/consume.txt"
  t2=$(cpu_ticks "$server_pid")
  [ "$count" = instructions ] && callgrind_control --dump=consume "$server_pid" >/dev/null
  stop_server
  if [ "$count" = instructions ]; then
    # Each dump holds the instructions since the one before; its "totals:" line is the sum.
    t0=0
    t1=$(awk '/^totals:/ {print $2}' "$dir/callgrind.out.1")
    t2=$((t1 + $(awk '/^totals:/ {print $2}' "$dir/callgrind.out.2")))
    rm -rf "$dir"
    $py -c "import sys; r, a, b = map(float, sys.argv[1:]); \
print('$build produce_ir_per_record=%.1f consume_ir_per_record=%.1f' % (a / r, (b - a) / r))" \
      "$records" "$t1" "$t2" | tee -a "$out/results.txt"
    return
  fi
  rm -rf "$dir"
  $py -c "import sys; hz, r, a, b, c = map(float, sys.argv[1:]); \
print('$build produce_us_per_k=%.1f consume_us_per_k=%.1f' % ((b - a) / hz * 1e9 / r, \
(c - b) / hz * 1e9 / r))" "$hz" "$records" "$t0" "$t1" "$t2" | tee -a "$out/results.txt"
}

echo "load_before: $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$out/machine.txt"
for r in $(seq 1 "$runs"); do
  if [ $((r % 2)) -eq 1 ]; then one on; one off; else one off; one on; fi
done
echo "load_after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/machine.txt"

$py - "$out/results.txt" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    p = line.split()
    rows.setdefault(p[0], []).append(dict(x.split('=', 1) for x in p[1:]))
def med(build, key):
    return statistics.median(float(r[key]) for r in rows[build])
instructions = 'produce_ir_per_record' in rows['on'][0]
unit = 'instructions / record' if instructions else 'CPU µs / 1000 records'
print(f'| phase | metrics on: {unit} | compiled out | on / out | rounds |')
print('|---|---|---|---|---|')
suffix = '_ir_per_record' if instructions else '_us_per_k'
for phase, key in (('produce', 'produce' + suffix), ('consume', 'consume' + suffix)):
    a, b = med('on', key), med('off', key)
    print(f'| {phase} | {a:.1f} | {b:.1f} | {a / b:.3f} | {len(rows["on"])} |')
PY
