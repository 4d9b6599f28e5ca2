"""The nemesis: a seeded schedule of faults, printed before the run and replayable (the same seed,
node count and fault list give the same schedule; `--schedule FILE` replays a printed one), and
the code that injects and heals each fault.

One fault at a time: at `at` seconds into the run it starts, `duration` seconds later it heals,
then the cluster has a quiet gap before the next. Fault classes (FAULTS):

  kill             kill -9 one node; restart it at heal
  controller-kill  kill -9 the active controller (whichever node it is then); restart at heal
  pause            SIGSTOP one node past the broker session and election timeouts; SIGCONT
  isolate          one node drops every packet of the other nodes (clients still reach it)
  halves           majority/minority: the nodes split in two groups that cannot talk
  bridge           two nodes cannot talk; a third still talks to both
  one-way          one node drops what another sends it (iptables INPUT), not the reverse
  loss             one node drops 30% of the packets it receives
  cut              one node's link down: nobody reaches it, clients included
  enospc           one node's writes that extend a file fail as on a full disk; space returns
  eio              one node's fsyncs fail with EIO; at heal it is restarted (a log that failed
                   an fsync stays read-only until then, as Kafka takes a log dir offline)
  power-one        kill -9 one node and drop what it had not fsynced; restart at heal
  power-all        the same for every node at once
  clock            one node's wall clock jumps ahead, then behind (libfaketime); back at heal
  churn            leadership churn: about every second one partition's replicas are rotated
                   (eddyctl partition reassign) and its new first replica elected
                   (eddyctl leader elect --preferred), until heal

A fault's "node" may be "controller": the active controller when the fault starts.
"""

import json
import os
import random
import signal
import subprocess
import tempfile
import threading
import time

FAULTS = ["kill", "controller-kill", "pause", "isolate", "halves", "bridge", "one-way", "loss",
          "cut", "enospc", "eio", "power-one", "power-all", "clock", "churn"]
DISK_FAULTS = {"enospc", "eio", "power-one", "power-all"}


def make_schedule(seed, nodes, faults, seconds, min_duration=4.0, max_duration=12.0, gap=4.0,
                  each_once=False):
    """Faults from `faults` until `seconds` are used up (or, with each_once, every fault once in
    a seeded order)."""
    rng = random.Random(seed)
    ids = list(range(1, nodes + 1))
    order = list(faults)
    rng.shuffle(order)
    out = []
    t = gap
    k = 0
    while True:
        if each_once:
            if k == len(order):
                break
            name = order[k]
        else:
            name = rng.choice(faults)
        k += 1
        duration = round(rng.uniform(min_duration, max_duration), 1)
        if name == "pause":
            duration = max(duration, 6.0)  # past broker.session.timeout.ms of the chaos config
        if not each_once and t + duration > seconds:
            break
        f = {"at": round(t, 1), "fault": name, "duration": duration}
        shuffled = ids[:]
        rng.shuffle(shuffled)
        if name in ("kill", "pause", "isolate", "loss", "cut", "enospc", "eio", "power-one",
                    "clock"):
            f["node"] = shuffled[0]
        elif name == "halves":
            minority = len(ids) // 2
            f["groups"] = [sorted(shuffled[:minority]), sorted(shuffled[minority:])]
        elif name == "bridge":
            f["groups"] = [[shuffled[0]], [shuffled[1]]]
            f["bridge"] = shuffled[2]
        elif name == "one-way":
            f["node"], f["from"] = shuffled[0], shuffled[1]
        if name == "clock":
            f["offsets"] = [rng.choice(["+%d" % s, "-%d" % s]) for s in
                            (rng.randint(30, 600), rng.randint(30, 600))]
        if name == "churn":
            f["seed"] = rng.randint(0, 2**31)
        out.append(f)
        t += duration + gap
    return out


def print_schedule(schedule, out):
    for f in schedule:
        out.write(json.dumps(f) + "\n")


class Nemesis:
    def __init__(self, cluster, history, log, topic="chaos"):
        self.c = cluster
        self.history = history
        self.log = log
        self.topic = topic
        self.counts = {}
        self.power_undone = 0
        self.churn = None  # (thread, stop event) while a churn fault runs

    def controller(self):
        from confluent_kafka.admin import AdminClient
        for node in self.c.nodes.values():
            if node.alive():
                try:
                    return AdminClient({"bootstrap.servers": node.address}).list_topics(
                        timeout=5).controller_id
                except Exception:
                    continue
        return -1

    def start(self, f):
        started = time.time()  # before the action: a power cut takes seconds
        name = f["fault"]
        self.counts[name] = self.counts.get(name, 0) + 1
        c, net = self.c, self.c.net
        node = f.get("node")
        if name == "controller-kill" or node == "controller":
            # Whichever node is the active controller now (a replayed schedule names it).
            node = f["node"] = self.controller()
            f["resolved"] = True
        if name == "controller-kill":
            if node in c.nodes:
                c.kill9(node)
        elif name == "kill":
            c.kill9(node)
        elif name == "pause":
            c.nodes[node].signal(signal.SIGSTOP)
        elif name == "isolate":
            net.partition([[node], [i for i in c.nodes if i != node]])
        elif name in ("halves", "bridge"):
            net.partition(f["groups"])
        elif name == "one-way":
            net.block(node, f["from"])
        elif name == "loss":
            net.lossy(node, 0.3)
        elif name == "cut":
            net.link(node, up=False)
        elif name in ("enospc", "eio"):
            c.set_disk(node, name)
        elif name == "power-one":
            self.power_undone += c.power_cut([node])
        elif name == "power-all":
            self.power_undone += c.power_cut(list(c.nodes))
        elif name == "clock":
            c.set_clock(node, f["offsets"][0])
        elif name == "churn":
            stop = threading.Event()
            t = threading.Thread(target=self.churn_leaders, args=(f["seed"], stop), daemon=True)
            t.start()
            self.churn = (t, stop)
        self.history.add(type="nemesis", phase="start", fault=f, started=started)
        self.log("nemesis: start %s" % json.dumps(f))

    def middle(self, f):
        """Halfway through: the clock's second jump."""
        if f["fault"] == "clock":
            self.c.set_clock(f["node"], f["offsets"][1])

    def heal(self, f):
        name = f["fault"]
        c = self.c
        node = f.get("node")
        if name in ("kill", "controller-kill", "power-one") and node in c.nodes:
            c.start_node(node)
        elif name == "power-all":
            c.start()
        elif name == "pause":
            c.nodes[node].signal(signal.SIGCONT)
        elif name in ("isolate", "halves", "bridge", "one-way", "loss", "cut"):
            c.net.heal()
        elif name == "enospc":
            c.set_disk(node, None)
        elif name == "eio":
            c.set_disk(node, None)
            c.kill9(node)
            c.start_node(node)
        elif name == "clock":
            c.set_clock(node, "+0")
        elif name == "churn":
            self.stop_churn()
        self.history.add(type="nemesis", phase="heal", fault=f)
        self.log("nemesis: heal  %s" % f["fault"])
        self.restart_exited()

    def churn_leaders(self, seed, stop):
        """Moves leaderships the way an operator does, through the admin APIs: one partition at
        a time, its replica list rotated (a reassignment that moves no data) and its new first
        replica elected. Each move is recorded; a refused one is not a finding by itself (the
        election may race the reassignment), the checker judges the data."""
        from confluent_kafka.admin import AdminClient
        from eddy_harness import eddyd_path
        rng = random.Random(seed)
        ctl = os.environ.get("EDDYCTL") or os.path.join(os.path.dirname(eddyd_path()), "eddyctl")
        moves = 0
        boot = self.c.bootstrap
        while not stop.is_set():
            try:
                md = AdminClient({"bootstrap.servers": boot}).list_topics(self.topic, timeout=5)
                parts = sorted(md.topics[self.topic].partitions.values(), key=lambda p: p.id)
                p = rng.choice(parts)
                replicas = list(p.replicas)
                k = rng.randrange(1, len(replicas)) if len(replicas) > 1 else 0
                replicas = replicas[k:] + replicas[:k]
                with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as plan:
                    json.dump({"version": 1, "partitions": [
                        {"topic": self.topic, "partition": p.id, "replicas": replicas}]}, plan)
                try:
                    run = [ctl, "-b", boot, "--timeout-ms", "5000"]
                    moved = subprocess.run(run + ["partition", "reassign", "--plan", plan.name],
                                           capture_output=True, timeout=15).returncode == 0
                    elected = moved and subprocess.run(
                        run + ["leader", "elect", "--preferred", "%s/%d" % (self.topic, p.id)],
                        capture_output=True, timeout=15).returncode == 0
                finally:
                    os.unlink(plan.name)
                self.history.add(type="churn", partition=p.id, replicas=replicas, moved=moved,
                                 elected=elected)
                moves += elected
            except Exception as e:  # a node down mid-call: try again next round
                self.log("nemesis: churn round failed: %r" % e)
            stop.wait(1.0)
        self.log("nemesis: churn moved %d leaderships" % moves)

    def stop_churn(self):
        if self.churn is not None:
            t, stop = self.churn
            stop.set()
            t.join(60)
            self.churn = None

    def restart_exited(self):
        """A node that exited on its own (not by the nemesis) is a finding: recorded, restarted."""
        for i, node in self.c.nodes.items():
            if node.proc is not None and node.proc.poll() is not None:
                rc = node.proc.returncode
                node.proc = None
                self.counts["exited-by-itself"] = self.counts.get("exited-by-itself", 0) + 1
                self.history.add(type="exit", node=i, rc=rc)
                self.log("nemesis: node %d exited by itself with %s; restarting it" % (i, rc))
                node.start()

    def heal_all(self):
        """Whatever state a fault left (or an interrupted run): every link, disk, clock and
        process back to normal."""
        self.stop_churn()
        self.c.net.heal()
        for i, node in self.c.nodes.items():
            self.c.set_disk(i, None)
            self.c.set_clock(i, "+0")
            node.signal(signal.SIGCONT)
        self.c.start()

    def run(self, schedule, t0, stop):
        # A heal can take longer than the gap after it (a restart waits for the node, which is
        # slow on a loaded machine). The schedule then slips: every later fault starts that much
        # later and still lasts its full duration. Holding to the absolute times instead would
        # start a late fault when its heal time had already passed and heal it at once: a fault
        # counted in the table that never took effect.
        lag = 0.0
        for f in schedule:
            if not _sleep_until(t0 + lag + f["at"], stop):
                return
            began = time.time()
            if began - (t0 + f["at"]) > lag + 1.0:
                self.log("nemesis: the schedule slipped %.1f s behind (a slow heal)"
                         % (began - t0 - f["at"]))
            lag = max(lag, began - (t0 + f["at"]))
            self.start(f)
            try:
                if _sleep_until(began + f["duration"] / 2, stop):
                    self.middle(f)
                _sleep_until(began + f["duration"], stop)
            finally:
                self.heal(f)


def _sleep_until(when, stop):
    while time.time() < when:
        if stop.is_set():
            return False
        time.sleep(min(0.2, max(0.0, when - time.time())))
    return True
