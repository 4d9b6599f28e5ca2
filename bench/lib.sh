# Shell helpers shared by the benchmark scripts (bench/run, bench/broker/run.sh,
# bench/broker/e2e_ab.sh, bench/metrics/overhead.sh): a free loopback port, waiting for a server
# to listen, stopping it, and the single-node eddyd config every benchmark starts its broker
# with. Sourced, not run.

bench_py=/usr/bin/python3  # Debian's interpreter: the scripts need nothing beyond its stdlib

# Prints a free TCP port on 127.0.0.1.
free_port() {
  $bench_py -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# stop_server: stops the server whose pid is in $server_pid (SIGTERM, up to 10 s, then kill -9),
# reaps it and clears server_pid; nothing when it is empty.
stop_server() {
  [ -n "${server_pid:-}" ] || return 0
  kill "$server_pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

# wait_port PORT PID LOG NAME: waits (at most 10 s) until something listens on PORT; fails, with
# LOG on stderr, when it does not or when process PID exits first.
wait_port() {
  local port=$1 pid=$2 log=$3 name=$4
  for _ in $(seq 1 200); do
    $bench_py -c "import socket; socket.create_connection(('127.0.0.1',$port),0.2)" 2>/dev/null &&
      return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  echo "$name: server on port $port did not start; its log:" >&2
  cat "$log" >&2 || true
  return 1
}

# write_eddy_config FILE PORT DATA_DIR FLUSH_POLICY: a single-node eddyd config with one
# partition per auto-created topic.
write_eddy_config() {
  cat >"$1" <<CONFIG
node.id: 1
listeners: PLAINTEXT://127.0.0.1:$2
admin.listeners: ""
log.dirs: $3
log.flush.policy: $4
num.partitions: 1
auto.create.topics.enable: true
CONFIG
}
