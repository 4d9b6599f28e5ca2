"""The kill -9 durability loop (issue 21, "Proof"): an idempotent acks=all producer writes unique
sequential values while eddyd is killed with SIGKILL 30 times at random moments, some of them
during start-up recovery (right after a restart, before it serves). A final read of every
partition is then checked against what was acknowledged:

  lost        acknowledged, not in the log
  duplicated  one value at two offsets
  reordered   a value after a larger one in its partition (values of a partition are produced
              in increasing order)

and all three must be 0. Seeded (EDDY_KILL_LOOP_SEED=N replays the kill schedule; the seed is
printed); about a minute on two cores.

  cd tests/integration/hostile && EDDYD=../../../build/bin/eddyd PYTHONPATH=../broker \\
    /usr/bin/python3 -m unittest -v test_kill_loop
"""

import os
import random
import subprocess
import time
import unittest

import confluent_kafka
from confluent_kafka.admin import AdminClient, NewTopic

from eddy_harness import Broker

KILLS = 30
PARTITIONS = 3
WAIT_S = 120


def spawn(broker):
    """Starts eddyd without waiting for it to serve (so it can be killed during recovery)."""
    broker.write_config()
    with open(broker.log_path, "ab") as log:
        broker.proc = subprocess.Popen(broker.command(), stdout=log, stderr=subprocess.STDOUT,
                                       cwd=broker.data_dir)


def read_everything(broker, topic):
    """{partition: [values in offset order]} of the whole topic, up to each high watermark."""
    c = confluent_kafka.Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "checker",
                                  "enable.auto.commit": False})
    out = {}
    for p in range(PARTITIONS):
        tp = confluent_kafka.TopicPartition(topic, p)
        low, high = c.get_watermark_offsets(tp, timeout=WAIT_S)
        c.assign([confluent_kafka.TopicPartition(topic, p, low)])
        values, last = [], low - 1
        deadline = time.monotonic() + WAIT_S
        while last + 1 < high and time.monotonic() < deadline:
            for m in c.consume(num_messages=10000, timeout=0.5):
                if m.error():
                    raise AssertionError("read error: %s" % m.error())
                values.append(int(m.value()))
                last = m.offset()
        if last + 1 < high:
            raise AssertionError("partition %d: read up to %d of %d" % (p, last + 1, high))
        out[p] = values
    c.close()
    return out


def check(acked, log):
    """(lost, duplicated, reordered) of the final read `log` against the `acked` values."""
    present = {}
    reordered = 0
    for values in log.values():
        for i, v in enumerate(values):
            present[v] = present.get(v, 0) + 1
            if i > 0 and v < values[i - 1]:
                reordered += 1
    lost = sum(1 for v in acked if v not in present)
    duplicated = sum(n - 1 for n in present.values() if n > 1)
    return lost, duplicated, reordered


class KillLoopTest(unittest.TestCase):
    def test_thirty_kill_9s_lose_duplicate_and_reorder_nothing(self):
        seed = int(os.environ.get("EDDY_KILL_LOOP_SEED") or random.randrange(1 << 31))
        print("kill loop seed %d (EDDY_KILL_LOOP_SEED=%d replays it)" % (seed, seed))
        rng = random.Random(seed)
        with Broker(overrides={"num.partitions": str(PARTITIONS)}) as b:
            topic = "kill-loop"
            admin = AdminClient({"bootstrap.servers": b.bootstrap})
            admin.create_topics([NewTopic(topic, PARTITIONS, 1)])[topic].result(timeout=WAIT_S)
            acked, failed, fatal = set(), [], []
            p = confluent_kafka.Producer({
                "bootstrap.servers": b.bootstrap,
                "enable.idempotence": True,
                "acks": "all",
                "linger.ms": 5,
                "message.timeout.ms": 300000,
                "retry.backoff.ms": 50,
                "reconnect.backoff.ms": 20,
                "reconnect.backoff.max.ms": 200,
                "error_cb": lambda err: fatal.append(err) if err.fatal() else None,
            })

            def on_delivery(err, msg):
                if err:
                    failed.append(err)
                else:
                    acked.add(int(msg.value()))

            next_value = 0

            def produce_for(seconds):
                nonlocal next_value
                end = time.monotonic() + seconds
                while time.monotonic() < end:
                    for _ in range(20):
                        p.produce(topic, value=b"%d" % next_value,
                                  partition=next_value % PARTITIONS, on_delivery=on_delivery)
                        next_value += 1
                    p.poll(0.01)

            kills = during_recovery = 0
            while kills < KILLS:
                produce_for(rng.uniform(0.2, 1.5))
                b.kill9()
                kills += 1
                if kills < KILLS and rng.random() < 0.4:
                    # Killed again a random moment after the restart, usually while it recovers.
                    log_before = len(b.log())
                    spawn(b)
                    produce_for(rng.uniform(0.0, 0.15))
                    if "eddyd started" not in b.log()[log_before:]:
                        during_recovery += 1
                    b.kill9()
                    kills += 1
                b.start()
            produce_for(0.5)
            remaining = p.flush(WAIT_S)
            self.assertEqual(remaining, 0, "records still unacknowledged after the last restart")
            log = read_everything(b, topic)
            lost, duplicated, reordered = check(acked, log)
            stored = sum(len(v) for v in log.values())
            print("kills %d (%d before it served again); produced %d, acknowledged %d, failed %d,"
                  " stored %d; lost %d, duplicated %d, reordered %d"
                  % (kills, during_recovery, next_value, len(acked), len(failed), stored, lost,
                     duplicated, reordered))
            self.assertEqual(fatal, [])
            self.assertGreater(len(acked), 1000)
            self.assertEqual((lost, duplicated, reordered), (0, 0, 0))


if __name__ == "__main__":
    unittest.main()
