#!/usr/bin/env bash
# End-to-end latency of two eddyd builds side by side (before and after a change), with Redis
# appendfsync always in the same rotation as the durable reference, in one run.
#
#   bench/broker/e2e_ab.sh BEFORE_BIN AFTER_BIN
#     BEFORE_BIN: a directory holding the old eddyd; AFTER_BIN: one holding the new eddyd,
#     eddy-load and eddy-redis-load (e.g. build-e2e/bin). Every side runs AFTER_BIN's drivers.
#   RUNS=5 E2E_RATE=10000 E2E_SECONDS=10 CASES="acksall acks1 interval" REDIS=1 OUT=DIR
#   SIDES="before after-nagle after"
#
# Sides: before (BEFORE's eddyd, clients with Nagle on as librdkafka defaults, which is how the
# e2e figures were taken before eddy-load set TCP_NODELAY), after-nagle (AFTER's eddyd, Nagle
# on: the broker's share of the change), after (AFTER's eddyd, clients with TCP_NODELAY).
# Cases: acksall (flush.policy=sync, acks=all), acks1 (sync, acks=1), interval (interval,
# acks=1). Each case runs once per side per round, in a fresh server with its data in a
# temporary directory; the order of the sides rotates between rounds. The workload is
# bench/run's e2e: one producer at E2E_RATE records/s of 100 B, linger.ms=0, a consumer in the
# same process, send-to-receive time. Prints the medians over the rounds and after/before ratios
# as markdown; every round's line is in OUT/results.txt.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ $# -eq 2 ] || { sed -n '2,20p' "$0" >&2; exit 2; }
before=$(cd "$1" && pwd)
after=$(cd "$2" && pwd)
runs=${RUNS:-5}
rate=${E2E_RATE:-10000}
seconds=${E2E_SECONDS:-10}
cases=(${CASES:-acksall acks1 interval})
redis=${REDIS:-1}
sides_all=(${SIDES:-before after-nagle after})
out=${OUT:-/tmp/eddy-e2e-ab}
py=/usr/bin/python3
for b in "$before/eddyd" "$after/eddyd" "$after/eddy-load"; do
  [ -x "$b" ] || { echo "e2e_ab: missing $b" >&2; exit 2; }
done
if [ "$redis" = 1 ]; then
  [ -x "$after/eddy-redis-load" ] || { echo "e2e_ab: missing $after/eddy-redis-load" >&2; exit 2; }
  command -v redis-server >/dev/null || { echo "e2e_ab: redis-server not installed" >&2; exit 2; }
fi

mkdir -p "$out"
: >"$out/results.txt"
work=$(mktemp -d /tmp/eddy-e2e-ab-XXXXXX)
server_pid=""
trap 'stop_server; rm -rf "$work"' EXIT

# shellcheck source=bench/lib.sh
. "$(dirname "$0")/../lib.sh"

# one SIDE CASE: one e2e run; appends "SIDE CASE <driver line>" to results.txt.
one() {
  local side=$1 c=$2 dir=$work/$1-$2 port line policy=sync acks=1 extra=()
  rm -rf "$dir"
  mkdir -p "$dir"
  port=$(free_port)
  [ "$c" = acksall ] && acks=all
  [ "$c" = interval ] && policy=interval
  if [ "$side" = redis ]; then
    redis-server --port "$port" --bind 127.0.0.1 --dir "$dir" --save "" --appendonly yes \
      --appendfsync always --protected-mode no --daemonize no >"$work/server.log" 2>&1 &
    server_pid=$!
    wait_port "$port" "$server_pid" "$work/server.log" e2e_ab || exit 1
    line=$("$after/eddy-redis-load" --port "$port" --mode e2e --record-bytes 100 --rate "$rate" \
      --duration-s "$seconds" --topic we2e)
  else
    local bin=$after
    [ "$side" = before ] && bin=$before
    [ "$side" != after ] && extra=(--nagle)
    write_eddy_config "$dir/eddy.yaml" "$port" "$dir/data" "$policy"
    "$bin/eddyd" --config "$dir/eddy.yaml" >"$work/server.log" 2>&1 &
    server_pid=$!
    wait_port "$port" "$server_pid" "$work/server.log" e2e_ab || exit 1
    line=$("$after/eddy-load" --bootstrap "127.0.0.1:$port" --mode e2e --record-bytes 100 \
      --rate "$rate" --duration-s "$seconds" --topic we2e --acks "$acks" --linger-ms 0 \
      --settle-ms 1000 "${extra[@]}")
  fi
  stop_server
  rm -rf "$dir"
  echo "$side $c $line" | tee -a "$out/results.txt"
}

echo "load_before: $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$out/machine.txt"
for r in $(seq 1 "$runs"); do
  # Rotate the sides, so that none always runs first.
  n=${#sides_all[@]}
  sides=()
  for i in $(seq 0 $((n - 1))); do sides+=("${sides_all[$(((i + r) % n))]}"); done
  for c in "${cases[@]}"; do
    for s in "${sides[@]}"; do one "$s" "$c"; done
  done
  if [ "$redis" = 1 ]; then one redis always; fi
done
echo "load_after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/machine.txt"

$py - "$out/results.txt" <<'EOF'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    p = line.split()
    kv = dict(x.split('=', 1) for x in p[2:] if '=' in x)
    rows.setdefault((p[0], p[1]), []).append(kv)
def med(side, case, key):
    v = [float(r[key]) for r in rows.get((side, case), []) if key in r]
    return statistics.median(v) if v else None
print('| case | build | p50 ms | p99 ms | p99.9 ms | rounds |')
print('|---|---|---|---|---|---|')
order = {'before': 0, 'after-nagle': 1, 'after': 2, 'redis': 3}
for (side, case) in sorted(rows, key=lambda k: (k[1], order.get(k[0], 9))):
    n = len(rows[(side, case)])
    cells = ' | '.join('%.2f' % med(side, case, k) for k in ('p50_ms', 'p99_ms', 'p999_ms'))
    print(f'| {case} | {side} | {cells} | {n} |')
print()
print('| case | p50 after/before | p99 after/before | p99 after/Redis always | p50 after/Redis always |')
print('|---|---|---|---|---|')
for case in sorted({c for (_, c) in rows if c != 'always'}):
    def ratio(a, b):
        return '%.2f' % (a / b) if a is not None and b else 'n/a'
    print(f"| {case} | {ratio(med('after', case, 'p50_ms'), med('before', case, 'p50_ms'))} | "
          f"{ratio(med('after', case, 'p99_ms'), med('before', case, 'p99_ms'))} | "
          f"{ratio(med('after', case, 'p99_ms'), med('redis', 'always', 'p99_ms'))} | "
          f"{ratio(med('after', case, 'p50_ms'), med('redis', 'always', 'p50_ms'))} |")
EOF
