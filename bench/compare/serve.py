#!/usr/bin/python3
"""Starts one bench/run server and measures its start-up: bench/run's launcher for eddyd, Redis
and NATS (Kafka's is bench/peers/kafka/kafka_peer.py, which has to format its log dir first).

    serve.py --port P --probe kafka|tcp --log FILE [--timeout-s S] -- COMMAND...

Starts COMMAND (output to FILE), polls PORT every 2 ms until the server serves, then prints
"pid PID" (the server's, for bench/run's CPU and RSS figures) and "startup_s=S" (from starting
the process to the first answer) and waits. `kafka` probes with an ApiVersions request, since
eddyd and Kafka accept connections before they answer requests; `tcp` (Redis, NATS) with a
connection. SIGTERM or SIGINT is passed on to the server; exits with its status. Fails (exit 1,
the log on stderr) when the server exits or does not serve within the timeout.
"""

import argparse
import os
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests",
                                "integration", "broker"))
from eddy_harness import serving  # noqa: E402


def tcp_open(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--probe", choices=["kafka", "tcp"], required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--timeout-s", type=float, default=60)
    p.add_argument("command", nargs=argparse.REMAINDER)
    a = p.parse_args()
    cmd = a.command[1:] if a.command[:1] == ["--"] else a.command
    probe = serving if a.probe == "kafka" else tcp_open
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    with open(a.log, "ab") as log:
        t0 = time.monotonic()
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    deadline = t0 + a.timeout_s
    while not probe(a.port):
        if proc.poll() is not None or time.monotonic() > deadline or stop:
            proc.kill()
            proc.wait()
            with open(a.log, "rb") as f:
                sys.stderr.write("serve.py: %s did not serve on port %d; its log:\n%s" % (
                    cmd[0], a.port, f.read().decode("utf-8", "replace")))
            return 1
        time.sleep(0.002)
    startup = time.monotonic() - t0
    print("pid %d" % proc.pid, flush=True)
    print("startup_s=%.3f" % startup, flush=True)
    while not stop and proc.poll() is None:
        time.sleep(0.1)
    if proc.poll() is None:
        proc.terminate()
    return proc.wait()


if __name__ == "__main__":
    sys.exit(main())
