#!/usr/bin/env bash
# bench-smoke: runs eddy-load tiny against a real eddyd (every mode, a few hundred records). It
# checks that the driver and the broker work together; it asserts no timing.
#   bench/broker/smoke.sh EDDYD EDDY_LOAD
set -euo pipefail
eddyd=$1
load=$2
work=$(mktemp -d /tmp/eddy-bench-smoke-XXXXXX)
pid=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$work/eddy.yaml" <<YAML
node.id: 1
listeners: PLAINTEXT://127.0.0.1:$port
admin.listeners: ""
log.dirs: $work/data
YAML
"$eddyd" --config "$work/eddy.yaml" >"$work/eddyd.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  /usr/bin/python3 -c "import socket; socket.create_connection(('127.0.0.1',$port),0.2)" \
    2>/dev/null && break
  sleep 0.1
done
"$load" --bootstrap 127.0.0.1:"$port" --mode all --records 500 --record-bytes 100 --acks all \
  --rate 200 --duration-s 1 --timeout-s 60 | tee "$work/out.txt"
grep -q "mode=produce records=500" "$work/out.txt"
grep -q "mode=consume records=500" "$work/out.txt"
grep -q "mode=e2e rate=200 sent=200 received=200 failed=0" "$work/out.txt"
