"""kcat (librdkafka) lists the broker and its topics."""

import subprocess
import unittest

from eddy_harness import Broker


def kcat(*args, timeout_s=60):
    p = subprocess.run(["kcat"] + list(args), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=timeout_s)
    return p.returncode, p.stdout.decode("utf-8", "replace")


class Kcat(unittest.TestCase):
    def test_metadata_list_shows_broker_and_auto_created_topic(self):
        with Broker(overrides={"num.partitions": "3"}) as b:
            rc, out = kcat("-b", b.bootstrap, "-L", "-t", "kcat-topic", "-m", "30")
            self.assertEqual(rc, 0, out)
            self.assertIn("1 brokers:", out)
            self.assertIn("broker 1 at 127.0.0.1:%d" % b.port, out)
            self.assertIn('topic "kcat-topic" with 3 partitions', out)

    def test_metadata_list_json_counts_partitions(self):
        import json
        with Broker() as b:
            rc, out = kcat("-b", b.bootstrap, "-L", "-t", "json-topic", "-J", "-m", "30")
            self.assertEqual(rc, 0, out)
            meta = json.loads(out.strip().splitlines()[-1])
            topics = {t["topic"]: t for t in meta["topics"]}
            self.assertIn("json-topic", topics)
            self.assertEqual(len(topics["json-topic"]["partitions"]), 1)
            self.assertEqual(topics["json-topic"]["partitions"][0]["leader"], 1)


if __name__ == "__main__":
    unittest.main()
