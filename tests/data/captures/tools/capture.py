#!/usr/bin/env python3
"""Records the Kafka frames a real client exchanges with librdkafka's mock cluster.

Usage: capture.py OUT.cap "DESCRIPTION" -- COMMAND...   (as root: it sniffs the loopback device)

Starts ./mock_cluster (see mock_cluster.c), sniffs 127.0.0.1 traffic to and from its port with an
AF_PACKET socket (standard library only; every connection the client opens is seen, including the
ones to the broker address it learns from Metadata), runs COMMAND with the bootstrap address in
$BOOTSTRAP, then reassembles each TCP connection and writes one line per frame:

    connection N
    request HEX                      header + body, without the 4-byte size prefix
    response KEY VERSION HEX         the same for the answer, with the request's key and version
"""

import os
import socket
import struct
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PACKET_OUTGOING = 4


def sniff(port, packets, stop):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.ntohs(0x0003))
    s.bind(("lo", 0))
    s.settimeout(0.2)
    while not stop.is_set():
        try:
            data, addr = s.recvfrom(262144)
        except socket.timeout:
            continue
        if addr[2] == PACKET_OUTGOING:  # loopback shows each packet twice
            continue
        if len(data) < 14 + 20 or data[12:14] != b"\x08\x00":
            continue
        ip = data[14:]
        ihl = (ip[0] & 0x0F) * 4
        if ip[9] != 6:
            continue
        total = struct.unpack("!H", ip[2:4])[0]
        tcp = ip[ihl:total]
        sport, dport, seq = struct.unpack("!HHI", tcp[:8])
        if port not in (sport, dport):
            continue
        off = (tcp[12] >> 4) * 4
        payload = tcp[off:]
        if payload:
            packets.append((sport, dport, seq, bytes(payload)))


def reassemble(packets):
    flows = {}
    for sport, dport, seq, payload in packets:
        flows.setdefault((sport, dport), {})[seq] = payload
    streams = {}
    for key, segs in flows.items():
        out = bytearray()
        base = min(segs)
        for seq in sorted(segs):
            rel = seq - base
            if rel > len(out):
                raise SystemExit(f"gap in flow {key}: lost packets, run again")
            out[rel:rel + len(segs[seq])] = segs[seq]
        streams[key] = bytes(out)
    return streams


def frames(stream):
    pos = 0
    while pos + 4 <= len(stream):
        n = struct.unpack("!i", stream[pos:pos + 4])[0]
        yield stream[pos + 4:pos + 4 + n]
        pos += 4 + n


def main():
    out, desc = sys.argv[1], sys.argv[2]
    cmd = sys.argv[sys.argv.index("--") + 1:]
    mock_bin = os.environ.get("MOCK_CLUSTER", os.path.join(HERE, "mock_cluster"))
    mock = subprocess.Popen([mock_bin], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    bootstrap = mock.stdout.readline().strip()
    port = int(bootstrap.split(",")[0].rsplit(":", 1)[1])
    packets, stop = [], threading.Event()
    t = threading.Thread(target=sniff, args=(port, packets, stop))
    t.start()
    time.sleep(0.3)
    env = dict(os.environ, BOOTSTRAP=bootstrap)
    rc = subprocess.run(cmd, env=env, timeout=120).returncode
    time.sleep(0.5)
    stop.set()
    t.join()
    mock.stdin.close()
    mock.wait(timeout=10)
    if rc != 0:
        raise SystemExit(f"client exited {rc}")
    streams = reassemble(packets)
    lines = [f"# {desc}"]
    conn = 0
    for (sport, dport), stream in sorted(streams.items()):
        if dport != port:
            continue
        conn += 1
        lines.append(f"connection {conn}")
        pending = {}
        for f in frames(stream):
            key, ver, corr = struct.unpack("!hhi", f[:8])
            pending[corr] = (key, ver)
            lines.append(f"request {f.hex()}")
        for f in frames(streams.get((port, sport), b"")):
            corr = struct.unpack("!i", f[:4])[0]
            key, ver = pending[corr]
            lines.append(f"response {key} {ver} {f.hex()}")
    with open(out, "w") as fh:
        fh.write("\n".join(lines) + "\n")
    print(f"{out}: {conn} connections, {sum(l.startswith('request') for l in lines)} requests")


if __name__ == "__main__":
    main()
