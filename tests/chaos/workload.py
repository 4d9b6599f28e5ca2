"""The chaos workloads, real clients (confluent-kafka / librdkafka) in the root namespace, each a
thread that records every operation into one History (checker.py describes the events):

  Producers  acks=all, keyed, every value unique ("<producer>-<seq>"): idempotent ones and plain
             ones (max.in.flight 1; their retries may still duplicate and, across a leader
             change, reorder: checker.py). A producer that hits a fatal
             error is replaced by a new one with a new name.
  Readers    assigned consumers reading every partition from the beginning.
  Group      members of one consumer group, committing offsets synchronously; each successful
             commit is recorded.
  Admin      topic churn: creates topics, adds partitions to them and deletes them, each request
             recorded with its outcome; after the heal, `topics()` records what exists.
After the run: liveness() (a write to every partition acked within the bound) and final_read()
(every partition from offset 0 to its high watermark).
"""

import json
import logging
import threading
import time

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewPartitions, NewTopic


class History:
    def __init__(self, path=None):
        self.events = []
        self.lock = threading.Lock()
        self.file = open(path, "w") if path else None

    def add(self, **e):
        e["t"] = time.time()
        with self.lock:
            self.events.append(e)
            if self.file:
                self.file.write(json.dumps(e) + "\n")

    def close(self):
        if self.file:
            self.file.close()
            self.file = None


def client_logger(path):
    """librdkafka's log lines go to the run's directory, not the terminal."""
    log = logging.getLogger("rdkafka")
    if not log.handlers:
        handler = logging.FileHandler(path)
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False
    return log


def create_topic(bootstrap, topic, partitions, rf, logger, timeout_s=60):
    admin = AdminClient({"bootstrap.servers": bootstrap, "logger": logger})
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            admin.create_topics([NewTopic(topic, partitions, rf)])[topic].result(10)
            return
        except KafkaException as e:
            if e.args[0].code() == KafkaError.TOPIC_ALREADY_EXISTS:
                return
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def probe_replication_factor(bootstrap, n, logger, timeout_s=5):
    """The largest replication factor (n, n-1, ..., 1) under which an acks=all write is acked:
    a cluster may accept RF=3 topics before it replicates them."""
    topics = {rf: "chaos-probe-rf%d" % rf for rf in range(n, 0, -1)}
    for rf, topic in topics.items():
        create_topic(bootstrap, topic, 1, rf, logger)
    acked = set()
    p = Producer({"bootstrap.servers": bootstrap, "acks": "all", "logger": logger,
                  "message.timeout.ms": timeout_s * 1000})
    for rf, topic in topics.items():
        p.produce(topic, b"probe", on_delivery=lambda err, m, rf=rf: err or acked.add(rf))
    p.flush(timeout_s + 5)
    return max(acked) if acked else 1


class Worker(threading.Thread):
    def __init__(self, name, history, stop):
        super().__init__(name=name, daemon=True)
        self.history = history
        self.stop_event = stop
        self.error = None

    def run(self):
        try:
            self.body()
        except Exception as e:  # recorded, and reported by the runner
            self.error = repr(e)


class ProducerWorker(Worker):
    debug = ""  # librdkafka debug contexts (runner --client-debug)

    def __init__(self, name, history, stop, bootstrap, topic, idem, rate, logger):
        super().__init__(name, history, stop)
        self.bootstrap, self.topic, self.idem, self.rate, self.logger = \
            bootstrap, topic, idem, rate, logger
        self.generation = 0

    def make(self):
        self.generation += 1
        self.pname = "%s.%d" % (self.name, self.generation)
        self.fatal = False
        conf = {"bootstrap.servers": self.bootstrap, "acks": "all", "logger": self.logger,
                "enable.idempotence": self.idem, "message.timeout.ms": 20000,
                "linger.ms": 5, "error_cb": self.on_error}
        if not self.idem:
            conf["max.in.flight.requests.per.connection"] = 1
        if self.debug:
            conf["debug"] = self.debug
        return Producer(conf)

    def on_error(self, err):
        if err.fatal():
            self.fatal = True

    def body(self):
        p = self.make()
        seq = 0
        while not self.stop_event.is_set():
            if self.fatal:
                p.flush(25)
                p = self.make()
            value = "%s-%d" % (self.pname, seq)
            self.history.add(type="send", producer=self.pname, idem=self.idem, seq=seq,
                             value=value)

            def done(err, msg, value=value):
                if err is None:
                    self.history.add(type="ack", value=value, topic=msg.topic(),
                                     partition=msg.partition(), offset=msg.offset())
                else:
                    self.history.add(type="fail", value=value, error=str(err))
            while True:
                try:
                    p.produce(self.topic, key=b"k%d" % (seq % 16), value=value.encode(),
                              on_delivery=done)
                    break
                except BufferError:
                    p.poll(0.1)
            seq += 1
            p.poll(0)
            time.sleep(1.0 / self.rate)
        p.flush(30)


def consumer_conf(bootstrap, logger, **extra):
    conf = {"bootstrap.servers": bootstrap, "logger": logger, "enable.auto.commit": False,
            "auto.offset.reset": "earliest", "session.timeout.ms": 6000,
            "heartbeat.interval.ms": 1000, "enable.partition.eof": False,
            "group.id": "chaos-readers"}
    conf.update(extra)
    return conf


def record_reads(history, reader, msgs):
    for m in msgs:
        if m.error() is not None:
            continue
        history.add(type="read", reader=reader, topic=m.topic(), partition=m.partition(),
                    offset=m.offset(), value=m.value().decode("utf-8", "replace"))


class ReaderWorker(Worker):
    """An assigned consumer (no group membership) reading every partition from offset 0."""

    def __init__(self, name, history, stop, bootstrap, topic, partitions, logger):
        super().__init__(name, history, stop)
        self.c = Consumer(consumer_conf(bootstrap, logger))
        self.c.assign([TopicPartition(topic, p, 0) for p in range(partitions)])

    def body(self):
        try:
            while not self.stop_event.is_set():
                record_reads(self.history, self.name, self.c.consume(200, timeout=0.5))
        finally:
            self.c.close()


class GroupWorker(Worker):
    """A member of a consumer group that commits what it read, synchronously."""

    def __init__(self, name, history, stop, bootstrap, topic, group, logger):
        super().__init__(name, history, stop)
        self.group = group
        self.c = Consumer(consumer_conf(bootstrap, logger, **{"group.id": group}))
        self.c.subscribe([topic])

    def body(self):
        try:
            while not self.stop_event.is_set():
                msgs = self.c.consume(200, timeout=0.5)
                record_reads(self.history, self.name, msgs)
                if not any(m.error() is None for m in msgs):
                    continue
                try:
                    done = self.c.commit(asynchronous=False)
                except KafkaException:
                    continue  # no coordinator, a rebalance: the next batch commits again
                for tp in done or []:
                    if tp.error is None and tp.offset >= 0:
                        self.history.add(type="commit", group=self.group, topic=tp.topic,
                                         partition=tp.partition, offset=tp.offset)
        finally:
            self.c.close()


def liveness(history, bootstrap, topic, partitions, logger, bound_s):
    """After the last heal: one acks=all write to every partition, all acked within bound_s.
    Records how long it took (the probe values are sends of their own producer)."""
    start = time.monotonic()
    pending = set(range(partitions))
    p = Producer({"bootstrap.servers": bootstrap, "acks": "all", "logger": logger,
                  "enable.idempotence": True, "message.timeout.ms": 5000})
    attempt = 0
    while pending and time.monotonic() - start < bound_s:
        acked = set()
        for part in sorted(pending):
            value = "live-%d-%d" % (part, attempt)
            history.add(type="send", producer="live-%d" % part, idem=True, seq=attempt,
                        value=value)

            def done(err, msg, value=value, part=part):
                if err is None:
                    acked.add(part)
                    history.add(type="ack", value=value, topic=msg.topic(),
                                partition=msg.partition(), offset=msg.offset())
                else:
                    history.add(type="fail", value=value, error=str(err))
            p.produce(topic, value=value.encode(), partition=part, on_delivery=done)
        p.flush(10)
        pending -= acked
        attempt += 1
    seconds = time.monotonic() - start
    history.add(type="liveness", ok=not pending, seconds=seconds)
    return seconds if not pending else None


def final_read(history, bootstrap, topic, partitions, logger, timeout_s=90):
    """Every partition from offset 0 to its high watermark; returns {partition: hw}."""
    c = Consumer(consumer_conf(bootstrap, logger))
    hws = {}
    records = {p: [] for p in range(partitions)}
    try:
        deadline = time.monotonic() + timeout_s
        while len(hws) < partitions and time.monotonic() < deadline:
            for part in range(partitions):
                if part in hws:
                    continue
                try:
                    hws[part] = c.get_watermark_offsets(TopicPartition(topic, part),
                                                        timeout=2)[1]
                except KafkaException:
                    pass
        c.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
        nexts = {p: 0 for p in range(partitions)}
        while time.monotonic() < deadline and any(nexts[p] < hws.get(p, 1) for p in nexts):
            for m in c.consume(500, timeout=0.5):
                if m.error() is not None:
                    continue
                records[m.partition()].append([m.offset(), m.value().decode("utf-8",
                                                                              "replace")])
                nexts[m.partition()] = m.offset() + 1
    finally:
        c.close()
    for part in range(partitions):
        complete = part in hws and nexts[part] >= hws[part]
        history.add(type="final", topic=topic, partition=part, records=records[part],
                    complete=complete, hw=hws.get(part, -1))
    return hws


def views(bootstrap_of, topic, logger):
    """Each node's own answer to Metadata: brokers, controller and the topic's leaders (the
    first thing to look at when a partition is not readable after the heal)."""
    lines = []
    for node, address in bootstrap_of.items():
        try:
            md = AdminClient({"bootstrap.servers": address, "logger": logger}).list_topics(
                topic, timeout=5)
            t = md.topics.get(topic)
            leaders = {p.id: p.leader for p in t.partitions.values()} if t else {}
            lines.append("node %d: brokers %s, controller %s, leaders %s"
                         % (node, sorted(md.brokers), md.controller_id, dict(sorted(
                             leaders.items()))))
        except Exception as e:
            lines.append("node %d: no answer (%s)" % (node, e))
    return lines


class AdminWorker(Worker):
    """Topic churn through the controller: every cycle creates a topic (1 partition), grows an
    earlier one to 2 partitions, and deletes an older one. Topic names are never reused."""

    def __init__(self, name, history, stop, bootstrap, rf, logger):
        super().__init__(name, history, stop)
        self.admin = AdminClient({"bootstrap.servers": bootstrap, "logger": logger})
        self.rf = rf

    def request(self, op, topic, future_of, count=None):
        try:
            future_of()[topic].result(15)
            self.history.add(type="admin", op=op, topic=topic, count=count, ok=True)
        except Exception as e:  # a timeout is indeterminate; the checker knows
            self.history.add(type="admin", op=op, topic=topic, count=count, ok=False,
                             error=str(e))

    def body(self):
        k = 0
        while not self.stop_event.is_set():
            topic = "churn-%d" % k
            self.request("create", topic, lambda: self.admin.create_topics(
                [NewTopic(topic, 1, self.rf)], operation_timeout=10), count=1)
            if k >= 2:
                grown = "churn-%d" % (k - 2)
                self.request("partitions", grown, lambda: self.admin.create_partitions(
                    [NewPartitions(grown, 2)], operation_timeout=10), count=2)
            if k >= 4 and k % 2 == 0:
                gone = "churn-%d" % (k - 4)
                self.request("delete", gone, lambda: self.admin.delete_topics(
                    [gone], operation_timeout=10))
            k += 1
            self.stop_event.wait(1.0)


def topics(history, bootstrap, logger, timeout_s=30):
    """Records every topic that exists now with its partition count (the controller's view)."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            md = AdminClient({"bootstrap.servers": bootstrap, "logger": logger}).list_topics(
                timeout=10)
            break
        except KafkaException:
            if time.monotonic() > deadline:
                history.add(type="liveness", ok=False, seconds=timeout_s)
                return
    history.add(type="topics", topics={name: len(t.partitions) for name, t in md.topics.items()
                                       if t.error is None})


def brokers_listed(history, bootstrap_of, logger, bound_s):
    """After the heal every node is running and reachable, so within bound_s every node's
    Metadata must list every broker (a broker left fenced leaves its partitions leaderless for new
    clients). Records a liveness failure naming who is missing."""
    start = time.monotonic()
    missing = {}
    while time.monotonic() - start < bound_s:
        missing = {}
        for node, address in bootstrap_of.items():
            try:
                md = AdminClient({"bootstrap.servers": address, "logger": logger}).list_topics(
                    timeout=5)
                lacking = sorted(set(bootstrap_of) - set(md.brokers))
            except KafkaException as e:
                lacking = "no answer: %s" % e
            if lacking:
                missing[node] = lacking
        if not missing:
            return True
        time.sleep(1)
    history.add(type="liveness", ok=False, seconds=bound_s,
                detail="brokers not listed after the heal: %s" % missing)
    return False
