#!/usr/bin/python3
"""Client scenarios for capture.py, run with Debian's /usr/bin/python3 (confluent_kafka and kafka).

Usage: python_clients.py SCENARIO   (bootstrap address in $BOOTSTRAP)
"""

import os
import sys
import time

BOOTSTRAP = os.environ["BOOTSTRAP"]
TOPIC = "captures"
DEADLINE_S = 20


def confluent_group():
    import confluent_kafka as ck
    p = ck.Producer({"bootstrap.servers": BOOTSTRAP})
    for i in range(3):
        p.produce(TOPIC, key=b"k%d" % i, value=b"value-%d" % i)
    p.flush(10)
    c = ck.Consumer({"bootstrap.servers": BOOTSTRAP, "group.id": "capture-group",
                     "auto.offset.reset": "earliest", "enable.auto.commit": False})
    c.subscribe([TOPIC])
    got, end = 0, time.time() + DEADLINE_S
    while got < 3 and time.time() < end:
        m = c.poll(0.5)
        if m is not None and not m.error():
            got += 1
    c.commit(asynchronous=False)
    c.close()
    if got < 3:
        raise SystemExit("consumed %d of 3" % got)


def confluent_idempotent():
    import confluent_kafka as ck
    p = ck.Producer({"bootstrap.servers": BOOTSTRAP, "enable.idempotence": True,
                     "compression.codec": "zstd"})
    for i in range(3):
        p.produce(TOPIC, value=b"idempotent-%d" % i)
    if p.flush(10) != 0:
        raise SystemExit("undelivered messages")


def kafka_python_produce(codec):
    import kafka
    p = kafka.KafkaProducer(bootstrap_servers=BOOTSTRAP, compression_type=codec)
    for i in range(3):
        p.send(TOPIC, key=b"k%d" % i, value=b"value-%d" % i)
    p.flush(10)
    p.close(5)


def kafka_python_group():
    import kafka
    kafka_python_produce(None)
    c = kafka.KafkaConsumer(TOPIC, bootstrap_servers=BOOTSTRAP, group_id="capture-group",
                            auto_offset_reset="earliest", enable_auto_commit=False,
                            consumer_timeout_ms=DEADLINE_S * 1000)
    got = 0
    for _ in c:
        got += 1
        if got == 3:
            break
    c.commit()
    c.close()
    if got < 3:
        raise SystemExit("consumed %d of 3" % got)


SCENARIOS = {
    "confluent-group": confluent_group,
    "confluent-idempotent": confluent_idempotent,
    "kafka-python-produce-none": lambda: kafka_python_produce(None),
    "kafka-python-produce-gzip": lambda: kafka_python_produce("gzip"),
    "kafka-python-group": kafka_python_group,
}

if __name__ == "__main__":
    SCENARIOS[sys.argv[1]]()
