"""kafkajs 2.2.4 producer and consumer against eddyd (tests/integration/node/data_test.js):
keys, headers, null values, gzip, ordering, ListOffsets and DeleteRecords."""

import subprocess
import unittest

from eddy_harness import Broker
from test_kafkajs_admin import NODE_DIR, ensure_kafkajs


class KafkajsData(unittest.TestCase):
    def test_produce_consume_offsets_and_delete_records(self):
        ensure_kafkajs()
        with Broker(overrides={"auto.create.topics.enable": "true"}) as b:
            p = subprocess.run(["node", "data_test.js", b.bootstrap], cwd=NODE_DIR,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=180)
            out = p.stdout.decode("utf-8", "replace")
            self.assertEqual(p.returncode, 0, out + "\n--- eddyd log ---\n" + b.log()[-5000:])
            self.assertIn("kafkajs data: ok", out)


if __name__ == "__main__":
    unittest.main()
