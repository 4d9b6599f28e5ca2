#!/usr/bin/env bash
# bench-smoke: bench/run, tiny (one round, a few thousand records, one second of end-to-end, a
# one-second iperf3 and small fio files). Fails if any driver, server, check or the aggregation
# fails; asserts no timing.
#   bench/compare/smoke.sh BUILD_DIR           every target but Apache Kafka's, the drivers' workloads
#   bench/compare/smoke.sh BUILD_DIR kafka     Eddy and Kafka (flush.messages=1), every workload
#                                              with Kafka's perf tools; exits 77 (ctest: skipped,
#                                              not passed) when Java is not installed
set -euo pipefail
build=$1
if [ "${2:-}" = kafka ]; then
  if ! command -v java >/dev/null; then
    echo "SKIPPED: java is not installed, so Apache Kafka cannot run (scripts/setup installs it)"
    exit 77
  fi
  export TARGETS="eddy-acksall kafka-fsync"
else
  export TARGETS="eddy-acks1 eddy-acksall eddy-interval kafka-mock redis-always redis-everysec
    redis-no nats-file nats-memory"
  export WORKLOADS="produce-100B consume-100B produce-1KiB consume-1KiB produce-4x12 e2e"
fi
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
