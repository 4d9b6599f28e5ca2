"""eddyctl group commands against a real eddyd: a group made by `eddyctl consume --group`."""

import time
import unittest

from confluent_kafka import Consumer

from cli_harness import CliTestCase, eddyctl

ERROR, USAGE, NOT_FOUND = 1, 2, 4


class GroupCommands(CliTestCase):
    overrides = {"num.partitions": "1"}

    def make_group(self, topic, group, produced=10, consumed=10):
        """A topic with `produced` records and a group that committed offset `consumed`."""
        self.run_ok("topic", "create", topic, "-p", "2")
        self.run_ok("produce", topic, "-p", "0",
                    stdin="".join("v%d\n" % i for i in range(produced)))
        self.run_ok("consume", topic, "-g", group, "--from-beginning", "-n", str(consumed))

    def describe(self, group):
        return self.run_ok("group", "describe", group, "--format", "json").json()

    def offsets(self, group):
        return {(o["topic"], o["partition"]): o["committed_offset"]
                for o in self.describe(group)["offsets"]}

    def test_list_shows_group(self):
        self.make_group("g-list", "grp-list")
        groups = self.run_ok("group", "list", "--format", "json").json()
        self.assertIn("grp-list", [g["group"] for g in groups])
        self.assertIn("grp-list", self.run_ok("group", "list").out)

    def test_describe_shows_committed_offsets_and_lag(self):
        self.make_group("g-lag", "grp-lag", produced=10, consumed=10)
        self.run_ok("produce", "g-lag", "-p", "0", stdin="a\nb\nc\n")
        d = self.describe("grp-lag")
        self.assertEqual(d["state"], "Empty")
        p0 = [o for o in d["offsets"] if o["partition"] == 0][0]
        self.assertEqual((p0["committed_offset"], p0["log_end_offset"], p0["lag"]), (10, 13, 3))
        self.assertEqual(d["total_lag"], 3)
        table = self.run_ok("group", "describe", "grp-lag").out
        self.assertIn("LAG", table)
        self.assertIn("TOTAL-LAG:      3", table)

    def test_describe_unknown_group_is_not_found(self):
        r = eddyctl(self.b, "group", "describe", "grp-none")
        self.assertEqual(r.code, NOT_FOUND, r)
        self.assertIn("GROUP_ID_NOT_FOUND", r.err)

    def test_reset_dry_run_changes_nothing(self):
        self.make_group("g-dry", "grp-dry")
        plan = self.run_ok("group", "reset-offsets", "grp-dry", "--topic", "g-dry:0",
                           "--to-earliest", "--dry-run", "--format", "json").json()
        self.assertFalse(plan["executed"])
        self.assertEqual(plan["partitions"][0]["new_offset"], 0)
        self.assertEqual(plan["partitions"][0]["current_offset"], 10)
        self.assertEqual(self.offsets("grp-dry")[("g-dry", 0)], 10)
        self.assertIn("DRY RUN", self.run_ok("group", "reset-offsets", "grp-dry", "--topic",
                                             "g-dry", "--to-earliest", "--dry-run").out)

    def test_reset_to_earliest_latest_offset_and_shift(self):
        self.make_group("g-reset", "grp-reset")
        base = ["group", "reset-offsets", "grp-reset", "--topic", "g-reset:0", "--execute"]
        self.run_ok(*base, "--to-earliest")
        self.assertEqual(self.offsets("grp-reset")[("g-reset", 0)], 0)
        self.run_ok(*base, "--to-offset", "7")
        self.assertEqual(self.offsets("grp-reset")[("g-reset", 0)], 7)
        self.run_ok(*base, "--shift-by", "-2")
        self.assertEqual(self.offsets("grp-reset")[("g-reset", 0)], 5)
        self.run_ok(*base, "--to-offset", "999")  # clamped to the log end
        self.assertEqual(self.offsets("grp-reset")[("g-reset", 0)], 10)
        self.run_ok(*base, "--by-duration", "1h")  # every record is newer: the earliest
        self.assertEqual(self.offsets("grp-reset")[("g-reset", 0)], 0)
        self.run_ok(*base, "--to-latest")
        self.assertEqual(self.offsets("grp-reset")[("g-reset", 0)], 10)

    def test_reset_to_datetime_in_future_goes_to_end(self):
        self.make_group("g-date", "grp-date", consumed=2)
        self.run_ok("group", "reset-offsets", "grp-date", "--topic", "g-date:0", "--execute",
                    "--to-datetime", "2999-01-01T00:00:00Z")
        self.assertEqual(self.offsets("grp-date")[("g-date", 0)], 10)

    def test_reset_needs_a_target_and_a_mode(self):
        r = eddyctl(self.b, "group", "reset-offsets", "grp-x", "--topic", "t", "--dry-run")
        self.assertEqual(r.code, USAGE, r)
        r = eddyctl(self.b, "group", "reset-offsets", "grp-x", "--topic", "t", "--to-earliest")
        self.assertEqual(r.code, USAGE, r)
        r = eddyctl(self.b, "group", "reset-offsets", "grp-x", "--topic", "t", "--dry-run",
                    "--to-datetime", "yesterday")
        self.assertEqual(r.code, USAGE, r)

    def test_delete_offsets(self):
        self.make_group("g-deloff", "grp-deloff")
        self.run_ok("group", "delete-offsets", "grp-deloff", "--topic", "g-deloff")
        self.assertNotIn(("g-deloff", 0), self.offsets("grp-deloff"))

    def test_active_member_is_described_and_protected(self):
        self.make_group("g-live", "grp-live", consumed=4)
        consumer = Consumer({"bootstrap.servers": self.b, "group.id": "grp-live",
                             "client.id": "live-client", "enable.auto.commit": False})
        try:
            consumer.subscribe(["g-live"])
            deadline = time.monotonic() + 60
            while not consumer.assignment() and time.monotonic() < deadline:
                consumer.poll(0.2)
            self.assertEqual(len(consumer.assignment()), 2)
            d = self.describe("grp-live")
            self.assertEqual(d["state"], "Stable")
            self.assertEqual([m["client_id"] for m in d["members"]], ["live-client"])
            assigned = sorted((a["topic"], a["partition"]) for a in d["members"][0]["assignment"])
            self.assertEqual(assigned, [("g-live", 0), ("g-live", 1)])
            p0 = [o for o in d["offsets"] if o["partition"] == 0][0]
            self.assertEqual((p0["committed_offset"], p0["lag"]), (4, 6))
            self.assertEqual(p0["member_id"], d["members"][0]["member_id"])
            r = eddyctl(self.b, "group", "reset-offsets", "grp-live", "--topic", "g-live",
                        "--to-earliest", "--execute")
            self.assertEqual(r.code, ERROR, r)
            self.assertIn("stop its consumers", r.err)
            r = eddyctl(self.b, "group", "delete", "grp-live")
            self.assertEqual(r.code, ERROR, r)
            self.assertIn("NON_EMPTY_GROUP", r.err)
        finally:
            consumer.close()

    def test_delete_group(self):
        self.make_group("g-del", "grp-del")
        self.run_ok("group", "delete", "grp-del")
        groups = self.run_ok("group", "list", "--format", "json").json()
        self.assertNotIn("grp-del", [g["group"] for g in groups])
        r = eddyctl(self.b, "group", "delete", "grp-del")
        self.assertEqual(r.code, NOT_FOUND, r)


if __name__ == "__main__":
    unittest.main()
