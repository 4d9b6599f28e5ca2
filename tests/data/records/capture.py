#!/usr/bin/python3
"""Captures record batches exactly as real Kafka clients write them, for the golden tests.

For each compression codec a client supports, a producer (librdkafka through confluent_kafka, and
kafka-python's own pure-Python encoder) sends the same five records to librdkafka's built-in mock
cluster (test.mock.num.brokers); then a raw Fetch v4 request reads the stored batch back byte for
byte (the mock keeps the producer's bytes and only assigns the base
offset, which lies outside the CRC). Output: <client>-<codec>.bin in this directory.

Run with Debian's interpreter, which has confluent_kafka and kafka-python:
    /usr/bin/python3 tests/data/records/capture.py
"""
import os
import socket
import struct
import sys

import confluent_kafka

HERE = os.path.dirname(os.path.abspath(__file__))
TOPIC = "golden"
BASE_TS = 1700000000000

# (key, value, headers); the golden test checks these exact values.
RECORDS = [
    (b"key-0", b"value-0", [("h1", b"hv"), ("h2", None)]),
    (None, b"value-1", []),
    (b"key-2", None, []),
    (b"key-3", b"", []),
    (b"key-4", b"lorem ipsum dolor sit amet " * 80, []),
]


def read_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise EOFError("broker closed the connection")
        buf += chunk
    return buf


def fetch_raw(host, port):
    """Fetch v4 of TOPIC/0 from offset 0; returns the partition's records bytes."""
    topic = TOPIC.encode()
    body = struct.pack(">iiiib", -1, 500, 1, 10 << 20, 0)
    body += struct.pack(">i", 1) + struct.pack(">h", len(topic)) + topic
    body += struct.pack(">i", 1) + struct.pack(">iqi", 0, 0, 10 << 20)
    client = b"eddy-capture"
    header = struct.pack(">hhih", 1, 4, 1, len(client)) + client
    msg = header + body
    with socket.create_connection((host, port), timeout=10) as s:
        s.sendall(struct.pack(">i", len(msg)) + msg)
        size = struct.unpack(">i", read_exact(s, 4))[0]
        resp = read_exact(s, size)
    pos = 4 + 4  # correlation id, throttle time
    (ntopics,) = struct.unpack_from(">i", resp, pos)
    pos += 4
    assert ntopics == 1
    (tlen,) = struct.unpack_from(">h", resp, pos)
    pos += 2 + tlen
    (nparts,) = struct.unpack_from(">i", resp, pos)
    pos += 4
    assert nparts == 1
    _part, err, _hw, _lso = struct.unpack_from(">ihqq", resp, pos)
    pos += 4 + 2 + 8 + 8
    assert err == 0, "fetch error %d" % err
    (naborted,) = struct.unpack_from(">i", resp, pos)
    pos += 4 + max(naborted, 0) * 16
    (rlen,) = struct.unpack_from(">i", resp, pos)
    pos += 4
    return resp[pos:pos + rlen]


def capture_librdkafka(codec):
    p = confluent_kafka.Producer({
        "test.mock.num.brokers": 1,
        "compression.type": codec,
        "linger.ms": 500,
        "enable.idempotence": True,
    })
    for i, (key, value, headers) in enumerate(RECORDS):
        p.produce(TOPIC, value=value, key=key, headers=headers or None, partition=0,
                  timestamp=BASE_TS + i)
    assert p.flush(30) == 0, "undelivered messages"
    broker = next(iter(p.list_topics(timeout=10).brokers.values()))
    data = fetch_raw(broker.host, broker.port)
    return data


def capture_kafka_python(codec):
    """kafka-python's own encoder; without optional modules it has only gzip. It cannot send a
    null header value, so h2 goes out as an empty value."""
    import kafka

    holder = confluent_kafka.Producer({"test.mock.num.brokers": 1})
    broker = next(iter(holder.list_topics(timeout=10).brokers.values()))
    p = kafka.KafkaProducer(bootstrap_servers="%s:%d" % (broker.host, broker.port),
                            compression_type=None if codec == "none" else codec,
                            api_version=(2, 0, 0), linger_ms=500)
    for i, (key, value, headers) in enumerate(RECORDS):
        p.send(TOPIC, value=value, key=key, partition=0, timestamp_ms=BASE_TS + i,
               headers=[(k, v if v is not None else b"") for k, v in headers])
    p.flush(30)
    p.close()
    return fetch_raw(broker.host, broker.port)


def write(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)
    print("%s: %d bytes" % (name, len(data)))


def main():
    version = confluent_kafka.libversion()[0]
    for codec in ["none", "gzip", "snappy", "lz4", "zstd"]:
        write("librdkafka-%s-%s.bin" % (version, codec), capture_librdkafka(codec))
    import kafka

    for codec in ["none", "gzip"]:
        write("kafka-python-%s-%s.bin" % (kafka.__version__, codec), capture_kafka_python(codec))


if __name__ == "__main__":
    sys.exit(main())
