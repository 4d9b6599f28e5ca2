#!/usr/bin/env bash
# Broker load benchmark: eddy-load against eddyd and against librdkafka's in-process mock cluster
# (the client-bound ceiling), side by side in one run, RUNS times each; prints medians and ratios
# as a markdown table, plus eddyd's peak RSS under load.
#
#   bench/broker/run.sh [BUILD_DIR]          (default build/)
#   RECORDS=2000000 RECORD_BYTES=100 RUNS=3 E2E_RATE=20000 E2E_SECONDS=10 bench/broker/run.sh
#
# Each run starts a fresh eddyd (default flush policy: sync) on a free loopback port with its data
# in a temporary directory, then runs, in order: produce acks=1, produce acks=all, consume (from
# disk: the acks=1 topic), end-to-end latency at E2E_RATE records/s (linger.ms=0).
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
load=$build/bin/eddy-load
eddyd=$build/bin/eddyd
records=${RECORDS:-2000000}
bytes=${RECORD_BYTES:-100}
runs=${RUNS:-3}
rate=${E2E_RATE:-20000}
e2e_seconds=${E2E_SECONDS:-10}
flush_policy=${FLUSH_POLICY:-sync}
for bin in "$load" "$eddyd"; do
  [ -x "$bin" ] || { echo "missing $bin (build eddy-load and eddyd first)" >&2; exit 2; }
done

work=$(mktemp -d /tmp/eddy-bench-XXXXXX)
eddyd_pid=""
rss_pid=""
cleanup() {
  [ -n "$rss_pid" ] && kill "$rss_pid" 2>/dev/null || true
  [ -n "$eddyd_pid" ] && kill "$eddyd_pid" 2>/dev/null && wait "$eddyd_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# shellcheck source=bench/lib.sh
. bench/lib.sh

start_eddyd() {
  local dir=$work/run$1
  mkdir -p "$dir/data"
  port=$(free_port)
  write_eddy_config "$dir/eddy.yaml" "$port" "$dir/data" "$flush_policy"
  "$eddyd" --config "$dir/eddy.yaml" >"$dir/eddyd.log" 2>&1 &
  eddyd_pid=$!
  for _ in $(seq 1 100); do
    if /usr/bin/python3 -c "import socket; socket.create_connection(('127.0.0.1',$port),0.2)" \
        2>/dev/null; then
      break
    fi
    sleep 0.1
  done
  # Peak RSS (kB) of eddyd, sampled every 100 ms for the whole run.
  (peak=0; while kill -0 "$eddyd_pid" 2>/dev/null; do
     r=$(awk '/VmRSS/{print $2}' /proc/"$eddyd_pid"/status 2>/dev/null || echo 0)
     [ "${r:-0}" -gt "$peak" ] && peak=$r && echo "$peak" >"$dir/rss_peak_kb"
     sleep 0.1
   done) &
  rss_pid=$!
}

stop_eddyd() {
  kill "$eddyd_pid" 2>/dev/null || true
  wait "$eddyd_pid" 2>/dev/null || true
  eddyd_pid=""
  kill "$rss_pid" 2>/dev/null || true
  wait "$rss_pid" 2>/dev/null || true
  rss_pid=""
}

# value KEY LINE: the value of key=value in a driver output line.
value() { tr ' ' '\n' <<<"$2" | awk -F= -v k="$1" '$1==k{print $2}'; }

results=$work/results.txt
: >"$results"
common=(--records "$records" --record-bytes "$bytes")
for run in $(seq 1 "$runs"); do
  start_eddyd "$run"
  target=(--bootstrap 127.0.0.1:"$port")
  for side in eddyd mock; do
    if [ "$side" = mock ]; then target=(--mock); fi
    t=bench-$run
    line=$("$load" "${target[@]}" --mode produce --topic "$t-a1" --acks 1 "${common[@]}")
    echo "$side produce_acks1 $(value rec_per_s "$line")" >>"$results"
    line=$("$load" "${target[@]}" --mode produce --topic "$t-all" --acks all "${common[@]}")
    echo "$side produce_acksall $(value rec_per_s "$line")" >>"$results"
    if [ "$side" = eddyd ]; then
      line=$("$load" "${target[@]}" --mode consume --topic "$t-a1" "${common[@]}")
    else
      # The mock keeps only a few segments in memory, and each driver process has its own mock:
      # produce and consume in one process; the figure is the consume phase alone.
      line=$("$load" "${target[@]}" --mode all --topic "$t-mc" "${common[@]}" --rate 1 \
        --duration-s 1 | grep mode=consume)
    fi
    echo "$side consume $(value rec_per_s "$line")" >>"$results"
    line=$("$load" "${target[@]}" --mode e2e --topic "$t-e2e" --acks 1 --linger-ms 0 \
      --record-bytes "$bytes" --rate "$rate" --duration-s "$e2e_seconds")
    for k in p50_ms p99_ms p999_ms; do echo "$side e2e_$k $(value $k "$line")" >>"$results"; done
  done
  stop_eddyd
  echo "eddyd rss_peak_mb $(( $(cat "$work/run$run/rss_peak_kb" 2>/dev/null || echo 0) / 1024 ))" \
    >>"$results"
done

median() {
  awk -v s="$1" -v m="$2" '$1==s && $2==m {print $3}' "$results" | sort -g |
    awk '{v[NR]=$1} END {if (NR==0) print "n/a"; else print v[int((NR+1)/2)]}'
}
echo "records=$records record_bytes=$bytes runs=$runs e2e_rate=$rate flush_policy=$flush_policy"
echo
echo "| metric | eddyd | mock | eddyd/mock |"
echo "|---|---|---|---|"
for m in produce_acks1 produce_acksall consume e2e_p50_ms e2e_p99_ms e2e_p999_ms; do
  e=$(median eddyd "$m")
  k=$(median mock "$m")
  ratio=$(awk -v a="$e" -v b="$k" 'BEGIN { if (b+0 > 0) printf "%.2f", a / b; else print "n/a" }')
  echo "| $m | $e | $k | $ratio |"
done
echo "| eddyd peak RSS (MB) | $(median eddyd rss_peak_mb) | | |"
