#!/usr/bin/env python3
"""RF=3 acks=all on three local eddyd nodes against single-node eddyd, side by side in one run
(issue 14's figures): produce throughput for 100 B and 1 KiB records with confluent-kafka;
end-to-end latency at a fixed rate with eddy-load (librdkafka, acks=all, produce to consume);
the time from kill -9 of a partition leader to the first acknowledged produce on the new leader;
and a follower's catch-up rate: one replica is stopped while --catch-up-mib MiB are produced,
then restarted, timed until it is back in the ISR, against the machine's raw limits (a 1 GiB
copy over loopback TCP, and a 1 GiB sequential write with one fdatasync). Not a test: it prints
figures.

  cd bench/cluster && EDDYD=../../build/bin/eddyd \\
    PYTHONPATH=../../tests/integration/broker:../../tests/integration/cluster \\
    /usr/bin/python3 replication_bench.py [--records N] [--failovers N] [--e2e-rate R]
      [--e2e-seconds S] [--catch-up-mib M]
(eddy-load is taken from EDDY_LOAD, or beside eddyd.)
"""

import argparse
import os
import socket
import subprocess
import tempfile
import threading
import time

from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic

from cluster_harness import Cluster, wait_for
from eddy_harness import Broker, eddyd_path

FAST = {"broker.heartbeat.interval.ms": "300", "broker.session.timeout.ms": "3000",
        "replica.lag.time.max.ms": "3000"}


def create(bootstrap, name, rf):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for _, f in admin.create_topics([NewTopic(name, 1, rf)], request_timeout=30).items():
        f.result()


def throughput(bootstrap, topic, size, count):
    p = Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 5,
                  "enable.idempotence": True, "batch.size": 1 << 20})
    value = b"x" * size
    acked = [0]

    def cb(err, _msg):
        if err is None:
            acked[0] += 1
    # Warm up: topic metadata, connections.
    p.produce(topic, value, on_delivery=cb)
    p.flush(30)
    acked[0] = 0
    t0 = time.monotonic()
    for _ in range(count):
        while True:
            try:
                p.produce(topic, value, on_delivery=cb)
                break
            except BufferError:
                p.poll(0.01)
        p.poll(0)
    p.flush(120)
    dt = time.monotonic() - t0
    return acked[0] / dt, acked[0] * size / dt / 1e6


def leader_of(c, topic):
    for n in c.nodes.values():
        if n.alive():
            md = n.metadata(timeout_s=3)
            if topic in md.topics:
                return md.topics[topic].partitions[0].leader
    return -1


def failover_ms(c, topic):
    leader = leader_of(c, topic)
    p = Producer({"bootstrap.servers": c.bootstrap, "acks": "all",
                  "message.timeout.ms": 60000, "retry.backoff.ms": 20,
                  "topic.metadata.refresh.interval.ms": 100})
    p.produce(topic, b"warm")
    p.flush(30)
    c.nodes[leader].kill9()
    t0 = time.monotonic()
    done = []
    p.produce(topic, b"after", on_delivery=lambda err, msg: done.append(err))
    p.flush(60)
    ms = (time.monotonic() - t0) * 1000
    if done != [None]:
        raise AssertionError("the produce after the kill failed: %r" % done)
    c.nodes[leader].spawn()

    def whole():
        for n in c.nodes.values():
            if n.alive():
                return sorted(n.metadata(timeout_s=3).topics[topic].partitions[0].isrs) == [1, 2, 3]
        return False
    wait_for(whole, 60, "the ISR to be whole again")
    return ms


def eddy_load():
    return os.environ.get("EDDY_LOAD") or os.path.join(os.path.dirname(eddyd_path()), "eddy-load")


def e2e(bootstrap, topic, rate, seconds):
    """eddy-load's e2e line (p50/p99/p99.9 from produce to consume) for an existing topic."""
    out = subprocess.run([eddy_load(), "--bootstrap", bootstrap, "--mode", "e2e", "--topic", topic,
                          "--acks", "all", "--rate", str(rate), "--duration-s", str(seconds)],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=seconds + 120,
                         check=True).stdout.decode()
    line = next(ln for ln in out.splitlines() if ln.startswith("mode=e2e"))
    return dict(kv.split("=") for kv in line.split()[1:])


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def raw_limits(mib):
    """MB/s of a loopback TCP copy of mib MiB, and of a sequential write of mib MiB with one
    fdatasync at the end (in the temp dir, where the nodes' logs are)."""
    chunk = b"x" * (1 << 20)
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)

    def sink():
        conn, _ = server.accept()
        while conn.recv(1 << 20):
            pass
        conn.close()
    t = threading.Thread(target=sink)
    t.start()
    t0 = time.monotonic()
    with socket.create_connection(server.getsockname()) as c:
        for _ in range(mib):
            c.sendall(chunk)
    t.join()
    tcp = mib * 1.048576 / (time.monotonic() - t0)
    server.close()
    with tempfile.NamedTemporaryFile(prefix="eddy-raw-write-") as f:
        t0 = time.monotonic()
        for _ in range(mib):
            f.write(chunk)
        f.flush()
        os.fdatasync(f.fileno())
        disk = mib * 1.048576 / (time.monotonic() - t0)
    return tcp, disk


def catch_up(c, topic, mib):
    """Seconds from restarting a stopped follower to it being in the ISR again, after mib MiB
    were produced without it; and how many MiB it copied."""
    create(c.bootstrap, topic, 3)
    leader = leader_of(c, topic)
    follower = next(i for i in sorted(c.nodes) if i != leader)
    c.nodes[follower].kill9()
    records = mib * 64  # 16 KiB records
    subprocess.run([eddy_load(), "--bootstrap", c.nodes[leader].bootstrap, "--mode", "produce",
                    "--topic", topic, "--acks", "1", "--records", str(records),
                    "--record-bytes", "16384", "--timeout-s", "600"],
                   stdout=subprocess.DEVNULL, timeout=900, check=True)

    def in_isr():
        md = c.nodes[leader].metadata(timeout_s=3)
        return follower in md.topics[topic].partitions[0].isrs
    # Out of the ISR first (replica.lag.time.max.ms after it stopped fetching), so the restart
    # is timed to a real rejoin.
    wait_for(lambda: not in_isr(), 60, "the stopped follower to leave the ISR")
    t0 = time.monotonic()
    c.nodes[follower].spawn()
    # Listed again once registered and unfenced (start-up, the metadata, the old session's end);
    # its fetcher starts about then.
    wait_for(lambda: follower in c.nodes[leader].metadata(timeout_s=3).brokers, 900,
             "the restarted follower to be unfenced")
    unfenced = time.monotonic() - t0
    wait_for(in_isr, 900, "the restarted follower to rejoin the ISR")
    return time.monotonic() - t0, unfenced, follower


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=50000)
    ap.add_argument("--failovers", type=int, default=5)
    ap.add_argument("--e2e-rate", type=int, default=10000)
    ap.add_argument("--e2e-seconds", type=int, default=10)
    ap.add_argument("--catch-up-mib", type=int, default=0)
    args = ap.parse_args()
    rows, latency = [], []
    with Broker(overrides={}) as single:
        create(single.bootstrap, "b", 1)
        for size in (100, 1024):
            rows.append(("single node", size) + throughput(single.bootstrap, "b", size,
                                                           args.records))
        if args.e2e_seconds:
            create(single.bootstrap, "e2e", 1)
            latency.append(("single node", e2e(single.bootstrap, "e2e", args.e2e_rate,
                                               args.e2e_seconds)))
    times = []
    with Cluster(3, overrides=FAST) as c:
        create(c.bootstrap, "b", 3)
        for size in (100, 1024):
            rows.append(("3 nodes RF=3", size) + throughput(c.bootstrap, "b", size,
                                                            args.records))
        if args.e2e_seconds:
            create(c.bootstrap, "e2e", 3)
            latency.append(("3 nodes RF=3", e2e(c.bootstrap, "e2e", args.e2e_rate,
                                                args.e2e_seconds)))
        create(c.bootstrap, "f", 3)
        for _ in range(args.failovers):
            times.append(failover_ms(c, "f"))
        if args.catch_up_mib:
            secs, unfenced, follower = catch_up(c, "catch-up", args.catch_up_mib)
    print("| setup | record | acks=all records/s | MB/s |")
    print("|---|---|---|---|")
    for name, size, rps, mbs in rows:
        print("| %s | %d B | %.0f | %.1f |" % (name, size, rps, mbs))
    if latency:
        print()
        print("| end to end, acks=all, %d records/s for %d s | p50 | p99 | p99.9 | max | received |"
              % (args.e2e_rate, args.e2e_seconds))
        print("|---|---|---|---|---|---|")
        for name, r in latency:
            print("| %s | %s ms | %s ms | %s ms | %s ms | %s of %s |"
                  % (name, r["p50_ms"], r["p99_ms"], r["p999_ms"], r["max_ms"], r["received"],
                     r["sent"]))
    if times:
        print()
        print("kill -9 of the leader -> first acknowledged produce: p50 %.0f ms, p99 %.0f ms, "
              "max %.0f ms over %d trials (broker.session.timeout.ms 3000)"
              % (pct(times, 0.5), pct(times, 0.99), max(times), len(times)))
    if args.catch_up_mib:
        tcp, disk = raw_limits(args.catch_up_mib)
        mb = args.catch_up_mib * 1.048576
        print()
        print("follower catch-up: node %d restarted behind by %d MiB, unfenced after %.1f s, in "
              "the ISR again after %.1f s: %.0f MB/s from unfenced to in sync (%.0f MB/s with the "
              "start-up); raw limits on this machine: loopback TCP %.0f MB/s, sequential write + "
              "fdatasync %.0f MB/s"
              % (follower, args.catch_up_mib, unfenced, secs, mb / (secs - unfenced), mb / secs,
                 tcp, disk))


if __name__ == "__main__":
    main()
