"""Standby replicas (num.standby.replicas=1) with the word count against eddyd.

Two instances, each keeping a standby of the other's stateful tasks (counts-store, sub-topology
1): the standby follows the active task's changelog. After kill -9 of one instance mid-run, the
survivor promotes its standbys and restores only the changelog records its standby had not read
yet: at most the records past the standby's last checkpoint before the kill, not the whole
changelog (the test without standbys, test_word_count, restores it all). The final counts lose
nothing, and words counted twice are at most the records consumed past the last commit
(at-least-once reprocessing).
"""

import os
import signal
import time
import unittest

import test_word_count as wc
from confluent_kafka import Consumer, TopicPartition

LINES = 20000  # 100,000 words


class Standby(wc.Harness):
    threads = 1

    def start_instance(self, name, extra=()):
        return super().start_instance(name, ["--num-standby-replicas", "1",
                                             "--num-stream-threads", str(self.threads)] + list(extra))

    def standbys_of(self, p):
        lines = [l for l in self.log_of(p).splitlines() if l.startswith("standby tasks")]
        return lines[-1].split()[2:] if lines else []

    def changelog(self):
        return self.app + "-counts-store-changelog"

    def checkpointed(self, name, p):
        """The changelog offset in instance NAME's checkpoint of task 1_p (0 without one)."""
        path = os.path.join(self.tmp, name, self.app, "1_%d" % p, ".checkpoint")
        try:
            with open(path) as f:
                lines = f.read().splitlines()
        except FileNotFoundError:
            return 0
        return int(lines[2].rsplit(" ", 1)[1]) if len(lines) > 2 else 0

    def test_survivor_restores_from_its_standby(self):
        self.survivor_restores_from_its_standby()

    def test_survivor_restores_from_its_standby_with_two_threads(self):
        # Each instance's standbys are spread over its threads, and a promoted task may land on
        # another thread than its standby's: that thread lets the standby go, and the new owner
        # restores from the standby's checkpoint.
        self.threads = 2
        self.survivor_restores_from_its_standby()

    def test_standby_stores_answer_interactive_queries_as_stale_stores(self):
        # Each of two instances runs some of counts-store's tasks and a standby of the others: a
        # query of its active stores sees its tasks' words, one with stale stores enabled
        # (Kafka's StoreQueryParameters.enableStaleStores) sees every word.
        first = self.start_instance("a", ["--print-store", "counts-store"])
        self.wait_tasks([first])
        second = self.start_instance("b", ["--print-store", "counts-store"])
        self.wait_tasks([first, second])
        self.produce(0, LINES)
        self.wait_all_committed([first, second])
        words = len(wc.expected_counts(LINES))

        def keys(p):
            lines = [l for l in self.log_of(p).splitlines() if l.startswith("store counts-store")]
            if not lines:
                return None
            w = lines[-1].split()
            return int(w[3]), int(w[5])  # "store counts-store keys: A active, S with standbys"
        deadline = time.time() + wc.WAIT_S
        while time.time() < deadline:
            if all(keys(p) and keys(p)[1] == words for p in (first, second)):
                break
            time.sleep(0.2)
        for p in (first, second):
            self.assertEqual(keys(p)[1], words, self.log_of(p))
        # The stateful tasks may all run on one instance (the assignor balances tasks, not
        # stateful ones); either way the active stores split the words, and the instance short
        # of some answers for them from its standbys.
        self.assertEqual(keys(first)[0] + keys(second)[0], words,
                         "the active stores split the words between the instances")
        self.assertLess(min(keys(first)[0], keys(second)[0]), words)
        for p in (first, second):
            p.send_signal(signal.SIGTERM)
            self.assertEqual(p.wait(60), 0, self.log_of(p))

    def survivor_restores_from_its_standby(self):
        names = {}
        first = self.start_instance("a")
        names[first] = "a"
        self.wait_tasks([first])
        second = self.start_instance("b")
        names[second] = "b"
        owned = self.wait_tasks([first, second])
        stateful = [sum(t.startswith("1_") for t in o) for o in owned]
        a, b = (first, second) if stateful[0] >= stateful[1] else (second, first)
        victim = sorted(int(t.split("_")[1]) for t in self.tasks_of(a) if t.startswith("1_"))
        self.assertTrue(victim)
        # Each instance keeps a standby of every stateful task the other runs, and none of its own.
        deadline = time.time() + wc.WAIT_S
        while time.time() < deadline:
            want_b = sorted(t for t in self.tasks_of(a) if t.startswith("1_"))
            want_a = sorted(t for t in self.tasks_of(b) if t.startswith("1_"))
            if sorted(self.standbys_of(b)) == want_b and sorted(self.standbys_of(a)) == want_a:
                break
            time.sleep(0.2)
        self.assertEqual(sorted(self.standbys_of(b)), want_b, self.log_of(b))
        self.assertEqual(sorted(self.standbys_of(a)), want_a, self.log_of(a))

        half = LINES // 2
        self.produce(0, half)
        # Kill a mid-run, once a quarter of the first half is committed and b's standbys have
        # checkpointed some of a's changelog partitions.
        deadline = time.time() + wc.WAIT_S
        while time.time() < deadline:
            lag = self.group_lag()
            if (sum(v for (t, _), v in lag.items() if t == self.input) < half * 3 // 4
                    and all(self.checkpointed(names[b], p) > 0 for p in victim)):
                break
            time.sleep(0.2)
        # The standby's checkpoint only moves forward: read before the kill, it bounds where the
        # promoted task's restore starts.
        standby_at = {p: self.checkpointed(names[b], p) for p in victim}
        self.assertTrue(all(standby_at.values()), standby_at)
        logged_before = len(self.log_of(b))
        a.kill()
        a.wait(30)
        lag = self.group_lag()
        bound = sum(v * wc.WORDS_PER_LINE if t == self.input else v for (t, _), v in lag.items())
        self.produce(half, LINES)
        self.wait_all_committed([b])
        restored = {}
        for l in self.log_of(b)[logged_before:].splitlines():
            if l.startswith("restored counts-store partition"):
                words = l.split()
                restored[int(words[3].rstrip(":"))] = int(words[4])
        self.assertEqual(sorted(restored), victim, self.log_of(b))
        c = Consumer({"bootstrap.servers": self.broker.bootstrap, "group.id": "ends-" + self.app})
        try:
            ends = {p: c.get_watermark_offsets(TopicPartition(self.changelog(), p), timeout=30)[1]
                    for p in victim}
        finally:
            c.close()
        for p in victim:
            # From the standby's position, never before its pre-kill checkpoint.
            self.assertLessEqual(restored[p], ends[p] - standby_at[p], (p, restored, standby_at, ends))
        counts, expected = self.read_counts(), wc.expected_counts(LINES)
        lost = {w: (counts.get(w, 0), n) for w, n in expected.items() if counts.get(w, 0) < n}
        self.assertEqual(lost, {}, "words counted less than they occur (lost records)")
        self.assertEqual(set(counts), set(expected))
        over = sum(counts[w] - n for w, n in expected.items())
        print("standby (%d thread(s) each): restored %d records for %d promoted tasks (their changelogs held %d at the "
              "standby's last checkpoint before kill -9); %d words counted twice, bound %d"
              % (self.threads, sum(restored.values()), len(victim), sum(standby_at.values()), over,
                 bound))
        self.assertLessEqual(over, bound)
        self.assertEqual(self.standbys_of(b), [], "a lone instance keeps no standbys")
        b.send_signal(signal.SIGTERM)
        self.assertEqual(b.wait(60), 0, self.log_of(b))


if __name__ == "__main__":
    unittest.main()
