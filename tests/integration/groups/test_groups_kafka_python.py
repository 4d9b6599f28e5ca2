"""A kafka-python consumer group on eddyd, beside a confluent-kafka one."""

import unittest

from groups_support import Broker, Member, create_topic, produce, wait_for_assignments


class KafkaPythonGroupTest(unittest.TestCase):
    def test_kafka_python_members_share_partitions_and_consume_everything(self):
        with Broker() as broker:
            create_topic(broker.bootstrap, "kp", 4)
            produce(broker.bootstrap, "kp", 4, 5)
            members = [Member(broker.bootstrap, "kp-g", "kp", client="kafka-python",
                              session_ms=10000, print_records=True) for _ in range(2)]
            try:
                wait_for_assignments(members, [2, 2], timeout_s=120)
                values = set()
                for m in members:
                    m.pump(3)
                    values |= {e["value"] for e in m.history if e["event"] == "record"}
                self.assertEqual(len(values), 20)
            finally:
                for m in members:
                    m.kill()

    def test_kafka_python_and_confluent_groups_coexist(self):
        with Broker() as broker:
            create_topic(broker.bootstrap, "mix", 2)
            kp = Member(broker.bootstrap, "mix-kp", "mix", client="kafka-python", session_ms=10000)
            ck = Member(broker.bootstrap, "mix-ck", "mix", session_ms=10000)
            try:
                wait_for_assignments([kp], [2], timeout_s=120)
                wait_for_assignments([ck], [2], timeout_s=120)
            finally:
                kp.kill()
                ck.kill()


if __name__ == "__main__":
    unittest.main()
