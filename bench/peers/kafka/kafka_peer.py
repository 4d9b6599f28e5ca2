"""Apache Kafka as a peer: a KRaft single combined node (broker and controller, node id 1) on
loopback, on free ports, with its data in a temporary directory. Used by the differential test
(tests/integration/java) and by bench/run's kafka-* targets.

    from kafka_peer import KafkaNode, kafka_libs
    with KafkaNode() as k:                    # Kafka's defaults (see below)
        ... k.bootstrap ...
    with KafkaNode(durable=True) as k:        # flush.messages=1: an fsync per batch, like Eddy

    python3 kafka_peer.py start [--durable] [--data-dir DIR]
        # prints the bootstrap, "pid PID" (the JVM's) and "startup_s=S format_s=F", then runs
        # until SIGTERM/SIGINT; DIR (default: a temporary directory) must be empty or absent

The jars come from bench/peers/kafka/fetch (pinned in pom.xml, cached under build/kafka). The
settings are Kafka's defaults except what a single node forces (replication factors and min ISR
of the internal topics are 1); the JVM flags are those of Kafka's kafka-server-start.sh
(KAFKA_HEAP_OPTS and KAFKA_JVM_PERFORMANCE_OPTS). Every wait is bounded.
"""

import base64
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
# One free-port picker and one "answers ApiVersions" probe for Eddy and Kafka alike.
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "tests", "integration", "broker"))
from eddy_harness import ServerProcess, free_port  # noqa: E402

# kafka-server-start.sh's KAFKA_HEAP_OPTS and kafka-run-class.sh's KAFKA_JVM_PERFORMANCE_OPTS.
KAFKA_JVM_FLAGS = [
    "-Xmx1G", "-Xms1G", "-server", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20",
    "-XX:InitiatingHeapOccupancyPercent=35", "-XX:+ExplicitGCInvokesConcurrent",
    "-XX:MaxInlineLevel=15", "-Djava.awt.headless=true",
]


def kafka_libs(pom=None):
    """Fetches the pinned jars once (flock-serialised) and returns their directory: those of
    this folder's pom.xml, or of `pom` (see `fetch`)."""
    p = subprocess.run([os.path.join(HERE, "fetch")] + ([pom] if pom else []),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=900)
    if p.returncode != 0:
        raise RuntimeError("bench/peers/kafka/fetch failed:\n" + p.stderr.decode("utf-8", "replace"))
    return p.stdout.decode().strip().splitlines()[-1]


def classpath():
    return os.path.join(kafka_libs(), "*")


class KafkaNode(ServerProcess):
    NAME = "kafka"

    def __init__(self, overrides=None, durable=False, start_timeout_s=120, data_dir=None):
        self.overrides = dict(overrides or {})
        if durable:
            self.overrides.setdefault("log.flush.interval.messages", "1")
        self.start_timeout_s = start_timeout_s
        self._tmp = None
        if data_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="kafka-peer-")
            data_dir = self._tmp.name
        self.data_dir = data_dir
        self.port = free_port()
        self.controller_port = free_port()
        self.proc = None
        self.config_path = os.path.join(self.data_dir, "server.properties")
        self.log_path = os.path.join(self.data_dir, "kafka.log")

    @property
    def bootstrap(self):
        return "127.0.0.1:%d" % self.port

    def properties(self):
        props = {
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.voters": "1@127.0.0.1:%d" % self.controller_port,
            "listeners": "PLAINTEXT://127.0.0.1:%d,CONTROLLER://127.0.0.1:%d"
                         % (self.port, self.controller_port),
            "advertised.listeners": "PLAINTEXT://127.0.0.1:%d" % self.port,
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "log.dirs": os.path.join(self.data_dir, "logs"),
            # One node: the internal topics cannot have three replicas.
            "offsets.topic.replication.factor": "1",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "share.coordinator.state.topic.replication.factor": "1",
            "share.coordinator.state.topic.min.isr": "1",
        }
        props.update(self.overrides)
        return props

    def _java(self, main, args, **kw):
        cmd = ["java"] + KAFKA_JVM_FLAGS + ["-cp", classpath(), main] + args
        return cmd

    def format(self):
        # As Kafka's Uuid.randomUuid: never one that starts with '-', which the tool's argument
        # parser would take for an option (1 run in 64 failed with a usage message).
        cluster_id = "-"
        while cluster_id.startswith("-"):
            cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        cmd = ["java", "-cp", classpath(), "kafka.tools.StorageTool", "format",
               "-t", cluster_id, "-c", self.config_path]
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
        if p.returncode != 0:
            raise RuntimeError("kafka-storage format failed:\n" + p.stdout.decode("utf-8", "replace"))

    def command(self):
        return self._java("kafka.Kafka", [self.config_path])

    def start(self):
        """Formats the log dir when it is new, then starts the node. Sets format_s (the storage
        tool's run, 0 when the dir was formatted before) and startup_s (from starting the JVM to
        the first ApiVersions answer), which bench/run reports as Kafka's start-up time."""
        with open(self.config_path, "w") as f:
            for k, v in self.properties().items():
                f.write("%s=%s\n" % (k, v))
        t0 = time.monotonic()
        if not os.path.isdir(os.path.join(self.data_dir, "logs")):
            self.format()
        t1 = time.monotonic()
        self.launch()
        self.format_s = t1 - t0
        self.startup_s = time.monotonic() - t1
        return self

    def __exit__(self, *exc):
        try:
            self.stop()
        finally:
            if self._tmp is not None:
                self._tmp.cleanup()
        return False


def main(argv):
    args = argv[2:]
    data_dir = None
    if "--data-dir" in args and args.index("--data-dir") + 1 < len(args):
        data_dir = args[args.index("--data-dir") + 1]
        os.makedirs(data_dir, exist_ok=True)
    if len(argv) < 2 or argv[1] != "start" or ("--data-dir" in args and data_dir is None):
        sys.stderr.write("usage: kafka_peer.py start [--durable] [--data-dir DIR]\n")
        return 2
    node = KafkaNode(durable="--durable" in args, data_dir=data_dir)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    with node:
        print(node.bootstrap, flush=True)
        print("pid %d" % node.proc.pid, flush=True)
        print("startup_s=%.3f format_s=%.3f" % (node.startup_s, node.format_s), flush=True)
        while not stop and node.proc.poll() is None:
            time.sleep(0.2)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
