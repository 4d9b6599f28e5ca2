#!/usr/bin/env bash
# bench-smoke: bench/run with every target and workload, tiny (one round, a few thousand records,
# one second of end-to-end, a one-second iperf3 and small fio files). Fails if any driver, server,
# check or the aggregation fails; asserts no timing.
#   bench/compare/smoke.sh BUILD_DIR
set -euo pipefail
build=$1
out=$(mktemp -d /tmp/eddy-compare-smoke-XXXXXX)
trap 'rm -rf "$out"' EXIT
STRICT=1 RUNS=1 RECORDS_100B=3000 RECORDS_1KIB=1000 RECORDS_MULTI=3000 E2E_RATE=500 \
  E2E_SECONDS=1 IPERF_SECONDS=1 FIO_SIZE_MB=16 FIO_SECONDS=1 TIMEOUT_S=60 OUT="$out" \
  "$(dirname "$0")/../run" "$build" >"$out/run.log" 2>&1 || {
  cat "$out/run.log"
  exit 1
}
cat "$out/run.log"
for png in compare-throughput.png compare-latency.png; do
  [ -s "$out/$png" ] || { echo "smoke: $png was not drawn" >&2; exit 1; }
done
