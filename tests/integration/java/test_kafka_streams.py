"""A Kafka Streams (Java, kafka-streams 4.4.0) application on Eddy: word count and a windowed word
count (KafkaStreamsWordCount.java) in two instances, checked for exact results; then one
instance is killed with SIGKILL mid-run and restarted, and nothing is lost.

What it proves about Eddy: Kafka Streams creates its repartition and changelog topics there,
its assignor runs in an Eddy group of two, RocksDB stores restore from Eddy changelogs after a
crash, and offsets commit and resume. Kafka Streams is at-least-once here (exactly-once needs
transactions, which Eddy does not have): after the crash a count may include records processed
again since the last commit, so the check after the kill is "never below the exact count", and
the exact check is the clean part of the run.
"""

import collections
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import unittest

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from eddy_harness import Broker

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "bench", "peers", "kafka"))
from kafka_peer import kafka_libs  # noqa: E402

STREAMS_POM = os.path.join(HERE, "..", "..", "..", "bench", "streams", "kafka-streams", "pom.xml")
APP = "eddy-kstreams-wordcount"
INPUT, COUNTS, WINDOWED = "ks-lines", "ks-counts", "ks-windowed"
PARTITIONS = 4
WORDS = ["w%02d" % i for i in range(20)]
HOUR_MS = 3600 * 1000
BASE_MS = 1_700_000_000_000 // HOUR_MS * HOUR_MS  # a window boundary
WAIT_S = 180


def lines(seed, n):
    """n lines of 5 words each with record times spread over three 1-hour windows."""
    rnd = random.Random(seed)
    return [(" ".join(rnd.choice(WORDS) for _ in range(5)), BASE_MS + rnd.randrange(3 * HOUR_MS))
            for _ in range(n)]


def expected(batch):
    counts, windowed = collections.Counter(), collections.Counter()
    for text, ts in batch:
        for w in text.split():
            counts[w] += 1
            windowed["%s@%d" % (w, ts // HOUR_MS * HOUR_MS)] += 1
    return counts, windowed


class KafkaStreamsOnEddy(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.libs = kafka_libs(STREAMS_POM)

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="eddy-kstreams-")
        self.broker = Broker()
        self.broker.__enter__()
        self.procs = {}
        admin = AdminClient({"bootstrap.servers": self.broker.bootstrap})
        for f in admin.create_topics([NewTopic(INPUT, PARTITIONS, 1)]).values():
            f.result(timeout=30)

    def tearDown(self):
        for p in self.procs.values():
            if p.poll() is None:
                p.kill()
                p.wait()
        self.broker.__exit__(None, None, None)
        self.tmp.cleanup()

    def log_path(self, name):
        return os.path.join(self.tmp.name, name + ".log")

    def log_of(self, name):
        with open(self.log_path(name), "rb") as f:
            return f.read().decode("utf-8", "replace")[-8000:]

    def context(self):
        return "".join("\n--- %s ---\n%s" % (n, self.log_of(n)) for n in self.procs) + \
            "\n--- broker ---\n" + self.broker.log()[-4000:]

    def start(self, name):
        state = os.path.join(self.tmp.name, "state-" + name)
        with open(self.log_path(name), "ab") as log:
            self.procs[name] = subprocess.Popen(
                ["java", "-Xmx512m", "-cp", os.path.join(self.libs, "*"),
                 os.path.join(HERE, "KafkaStreamsWordCount.java"), self.broker.bootstrap, APP,
                 state, INPUT, COUNTS, WINDOWED], stdout=log, stderr=subprocess.STDOUT)

    def wait(self, what, predicate, timeout_s=WAIT_S):
        deadline = time.time() + timeout_s
        while time.time() < deadline:
            for name, p in self.procs.items():
                self.assertIsNone(p.poll(), "%s exited%s" % (name, self.context()))
            got = predicate()
            if got:
                return got
            time.sleep(0.5)
        self.fail("timed out waiting for %s%s" % (what, self.context()))

    def running_since(self, name, mark):
        """True once `name` printed "state RUNNING" after byte `mark` of its log."""
        with open(self.log_path(name), "rb") as f:
            f.seek(mark)
            return b"state RUNNING" in f.read()

    def produce(self, batch):
        p = Producer({"bootstrap.servers": self.broker.bootstrap, "enable.idempotence": True})
        for i, (text, ts) in enumerate(batch):
            p.produce(INPUT, value=text.encode(), partition=i % PARTITIONS, timestamp=ts)
        self.assertEqual(p.flush(30), 0)

    def latest(self, topic):
        """The last value of every key in `topic` (all partitions, start to end)."""
        c = Consumer({"bootstrap.servers": self.broker.bootstrap, "group.id": "ks-check",
                      "enable.auto.commit": False})
        try:
            md = c.list_topics(topic, timeout=10).topics.get(topic)
            if md is None or md.error is not None:
                return {}
            ends = {}
            for p in md.partitions:
                try:
                    _, high = c.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
                except KafkaException as e:
                    # A topic Kafka Streams just auto-created is in the metadata a moment before
                    # its partitions open (as on Kafka): NOT_LEADER there means "not yet".
                    if e.args[0].code() not in (KafkaError.NOT_LEADER_FOR_PARTITION,
                                                KafkaError.LEADER_NOT_AVAILABLE,
                                                KafkaError.UNKNOWN_TOPIC_OR_PART):
                        raise
                    return {}
                if high > 0:
                    ends[p] = high
            c.assign([TopicPartition(topic, p, 0) for p in ends])
            out, left = {}, dict(ends)
            deadline = time.time() + 30
            while left and time.time() < deadline:
                m = c.poll(0.5)
                if m is None or m.error():
                    continue
                out[m.key().decode()] = int.from_bytes(m.value(), "big", signed=True)
                if m.offset() + 1 >= left.get(m.partition(), 0):
                    left.pop(m.partition(), None)
            return out
        finally:
            c.close()

    def group_lag(self):
        """Records not yet committed by the application's group over every topic it reads (the
        input and the repartition topics); None until every partition has a commit."""
        c = Consumer({"bootstrap.servers": self.broker.bootstrap, "group.id": APP})
        try:
            topics = c.list_topics(timeout=10).topics
            reads = [t for t in topics if t == INPUT or
                     (t.startswith(APP + "-") and t.endswith("-repartition"))]
            if len(reads) < 2:
                return None
            tps = [TopicPartition(t, p) for t in reads for p in topics[t].partitions]
            lag = 0
            for tp in c.committed(tps, timeout=10):
                if tp.offset < 0:
                    return None
                lag += c.get_watermark_offsets(tp, timeout=10)[1] - tp.offset
            return lag
        finally:
            c.close()

    def test_word_count_exact_then_nothing_lost_across_a_kill9(self):
        self.start("a")
        self.start("b")
        for n in ("a", "b"):
            self.wait("%s RUNNING" % n, lambda n=n: self.running_since(n, 0))

        first = lines(1, 300)
        self.produce(first)
        counts, windowed = expected(first)
        self.wait("exact word counts", lambda: self.latest(COUNTS) == counts)
        self.wait("exact windowed counts", lambda: self.latest(WINDOWED) == windowed)

        # A crash mid-run: kill -9 one instance while it processes the second batch, restart it.
        second = lines(2, 300)
        self.produce(second)
        time.sleep(1)
        self.procs["a"].send_signal(signal.SIGKILL)
        self.procs["a"].wait()
        mark = os.path.getsize(self.log_path("a"))
        self.start("a")
        self.wait("a RUNNING again", lambda: self.running_since("a", mark))
        self.wait("every input and repartition record committed", lambda: self.group_lag() == 0)

        # Committed means processed and its output flushed: the output is complete now.
        counts, windowed = expected(first + second)
        for topic, want in ((COUNTS, counts), (WINDOWED, windowed)):
            got = self.latest(topic)
            self.assertEqual(set(got), set(want), topic)
            lost = {k: (got[k], want[k]) for k in want if got[k] < want[k]}
            self.assertEqual(lost, {}, "%s: counts below the exact count" % topic)

        # A clean stop of both leaves the group empty and the output as it was.
        for p in self.procs.values():
            p.send_signal(signal.SIGTERM)
        for name, p in self.procs.items():
            p.wait(60)
            self.assertIn("state NOT_RUNNING", self.log_of(name))


if __name__ == "__main__":
    unittest.main()
