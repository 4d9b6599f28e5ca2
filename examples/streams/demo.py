#!/usr/bin/python3
"""Runs one Eddy Streams example end to end against a running broker (scripts/run's by default):
creates its topics, produces sample input, runs the example binary until its output arrives,
prints the output and stops the example.

    examples/streams/demo.py word_count [--bootstrap 127.0.0.1:9092]
    (also: page_views, orders_payments, enrichment, global_enrichment)
"""

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MINUTE = 60000

# name: (input records as (topic, key, value, timestamp ms), output topic, value decoder)
EXAMPLES = {
    "word_count": ([("streams-plaintext-input", None, "all streams lead to kafka", 0),
                    ("streams-plaintext-input", None, "hello kafka streams", 0),
                    ("streams-plaintext-input", None, "join kafka summit", 0)],
                   "streams-wordcount-output", lambda v: int.from_bytes(v, "big", signed=True)),
    "page_views": ([("page-views", "/home", "alice", 1000), ("page-views", "/home", "bob", 2000),
                    ("page-views", "/cart", "alice", 30000), ("page-views", "/home", "carol", MINUTE + 5),
                    # Stream time past the first minute's end plus 10 s grace closes it.
                    ("page-views", "/tick", "-", MINUTE + 11000)],
                   "page-views-per-minute", lambda v: int.from_bytes(v, "big", signed=True)),
    "orders_payments": ([("orders", "o-1", "book", 0), ("orders", "o-2", "pen", 1000),
                         ("payments", "o-1", "card", 2000), ("payments", "o-2", "cash", 10 * MINUTE)],
                        "paid-orders", lambda v: v.decode()),
    "enrichment": ([("users", "alice", "europe", 0), ("clicks", "alice", "/home", 1),
                    ("clicks", "bob", "/cart", 2), ("users", "bob", "asia", 3), ("clicks", "bob", "/pay", 4)],
                   "enriched-clicks", lambda v: v.decode()),
    "global_enrichment": ([("users", "alice", "europe", 0), ("orders", "o-1", "alice:book", 1),
                           ("orders", "o-2", "bob:pen", 2)],
                          "enriched-orders", lambda v: v.decode()),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("example", choices=sorted(EXAMPLES))
    ap.add_argument("--bootstrap", default="127.0.0.1:9092")
    ap.add_argument("--timeout", type=float, default=60)
    a = ap.parse_args()
    records, output, decode = EXAMPLES[a.example]
    topics = sorted({t for t, _, _, _ in records} | {output})
    admin = AdminClient({"bootstrap.servers": a.bootstrap})
    for t, f in admin.create_topics([NewTopic(t, 1, 1) for t in topics]).items():
        try:
            f.result(30)
        except Exception as e:  # already there from an earlier run
            if "TOPIC_ALREADY_EXISTS" not in str(e):
                raise
    binary = os.path.join(REPO, "build", "bin", "streams_" + a.example)
    print(subprocess.run([binary, "--describe"], check=True, capture_output=True, text=True).stdout)
    run_id = uuid.uuid4().hex[:8]
    consumer = Consumer({"bootstrap.servers": a.bootstrap, "group.id": "demo-" + run_id})
    _, end = consumer.get_watermark_offsets(TopicPartition(output, 0), timeout=30)
    consumer.assign([TopicPartition(output, 0, end)])  # only this run's output
    with tempfile.TemporaryDirectory() as state:
        app = subprocess.Popen([binary, "--bootstrap", a.bootstrap, "--app-id", "demo-" + a.example + "-" + run_id,
                                "--state-dir", state])
        try:
            producer = Producer({"bootstrap.servers": a.bootstrap})
            # Event times relative to the current minute (librdkafka reads a timestamp of 0 as
            # "now", so the offsets are never sent as they are).
            base = int(time.time() * 1000) // MINUTE * MINUTE
            for topic, key, value, ts in records:
                producer.produce(topic, value.encode(), key.encode() if key else None, timestamp=base + ts)
                producer.flush(10)
            seen, deadline = 0, time.time() + a.timeout
            while time.time() < deadline:
                m = consumer.poll(0.5)
                if m is None or m.error():
                    if seen and m is None:
                        break  # output has gone quiet
                    continue
                seen += 1
                key = m.key().decode() if m.key() else None
                if a.example == "page_views" and key:  # "<page>@<window start>": start from base
                    page, start = key.rsplit("@", 1)
                    key = "%s@+%ds" % (page, (int(start) - base) // 1000)
                print("%s -> %s" % (key,
                                    decode(m.value()) if m.value() is not None else None))
            if not seen:
                sys.exit("no output within %.0f s" % a.timeout)
        finally:
            app.send_signal(signal.SIGTERM)
            app.wait(30)
            consumer.close()


if __name__ == "__main__":
    main()
