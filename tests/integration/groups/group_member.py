"""One consumer-group member in its own process, so a test can kill it like a crashed client.

Prints one JSON object per line on stdout:
  {"event": "assigned", "partitions": [...], "added": [...]}    after every assignment change
  {"event": "revoked", "partitions": [...], "removed": [...]}
  {"event": "record", "partition": p, "offset": o, "value": "..."}  (with --print-records)
  {"event": "committed"}                                          after each synchronous commit
Runs until stdin closes or --max-seconds pass, then closes the consumer (leaving the group).
"""

import argparse
import json
import os
import select
import sys
import time


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def run_confluent(a):
    from confluent_kafka import Consumer

    conf = {
        "bootstrap.servers": a.bootstrap,
        "group.id": a.group,
        "session.timeout.ms": a.session_ms,
        "heartbeat.interval.ms": max(100, a.session_ms // 10),
        "partition.assignment.strategy": a.assignor,
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
        "topic.metadata.refresh.interval.ms": 1000,
    }
    if a.instance_id:
        conf["group.instance.id"] = a.instance_id
    owned = set()

    def on_assign(consumer, partitions):
        added = sorted(p.partition for p in partitions)
        if a.assignor == "cooperative-sticky":
            owned.update(added)
            consumer.incremental_assign(partitions)
        else:
            owned.clear()
            owned.update(added)
            consumer.assign(partitions)
        emit({"event": "assigned", "partitions": sorted(owned), "added": added})

    def on_revoke(consumer, partitions):
        removed = sorted(p.partition for p in partitions)
        if a.assignor == "cooperative-sticky":
            owned.difference_update(removed)
            consumer.incremental_unassign(partitions)
        else:
            owned.clear()
            consumer.unassign()
        emit({"event": "revoked", "partitions": sorted(owned), "removed": removed})

    c = Consumer(conf)
    c.subscribe([a.topic], on_assign=on_assign, on_revoke=on_revoke, on_lost=on_revoke)
    deadline = time.monotonic() + a.max_seconds
    consumed = 0
    try:
        while time.monotonic() < deadline and not stdin_closed():
            m = c.poll(0.1)
            if m is None or m.error():
                continue
            consumed += 1
            if a.print_records:
                emit({"event": "record", "partition": m.partition(), "offset": m.offset(),
                      "value": m.value().decode()})
            if a.commit_every and consumed % a.commit_every == 0:
                c.commit(asynchronous=False)
                emit({"event": "committed"})
            if a.stop_after and consumed >= a.stop_after:
                break
    finally:
        c.close()
    emit({"event": "closed"})


def run_kafka_python(a):
    from kafka import KafkaConsumer
    from kafka.coordinator.assignors.range import RangePartitionAssignor

    c = KafkaConsumer(a.topic, bootstrap_servers=a.bootstrap, group_id=a.group,
                      session_timeout_ms=a.session_ms, heartbeat_interval_ms=max(100, a.session_ms // 10),
                      auto_offset_reset="earliest", enable_auto_commit=False,
                      partition_assignment_strategy=[RangePartitionAssignor],
                      api_version=(2, 0, 0))
    last = None
    deadline = time.monotonic() + a.max_seconds
    consumed = 0
    try:
        while time.monotonic() < deadline and not stdin_closed():
            batch = c.poll(timeout_ms=100)
            now = sorted(tp.partition for tp in c.assignment())
            if now != last:
                emit({"event": "assigned", "partitions": now, "added": now})
                last = now
            for tp, msgs in batch.items():
                for m in msgs:
                    consumed += 1
                    if a.print_records:
                        emit({"event": "record", "partition": m.partition, "offset": m.offset,
                              "value": m.value.decode()})
            if a.commit_every and consumed and batch:
                c.commit()
                emit({"event": "committed"})
            if a.stop_after and consumed >= a.stop_after:
                break
    finally:
        c.close()
    emit({"event": "closed"})


def stdin_closed():
    r, _, _ = select.select([sys.stdin], [], [], 0)
    return bool(r) and os.read(sys.stdin.fileno(), 1) == b""


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bootstrap", required=True)
    p.add_argument("--group", required=True)
    p.add_argument("--topic", required=True)
    p.add_argument("--client", default="confluent", choices=["confluent", "kafka-python"])
    p.add_argument("--assignor", default="range")
    p.add_argument("--session-ms", type=int, default=6000)
    p.add_argument("--instance-id")
    p.add_argument("--print-records", action="store_true")
    p.add_argument("--commit-every", type=int, default=0)
    p.add_argument("--stop-after", type=int, default=0)
    p.add_argument("--max-seconds", type=float, default=240)
    a = p.parse_args()
    if a.client == "confluent":
        run_confluent(a)
    else:
        run_kafka_python(a)


if __name__ == "__main__":
    main()
