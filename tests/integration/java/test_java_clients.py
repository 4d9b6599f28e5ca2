"""Kafka's Java client (kafka-clients 4.4.0) and command-line tools (kafka-tools 4.4.0) against
eddyd: ClientsJudge.java's "clients" and "tools" cases in one JVM (see that file)."""

import unittest

from eddy_harness import Broker
from kafka_java import run_judge

CLIENT_CASES = [
    "producer: idempotent, every codec; consumer: assign",
    "consumer: classic group of two, commit; admin: group offsets",
    "admin: topics",
    "admin: configs",
    "admin: describe cluster, authorized operations",
    "admin: describe log dirs",
    "admin: delete records, list offsets",
    "producer: transactions fail fast",
]

TOOL_CASES = [
    "kafka-topics --create/--list/--describe/--alter",
    "kafka-configs --describe/--alter (topics, brokers)",
    "kafka-console-producer and kafka-console-consumer",
    "kafka-consumer-groups --list/--describe/--reset-offsets",
    "kafka-get-offsets",
    "kafka-delete-records",
    "kafka-log-dirs --describe",
    "kafka-broker-api-versions",
    "kafka-topics --delete",
]


class JavaClientsAndTools(unittest.TestCase):
    def test_java_client_and_tools_against_eddyd(self):
        with Broker() as b:
            run_judge(self, b.bootstrap, ["clients", "tools"], CLIENT_CASES + TOOL_CASES, b.log)


if __name__ == "__main__":
    unittest.main()
