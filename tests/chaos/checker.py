"""The chaos checker: anomalies by class from a run's complete history (docs/reliability.md).

A history is a list of events (dicts), as the workload records them:
  {"type": "send",  "producer": P, "idem": bool, "seq": n, "value": V, "t": s}
  {"type": "ack",   "value": V, "topic": T, "partition": p, "offset": o, "t": s}
  {"type": "fail",  "value": V, "error": "...", "t": s}          (indeterminate: may appear)
  {"type": "read",  "reader": R, "topic": T, "partition": p, "offset": o, "value": V, "t": s}
  {"type": "commit", "group": G, "topic": T, "partition": p, "offset": o, "t": s}
  {"type": "final", "topic": T, "partition": p, "records": [[o, V], ...], "complete": bool}
  {"type": "replicas", "topic": T, "partition": p, "hw": h,
   "logs": {node: [[base, last, hex, producer id, producer epoch], ...]}}
  {"type": "liveness", "ok": bool, "seconds": s}
  {"type": "admin", "op": "create"|"partitions"|"delete", "topic": T, "count": n, "ok": bool}
  {"type": "topics", "topics": {T: partition count}}                (after the heal)
Values are unique per send, so a value names one send. Offsets totally order a partition, so the
checks are per partition and need no search (unlike a linearizability checker).

Classes (each a list of anomaly descriptions):
  lost          acked, absent from the final read of its partition after the cluster healed
  duplicated    one value of an idempotent producer at two offsets in batches of one producer
                session (id and epoch). A plain producer's retries may duplicate, and so may an
                idempotent one's across an epoch bump: counted under duplicated-allowed and
                duplicated-new-epoch, not anomalies (see _same_session)
  reordered     two values of an idempotent producer in one partition at offsets against their
                send order (a plain producer's may reorder across a leader change: counted under
                reordered-allowed, not an anomaly; see per_producer below)
  phantom       a value read (or in the final log) that no producer sent
  inconsistent  one offset seen with two values (acks, reads, final read), or a value acked at one
                offset and read at another
  unstable      a value read at an offset that the final read no longer has there
  divergence    replicas whose batches below the high watermark are not byte-identical
  commit-backwards  a group's committed offset for a partition lower than one committed before
  liveness      the cluster did not accept writes (or serve the final read) within the bound, or
                a replica's log did not reach the final high watermark within it
  metadata      an acknowledged topic change undone after the heal: a created topic (never asked
                to be deleted) missing, an acknowledged partition count not reached, or a topic
                whose deletion was acknowledged still there
"""

import collections

CLASSES = ["lost", "duplicated", "reordered", "phantom", "inconsistent", "unstable", "divergence",
           "commit-backwards", "liveness", "metadata"]
# What a configuration that may lose acknowledged writes (log.flush.policy=interval with power
# cuts, unclean leader election) still promises: data that was never sent is never served, and
# replicas agree once healed, and the cluster comes back.
PROMISED_WHEN_LOSSY = {"duplicated", "phantom", "divergence", "liveness", "metadata"}


def promised(lossy):
    return set(PROMISED_WHEN_LOSSY) if lossy else set(CLASSES)


def check(history):
    """Returns ({class: [description, ...]}, {info counter: n})."""
    out = {c: [] for c in CLASSES}
    info = collections.Counter()
    sends = {}
    acks = {}
    fails = set()
    finals = {}
    reads = []
    commits = collections.defaultdict(list)
    admin = []
    final_topics = None
    sessions = {}  # (topic, partition) -> [(base, last, producer id, epoch)] from the replicas
    for e in history:
        t = e["type"]
        info[t] += 1
        if t == "send":
            sends[e["value"]] = e
        elif t == "ack":
            acks[e["value"]] = e
        elif t == "fail":
            fails.add(e["value"])
        elif t == "read":
            reads.append(e)
        elif t == "final":
            finals[(e["topic"], e["partition"])] = e
        elif t == "commit":
            commits[(e["group"], e["topic"], e["partition"])].append(e)
        elif t == "replicas":
            _divergence(e, out)
            for batches in e["logs"].values():
                sessions.setdefault((e["topic"], e["partition"]),
                                    [(b[0], b[1], b[3], b[4]) for b in batches if len(b) >= 5])
        elif t == "admin":
            admin.append(e)
        elif t == "topics":
            final_topics = e["topics"]
        elif t == "liveness" and not e["ok"]:
            out["liveness"].append(e.get("detail") or
                                   "no write accepted within %.0f s after the last heal"
                                   % e["seconds"])

    # The final log of each partition: offset -> value, value -> offsets.
    final_at = {}
    final_offsets = collections.defaultdict(list)
    for tp, e in finals.items():
        if not e.get("complete", True):
            out["liveness"].append("%s-%d: the final read did not reach the high watermark"
                                   % tp)
        for o, v in e["records"]:
            final_at[(tp, o)] = v
            final_offsets[(tp, v)].append(o)

    # One value per offset across every observation (acks, reads, final).
    seen = {}

    def observe(tp, o, v, what):
        key = (tp, o)
        if key in seen and seen[key][0] != v:
            out["inconsistent"].append("%s-%d offset %d: %r (%s) and %r (%s)"
                                       % (tp[0], tp[1], o, seen[key][0], seen[key][1], v, what))
        else:
            seen.setdefault(key, (v, what))

    for (tp, o), v in sorted(final_at.items()):
        observe(tp, o, v, "final read")
    for v, a in acks.items():
        if a["offset"] is not None:
            observe((a["topic"], a["partition"]), a["offset"], v, "ack")
    for r in reads:
        observe((r["topic"], r["partition"]), r["offset"], r["value"], "read by " + r["reader"])

    # An ack may carry no offset: librdkafka's idempotent producer reports the messages of a
    # timed-out request as delivered, offset unknown, once the broker has acked a later sequence.
    for v, a in sorted(acks.items(), key=lambda kv: kv[1]["t"]):
        tp = (a["topic"], a["partition"])
        at = "?" if a["offset"] is None else a["offset"]
        if tp not in finals:
            out["lost"].append("%r acked at %s-%d@%s: its partition was never read at the end"
                               % (v, tp[0], tp[1], at))
        elif not final_offsets.get((tp, v)):
            out["lost"].append("%r acked at %s-%d@%s, absent after heal" % (v, tp[0], tp[1], at))
        elif a["offset"] is not None and a["offset"] not in final_offsets[(tp, v)]:
            out["inconsistent"].append("%r acked at %s-%d@%d, stored at %s"
                                       % (v, tp[0], tp[1], a["offset"], final_offsets[(tp, v)]))

    for r in reads:
        tp = (r["topic"], r["partition"])
        if r["value"] not in sends:
            out["phantom"].append("%s-%d@%d: %r read by %s was never sent"
                                  % (tp[0], tp[1], r["offset"], r["value"], r["reader"]))
        if tp in finals and final_at.get((tp, r["offset"])) != r["value"]:
            out["unstable"].append("%s-%d@%d: %r read by %s, later %r"
                                   % (tp[0], tp[1], r["offset"], r["value"], r["reader"],
                                      final_at.get((tp, r["offset"]), "gone")))

    per_producer = collections.defaultdict(list)
    for (tp, v), offsets in final_offsets.items():
        s = sends.get(v)
        if s is None:
            out["phantom"].append("%s-%d@%d: %r in the final log was never sent"
                                  % (tp[0], tp[1], offsets[0], v))
            continue
        if v in fails:
            info["failed-then-present"] += 1
        if len(offsets) > 1:
            if not s["idem"]:
                info["duplicated-allowed"] += 1
            elif not _same_session(sessions.get(tp), offsets):
                info["duplicated-new-epoch"] += 1
            else:
                out["duplicated"].append("%r of idempotent %s at %s-%d offsets %s"
                                         % (v, s["producer"], tp[0], tp[1], sorted(offsets)))
        per_producer[(s["producer"], tp)].append((min(offsets), s["seq"], v))
    # Only the idempotent producer promises order. librdkafka's max.in.flight is per connection,
    # not per partition (librdkafka issue 1969): when a partition's leader moves, a plain
    # producer sends its queued records to the new leader while the request still outstanding at
    # the old one fails later and is retried behind them. The idempotent producer drains the old
    # leader's requests first, and the broker checks its sequence numbers.
    for (producer, tp), rows in per_producer.items():
        rows.sort()
        for (o1, s1, v1), (o2, s2, v2) in zip(rows, rows[1:]):
            if s2 < s1:
                if not sends[v1]["idem"]:
                    info["reordered-allowed"] += 1
                    continue
                out["reordered"].append("%s in %s-%d: %r (send %d) at %d before %r (send %d) at %d"
                                        % (producer, tp[0], tp[1], v1, s1, o1, v2, s2, o2))

    for (group, topic, p), rows in commits.items():
        rows.sort(key=lambda e: e["t"])
        high = None
        for e in rows:
            if high is not None and e["offset"] < high:
                out["commit-backwards"].append("group %s %s-%d: committed %d after %d"
                                               % (group, topic, p, e["offset"], high))
            high = e["offset"] if high is None else max(high, e["offset"])
    if final_topics is not None:
        _metadata(admin, final_topics, out)
    return out, info


def _metadata(admin, final_topics, out):
    delete_asked = {e["topic"] for e in admin if e["op"] == "delete"}
    for e in admin:
        if not e["ok"]:
            continue
        topic = e["topic"]
        if e["op"] == "delete" and topic in final_topics:
            out["metadata"].append("%s: deletion acknowledged, still there" % topic)
        elif e["op"] in ("create", "partitions") and topic not in delete_asked:
            have = final_topics.get(topic)
            if have is None:
                out["metadata"].append("%s: creation acknowledged, missing" % topic)
            elif have < e["count"]:
                out["metadata"].append("%s: %d partitions acknowledged, %d there"
                                       % (topic, e["count"], have))


def _same_session(batches, offsets):
    """Whether the batches holding `offsets` were written by one producer id and epoch (or that
    cannot be told: no replica's batches cover them).

    The broker deduplicates within a producer session only. librdkafka bumps the epoch after
    messages time out in flight (its "Message timeout considerations"): the messages of the same
    request that had not timed out are sent again under the new epoch with new sequence numbers,
    and if the timed-out request was in fact written, they are written twice. No broker can tell
    those apart; two copies within one session it must."""
    if not batches:
        return True
    found = set()
    for o in offsets:
        for base, last, pid, epoch in batches:
            if base <= o <= last:
                found.add((pid, epoch))
                break
        else:
            return True
    return len(found) == 1


def _divergence(e, out):
    """Every replica's batches with last offset below the high watermark are byte-identical."""
    hw = e["hw"]
    below = {node: [b for b in batches if b[1] < hw] for node, batches in e["logs"].items()}
    if not below:
        return
    ref_node = sorted(below)[0]
    ref = below[ref_node]
    for node, batches in sorted(below.items()):
        if batches != ref:
            first = next((i for i, (a, b) in enumerate(zip(ref, batches)) if a != b),
                         min(len(ref), len(batches)))
            where = ref[first][0] if first < len(ref) else (
                batches[first][0] if first < len(batches) else hw)
            out["divergence"].append("%s-%d: node %s and node %s differ below HW %d from offset %d"
                                     % (e["topic"], e["partition"], ref_node, node, hw, where))


def unavailability(history):
    """{fault class: [seconds, ...]}: per fault, the longest time between two consecutive acks of
    any partition, counting the gaps that begin while the fault lasts (from a second before its
    start to its heal): how long writes were unavailable (a figure, not an anomaly)."""
    acks = collections.defaultdict(list)
    windows = []
    start = {}
    for e in history:
        if e["type"] == "ack":
            acks[(e["topic"], e["partition"])].append(e["t"])
        elif e["type"] == "nemesis":
            key = json_key(e["fault"])
            if e["phase"] == "start":
                start[key] = e.get("started", e["t"])
            elif key in start:
                windows.append((e["fault"]["fault"], start.pop(key), e["t"]))
    out = collections.defaultdict(list)
    for times in acks.values():
        times.sort()
    for name, lo, hi in windows:
        worst = 0.0
        for times in acks.values():
            # Consecutive acks of the partition whose interval overlaps the window.
            gaps = [b - a for a, b in zip(times, times[1:]) if lo - 1 <= a <= hi]
            worst = max([worst] + gaps)
        out[name].append(worst)
    return out


def json_key(fault):
    return tuple(sorted((k, str(v)) for k, v in fault.items()))


def verdict(anomalies, lossy):
    """The classes with anomalies that the configuration promises not to have."""
    return sorted(c for c in promised(lossy) if anomalies.get(c))


def table(faults, info, anomalies, lossy, unavailable=None):
    """The run's summary: faults injected (with the longest ack gap per fault, p50 and max),
    operations, anomalies by class."""
    unavailable = unavailable or {}
    lines = ["faults injected:        count  ack gap p50    max"]
    for name, n in sorted(faults.items()):
        gaps = sorted(unavailable.get(name, []))
        figure = ("  %6.1f s %6.1f s" % (gaps[len(gaps) // 2], gaps[-1])) if gaps else ""
        lines.append("  %-22s %6d%s" % (name, n, figure))
    lines.append("operations:")
    for name in ("send", "ack", "fail", "read", "commit", "admin", "final", "failed-then-present",
                 "duplicated-allowed", "duplicated-new-epoch", "reordered-allowed"):
        lines.append("  %-22s %6d" % (name, info.get(name, 0)))
    lines.append("anomalies:              count  promised  verdict")
    p = promised(lossy)
    for c in CLASSES:
        n = len(anomalies.get(c, []))
        bad = n and c in p
        lines.append("  %-22s %6d  %-8s  %s" % (c, n, "yes" if c in p else "no",
                                                 "FAIL" if bad else "ok"))
    for c in CLASSES:
        for a in anomalies.get(c, [])[:10]:
            lines.append("  [%s] %s" % (c, a))
        if len(anomalies.get(c, [])) > 10:
            lines.append("  [%s] ... %d more" % (c, len(anomalies[c]) - 10))
    return "\n".join(lines)
