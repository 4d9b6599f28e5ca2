"""One chaos run: cluster, workloads, nemesis, heal, liveness, final read, replica comparison,
checker; prints the table and returns the exit code (0: no anomaly the configuration promises
not to have). `tests/chaos/run --help` lists the options."""

import argparse
import glob
import hashlib
import json
import os
import shutil
import signal
import struct
import sys
import threading
import time

from confluent_kafka.admin import AdminClient

import checker
import nemesis
import workload
from cluster import ChaosCluster
from net import cleanup_stale

TOPIC = "chaos"


def parse_args(argv):
    p = argparse.ArgumentParser(prog="tests/chaos/run", description=__doc__)
    p.add_argument("--minutes", type=float, default=2.0, help="length of the fault schedule")
    p.add_argument("--nodes", type=int, default=3, choices=[3, 5])
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--faults", default=",".join(nemesis.FAULTS),
                   help="comma-separated fault classes (default: all): %s"
                   % ",".join(nemesis.FAULTS))
    p.add_argument("--each-once", action="store_true",
                   help="every fault of --faults once, in a seeded order (CI)")
    p.add_argument("--schedule", help="replay this schedule (JSON lines, as a run prints it)")
    p.add_argument("--fault-seconds", default="4,12", metavar="MIN,MAX",
                   help="each fault lasts between MIN and MAX seconds (seeded)")
    p.add_argument("--gap", type=float, default=4.0, help="quiet seconds between faults")
    p.add_argument("--replication-factor", default="auto",
                   help="auto: the largest under which an acks=all write is acked")
    p.add_argument("--partitions", type=int, default=6)
    p.add_argument("--rate", type=float, default=50.0, help="sends per second per producer")
    p.add_argument("--override", action="append", default=[], metavar="KEY=VALUE",
                   help="an eddyd setting for every node (e.g. log.flush.policy=interval)")
    p.add_argument("--liveness-s", type=float, default=60.0)
    p.add_argument("--client-debug", default="", metavar="CONTEXTS",
                   help="librdkafka debug contexts for the producers (e.g. eos), in clients.log")
    p.add_argument("--dir", help="where the history, schedule, table and node logs go")
    p.add_argument("--keep", action="store_true", help="keep the nodes' data dirs")
    p.add_argument("--cleanup", action="store_true",
                   help="only remove namespaces and bridges left by dead runs")
    return p.parse_args(argv)


def base_overrides(rf):
    return {
        "broker.heartbeat.interval.ms": 500,
        "broker.session.timeout.ms": 3000,
        "num.partitions": 3,
        "default.replication.factor": rf,
        "offsets.topic.replication.factor": rf,
        "offsets.topic.num.partitions": 3,
        "min.insync.replicas": min(2, rf),
        # 1 MiB segments (the floor): the power-loss mirror copies a file it first meets whole.
        "log.segment.bytes": 1048576,
    }


def read_batches(path):
    """[base offset, last offset, sha1 of the batch's bytes, producer id, producer epoch] of every
    whole batch in a segment."""
    out = []
    with open(path, "rb") as f:
        data = f.read()
    pos = 0
    while pos + 27 <= len(data):
        base, length = struct.unpack_from(">qi", data, pos)
        if length <= 0 or pos + 12 + length > len(data):
            break
        last_delta = struct.unpack_from(">i", data, pos + 23)[0]
        producer_id, producer_epoch = struct.unpack_from(">qh", data, pos + 43)
        out.append([base, base + last_delta,
                    hashlib.sha1(data[pos:pos + 12 + length]).hexdigest(), producer_id,
                    producer_epoch])
        pos += 12 + length
    return out


def replica_logs(cluster, topic, partition, replicas):
    logs = {}
    for r in replicas:
        if r not in cluster.nodes:
            continue
        batches = []
        for seg in sorted(glob.glob(os.path.join(cluster.nodes[r].logs_dir,
                                                 "%s-%d" % (topic, partition), "*.log"))):
            batches += read_batches(seg)
        logs[str(r)] = batches
    return logs


def replica_end(cluster, topic, partition, r):
    """A replica's log end from its last segment alone (a segment is named by its base offset),
    None when the node or its log is not there."""
    if r not in cluster.nodes:
        return None
    segs = sorted(glob.glob(os.path.join(cluster.nodes[r].logs_dir, "%s-%d" % (topic, partition),
                                         "*.log")))
    if not segs:
        return None
    batches = read_batches(segs[-1])
    return batches[-1][1] + 1 if batches else int(os.path.basename(segs[-1]).split(".")[0])


class Run:
    def __init__(self, args):
        self.args = args
        self.out = args.dir or "/tmp/eddy-chaos-%s-seed%d" % (time.strftime("%Y%m%d-%H%M%S"),
                                                             args.seed)
        os.makedirs(self.out, exist_ok=True)
        self.logfile = open(os.path.join(self.out, "run.log"), "a")
        self.logger = workload.client_logger(os.path.join(self.out, "clients.log"))
        self.history = workload.History(os.path.join(self.out, "history.jsonl"))
        overrides = dict(kv.split("=", 1) for kv in args.override)
        self.overrides = overrides
        faults = [f for f in args.faults.split(",") if f]
        for f in faults:
            if f not in nemesis.FAULTS:
                raise SystemExit("unknown fault %r (known: %s)" % (f, ", ".join(nemesis.FAULTS)))
        if args.schedule:
            with open(args.schedule) as f:
                self.schedule = [json.loads(line) for line in f if line.strip()]
        else:
            lo, hi = (float(x) for x in args.fault_seconds.split(","))
            self.schedule = nemesis.make_schedule(args.seed, args.nodes, faults,
                                                  args.minutes * 60, min_duration=lo,
                                                  max_duration=hi, gap=args.gap,
                                                  each_once=args.each_once)
        with open(os.path.join(self.out, "schedule.jsonl"), "w") as f:
            nemesis.print_schedule(self.schedule, f)
        power = any(f["fault"] in ("power-one", "power-all") for f in self.schedule)
        self.lossy = (overrides.get("unclean.leader.election.enable") == "true" or
                      (overrides.get("log.flush.policy") == "interval" and power))

    def log(self, line):
        line = "[%s] %s" % (time.strftime("%H:%M:%S"), line)
        print(line, flush=True)
        self.logfile.write(line + "\n")
        self.logfile.flush()

    def make_cluster(self, rf):
        overrides = base_overrides(rf)
        overrides.update(self.overrides)
        shim = any(f["fault"] in nemesis.DISK_FAULTS for f in self.schedule)
        clock = any(f["fault"] == "clock" for f in self.schedule)
        return ChaosCluster(self.args.nodes, overrides=overrides, shim=shim, faketime=clock,
                            keep=self.args.keep)

    def wait_formed(self, cluster, timeout_s=60):
        admin = AdminClient({"bootstrap.servers": cluster.bootstrap, "logger": self.logger})
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                if len(admin.list_topics(timeout=2).brokers) == len(cluster.nodes):
                    return
            except Exception:
                pass
            time.sleep(0.2)
        raise RuntimeError("the cluster did not form within %ds:\n%s" % (timeout_s,
                                                                          cluster.logs()))

    def main(self):
        a = self.args
        self.log("chaos: %d nodes, seed %d, %d faults, output in %s"
                 % (a.nodes, a.seed, len(self.schedule), self.out))
        print("schedule (replay with --schedule %s/schedule.jsonl):" % self.out)
        nemesis.print_schedule(self.schedule, sys.stdout)
        rf = a.nodes if a.replication_factor == "auto" else int(a.replication_factor)
        cluster = self.make_cluster(rf)
        stop = threading.Event()
        workers = []
        try:
            cluster.start()
            self.wait_formed(cluster)
            if a.replication_factor == "auto":
                probed = workload.probe_replication_factor(cluster.bootstrap, a.nodes,
                                                           self.logger)
                if probed != rf:
                    self.log("replication factor %d is not acked by this cluster; using %d"
                             % (rf, probed))
                    self.copy_logs(cluster)
                    cluster.close()
                    rf = probed
                    cluster = self.make_cluster(rf)
                    cluster.start()
                    self.wait_formed(cluster)
            self.log("replication factor %d, %d partitions, lossy configuration: %s"
                     % (rf, a.partitions, self.lossy))
            workload.create_topic(cluster.bootstrap, TOPIC, a.partitions, rf, self.logger)
            self.nem = nemesis.Nemesis(cluster, self.history, self.log)
            self.rf = rf
            workers = self.start_workers(cluster, stop)
            t0 = time.time()
            self.nem.run(self.schedule, t0, threading.Event())
            end = t0 + a.minutes * 60
            while time.time() < end and not self.schedule_only():
                time.sleep(0.2)
            self.log("healing everything")
            self.nem.heal_all()
            self.nem.restart_exited()
            return self.finish(cluster, stop, workers, rf)
        except KeyboardInterrupt:
            self.log("interrupted: tearing down")
            stop.set()
            self.copy_logs(cluster)
            cluster.close()  # first, so that no client waits on a live node
            return 130
        finally:
            stop.set()
            for w in workers:
                w.join(timeout=40)
            self.copy_logs(cluster)
            codes = cluster.close()
            self.log("nodes stopped: %s" % codes)
            self.history.close()

    def schedule_only(self):
        return bool(self.args.schedule) or self.args.each_once

    def start_workers(self, cluster, stop):
        a, b, h, lg = self.args, cluster.bootstrap, self.history, self.logger
        workload.ProducerWorker.debug = a.client_debug
        ws = [workload.ProducerWorker("i%d" % k, h, stop, b, TOPIC, True, a.rate, lg)
              for k in range(2)]
        ws.append(workload.ProducerWorker("n0", h, stop, b, TOPIC, False, a.rate, lg))
        ws += [workload.ReaderWorker("reader%d" % k, h, stop, b, TOPIC, a.partitions, lg)
               for k in range(2)]
        ws += [workload.GroupWorker("member%d" % k, h, stop, b, TOPIC, "chaos-group", lg)
               for k in range(2)]
        ws.append(workload.AdminWorker("admin", h, stop, b, self.rf, lg))
        for w in ws:
            w.start()
        return ws

    def finish(self, cluster, stop, workers, rf):
        a = self.args
        # Let the clients see the healed cluster for a moment, then stop them (producers flush).
        healed = time.monotonic()
        time.sleep(3)
        stop.set()
        for w in workers:
            w.join(timeout=40)
            if w.is_alive() or w.error:
                self.log("worker %s: %s" % (w.name, w.error or "did not stop"))
        live = workload.liveness(self.history, cluster.bootstrap, TOPIC, a.partitions,
                                 self.logger, a.liveness_s)
        self.log("liveness: %s" % ("a write to every partition acked %.1f s after the heal"
                                   % (time.monotonic() - healed) if live is not None
                                   else "NO write acked within %.0f s" % a.liveness_s))
        if not workload.brokers_listed(self.history, {i: n.address for i, n in
                                                      cluster.nodes.items()},
                                       self.logger, a.liveness_s):
            self.log("liveness: some node does not list every broker %.0f s after the heal"
                     % a.liveness_s)
        for line in workload.views({i: n.address for i, n in cluster.nodes.items()}, TOPIC,
                                   self.logger):
            self.log("after heal: " + line)
        # A cluster that took no write after the heal gets a short final read: its loss figures
        # mean nothing, the liveness anomaly already fails the run.
        hws = workload.final_read(self.history, cluster.bootstrap, TOPIC, a.partitions,
                                  self.logger, timeout_s=a.liveness_s + 30 if live else 10)
        workload.topics(self.history, cluster.bootstrap, self.logger)
        md = AdminClient({"bootstrap.servers": cluster.bootstrap,
                          "logger": self.logger}).list_topics(TOPIC, timeout=10)
        replicas = {p.id: p.replicas for p in md.topics[TOPIC].partitions.values()}
        behind = self.wait_replicas(cluster, hws, replicas, a.liveness_s)
        for part, r, end, hw in behind:
            detail = ("%s-%d: node %d's replica ends at %d, below the high watermark %d, %.0f s "
                      "after the final read" % (TOPIC, part, r, end, hw, a.liveness_s))
            self.log("liveness: " + detail)
            self.history.add(type="liveness", ok=False, seconds=a.liveness_s, detail=detail)
        self.copy_logs(cluster)
        codes = cluster.stop_nodes()
        for i, rc in codes.items():
            if rc not in (0, None):
                self.log("node %d exited %s on SIGTERM" % (i, rc))
        for part, hw in hws.items():
            self.history.add(type="replicas", topic=TOPIC, partition=part, hw=hw,
                             logs=replica_logs(cluster, TOPIC, part, replicas.get(part, [])))
        anomalies, info = checker.check(self.history.events)
        faults = dict(self.nem.counts)
        text = checker.table(faults, info, anomalies, self.lossy,
                             checker.unavailability(self.history.events))
        text = ("seed %d, %d nodes, replication factor %d, overrides %s\n"
                % (a.seed, a.nodes, rf, self.overrides or "{}")) + text
        with open(os.path.join(self.out, "table.txt"), "w") as f:
            f.write(text + "\n")
        print(text, flush=True)
        bad = checker.verdict(anomalies, self.lossy)
        self.result = {"anomalies": {c: len(v) for c, v in anomalies.items()}, "faults": faults,
                       "info": dict(info), "verdict": bad, "rf": rf}
        with open(os.path.join(self.out, "result.json"), "w") as f:
            json.dump(self.result, f)
        self.log("verdict: %s" % ("FAIL: " + ", ".join(bad) if bad else "ok"))
        return 1 if bad else 0

    def wait_replicas(self, cluster, hws, replicas, bound_s):
        """Waits until every replica's log on disk reaches the high watermark the final read saw;
        returns the replicas still behind after `bound_s`: [(partition, node, end, hw)]. A
        follower lags for a while after a heal (TCP backs off under loss; a fenced broker
        rejoins), so the byte comparison of the replicas waits for it; one that never catches up
        is a liveness anomaly (a stuck follower), not a divergence."""
        deadline = time.monotonic() + bound_s
        while True:
            behind = []
            for part, hw in sorted(hws.items()):
                for r in replicas.get(part, []):
                    end = replica_end(cluster, TOPIC, part, r)
                    if end is not None and end < hw:
                        behind.append((part, r, end, hw))
            if not behind or time.monotonic() > deadline:
                return behind
            time.sleep(1)

    def copy_logs(self, cluster):
        for i, node in cluster.nodes.items():
            if os.path.exists(node.log_path):
                shutil.copyfile(node.log_path, os.path.join(self.out, "node%d.log" % i))


def main(argv):
    args = parse_args(argv)
    if os.geteuid() != 0:
        raise SystemExit("tests/chaos/run needs root (network namespaces)")
    cleanup_stale()
    if args.cleanup:
        return 0

    def on_term(signum, frame):
        raise KeyboardInterrupt()
    # SIGINT too: a shell without job control starts background jobs with SIGINT ignored.
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    return Run(args).main()
