"""Transactions do not exist in Eddy: a transactional producer must fail at init_transactions()
with a fatal error naming the reason, not retry FindCoordinator until its timeout (librdkafka,
through confluent-kafka). Kafka's Java client: tests/integration/java."""

import unittest

from confluent_kafka import KafkaError, KafkaException, Producer

from eddy_harness import Broker


class TransactionsUnsupported(unittest.TestCase):
    def test_init_transactions_fails_fatally_with_the_reason(self):
        with Broker() as b:
            p = Producer({"bootstrap.servers": b.bootstrap, "transactional.id": "txn-1"})
            with self.assertRaises(KafkaException) as cm:
                p.init_transactions(30)
            err = cm.exception.args[0]
            self.assertNotEqual(err.code(), KafkaError._TIMED_OUT, err.str())
            self.assertTrue(err.fatal(), err.str())
            self.assertEqual(err.code(), KafkaError.TRANSACTIONAL_ID_AUTHORIZATION_FAILED)
            self.assertIn("transactions are not supported", err.str())


if __name__ == "__main__":
    unittest.main()
