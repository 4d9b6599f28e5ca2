"""The checker on synthetic histories: a clean history passes, and each anomaly class is found
(a checker that never fails proves nothing)."""

import unittest

import checker


def send(v, seq, producer="i0", idem=True, t=0.0):
    return {"type": "send", "producer": producer, "idem": idem, "seq": seq, "value": v, "t": t}


def ack(v, o, p=0, t=1.0):
    return {"type": "ack", "value": v, "topic": "t", "partition": p, "offset": o, "t": t}


def read(v, o, p=0, reader="r", t=2.0):
    return {"type": "read", "reader": reader, "topic": "t", "partition": p, "offset": o,
            "value": v, "t": t}


def final(records, p=0, complete=True):
    return {"type": "final", "topic": "t", "partition": p, "records": records,
            "complete": complete}


def commit(o, t, group="g", p=0):
    return {"type": "commit", "group": group, "topic": "t", "partition": p, "offset": o, "t": t}


def clean():
    return [send("a", 0), send("b", 1), ack("a", 0), ack("b", 1), read("a", 0), read("b", 1),
            commit(1, 3.0), commit(2, 4.0), final([[0, "a"], [1, "b"]]),
            {"type": "liveness", "ok": True, "seconds": 1.0}]


class CheckerTest(unittest.TestCase):
    def classes(self, history):
        anomalies, _ = checker.check(history)
        return {c for c, found in anomalies.items() if found}

    def test_a_clean_history_has_no_anomaly(self):
        anomalies, info = checker.check(clean())
        self.assertEqual(checker.verdict(anomalies, lossy=False), [])
        self.assertEqual(info["ack"], 2)

    def test_lost(self):
        h = clean()[:-2] + [final([[0, "a"]]), h_live()]
        self.assertEqual(self.classes(h), {"lost", "unstable"})
        h = [send("a", 0), ack("a", 0), final([])]
        self.assertEqual(self.classes(h), {"lost"})

    def test_duplicated_only_for_idempotent_producers(self):
        h = [send("a", 0), ack("a", 0), final([[0, "a"], [1, "a"]])]
        self.assertEqual(self.classes(h), {"duplicated"})
        h = [send("a", 0, producer="n0", idem=False), ack("a", 0), final([[0, "a"], [1, "a"]])]
        anomalies, info = checker.check(h)
        self.assertEqual(self.classes(h), set())
        self.assertEqual(info["duplicated-allowed"], 1)

    def test_an_idempotent_duplicate_across_an_epoch_bump_is_the_clients(self):
        def replicas(epochs):
            return {"type": "replicas", "topic": "t", "partition": 0, "hw": 2,
                    "logs": {"1": [[o, o, "h%d" % o, 7, epochs[o]] for o in range(2)]}}
        h = [send("a", 0), ack("a", 1), final([[0, "a"], [1, "a"]]), replicas([0, 1])]
        anomalies, info = checker.check(h)
        self.assertEqual(self.classes(h), set())
        self.assertEqual(info["duplicated-new-epoch"], 1)
        h = [send("a", 0), ack("a", 1), final([[0, "a"], [1, "a"]]), replicas([1, 1])]
        self.assertEqual(self.classes(h), {"duplicated"})

    def test_reordered_only_for_idempotent_producers(self):
        h = [send("a", 0), send("b", 1), ack("a", 1), ack("b", 0), final([[0, "b"], [1, "a"]])]
        self.assertEqual(self.classes(h), {"reordered"})
        h = [send("a", 0, producer="n0", idem=False), send("b", 1, producer="n0", idem=False),
             ack("a", 1), ack("b", 0), final([[0, "b"], [1, "a"]])]
        anomalies, info = checker.check(h)
        self.assertEqual(self.classes(h), set())
        self.assertEqual(info["reordered-allowed"], 1)

    def test_an_ack_without_an_offset_is_checked_for_presence_only(self):
        h = [send("a", 0), ack("a", None), final([[0, "a"]])]
        self.assertEqual(self.classes(h), set())
        h = [send("a", 0), ack("a", None), final([])]
        self.assertEqual(self.classes(h), {"lost"})

    def test_phantom(self):
        h = [send("a", 0), ack("a", 0), read("x", 1), final([[0, "a"], [1, "x"]])]
        self.assertEqual(self.classes(h), {"phantom"})

    def test_inconsistent_offsets(self):
        h = [send("a", 0), send("b", 0, producer="i1"), ack("a", 0), read("b", 0, reader="r2"),
             final([[0, "a"], [1, "b"]])]
        self.assertIn("inconsistent", self.classes(h))
        # acked at one offset, stored at another
        h = [send("a", 0), ack("a", 3), final([[0, "a"]])]
        self.assertEqual(self.classes(h), {"inconsistent"})

    def test_unstable_read(self):
        h = [send("a", 0), send("b", 1), fail("b"), ack("a", 0), read("b", 1), final([[0, "a"]])]
        self.assertEqual(self.classes(h), {"unstable"})

    def test_divergence(self):
        e = {"type": "replicas", "topic": "t", "partition": 0, "hw": 2,
             "logs": {1: [[0, 1, "aa"], [2, 3, "bb"]], 2: [[0, 1, "ab"]]}}
        self.assertEqual(self.classes([e]), {"divergence"})
        # above the high watermark they may differ
        e["logs"][2] = [[0, 1, "aa"], [2, 3, "cc"]]
        self.assertEqual(self.classes([e]), set())

    def test_commit_backwards(self):
        h = [commit(5, 1.0), commit(7, 2.0), commit(6, 3.0)]
        self.assertEqual(self.classes(h), {"commit-backwards"})

    def test_liveness(self):
        self.assertEqual(self.classes([{"type": "liveness", "ok": False, "seconds": 60}]),
                         {"liveness"})
        self.assertEqual(self.classes([final([], complete=False)]), {"liveness"})

    def test_metadata(self):
        def admin(op, topic, ok=True, count=None):
            return {"type": "admin", "op": op, "topic": topic, "count": count, "ok": ok}
        ok = [admin("create", "a", count=1), admin("partitions", "a", count=2),
              admin("create", "b", count=1), admin("delete", "b"),
              admin("create", "c", ok=False, count=1)]
        self.assertEqual(self.classes(ok + [{"type": "topics", "topics": {"a": 2}}]), set())
        self.assertEqual(self.classes(ok + [{"type": "topics", "topics": {"a": 1}}]),
                         {"metadata"})
        self.assertEqual(self.classes(ok + [{"type": "topics", "topics": {}}]), {"metadata"})
        self.assertEqual(self.classes(ok + [{"type": "topics", "topics": {"a": 2, "b": 1}}]),
                         {"metadata"})

    def test_unavailability_is_the_longest_ack_gap_in_a_fault(self):
        f = {"fault": "kill", "node": 1}
        h = [{"type": "nemesis", "phase": "start", "fault": f, "t": 10.0},
             ack("a", 0, t=11.0), ack("b", 1, t=19.0), ack("c", 2, t=20.0),
             {"type": "nemesis", "phase": "heal", "fault": f, "t": 15.0}]
        self.assertEqual(dict(checker.unavailability(h)), {"kill": [8.0]})
        self.assertIn("8.0 s", checker.table({"kill": 1}, {}, {}, False,
                                              checker.unavailability(h)))

    def test_a_lossy_configuration_still_promises_no_phantoms(self):
        h = [send("a", 0), ack("a", 0), read("x", 0), final([])]
        anomalies, _ = checker.check(h)
        self.assertEqual(checker.verdict(anomalies, lossy=True), ["phantom"])
        self.assertIn("lost", checker.verdict(anomalies, lossy=False))
        self.assertIn("FAIL", checker.table({"kill": 1}, {}, anomalies, lossy=True))


def fail(v):
    return {"type": "fail", "value": v, "error": "timed out", "t": 1.0}


def h_live():
    return {"type": "liveness", "ok": True, "seconds": 1.0}


if __name__ == "__main__":
    unittest.main()
