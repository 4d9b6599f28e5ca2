// kafkajs 2.2.4 admin client against eddyd. Usage: node admin_test.js HOST:PORT
// Exits 0 when every check passes; prints the failing check and exits 1 otherwise.
'use strict';
const assert = require('assert');
const { Kafka, logLevel, ConfigResourceTypes } = require('kafkajs');

async function main() {
  const kafka = new Kafka({
    clientId: 'eddy-kafkajs-test',
    brokers: [process.argv[2]],
    logLevel: logLevel.NOTHING,
    retry: { retries: 3 },
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const created = await admin.createTopics({
      topics: [{ topic: 'js-topic', numPartitions: 3, replicationFactor: 1,
                 configEntries: [{ name: 'retention.ms', value: '7200000' }] }],
      waitForLeaders: true,
    });
    assert.strictEqual(created, true, 'createTopics reports creation');

    const again = await admin.createTopics({ topics: [{ topic: 'js-topic' }] });
    assert.strictEqual(again, false, 'createTopics of an existing topic reports false');

    const md = await admin.fetchTopicMetadata({ topics: ['js-topic'] });
    assert.strictEqual(md.topics[0].partitions.length, 3, 'three partitions');

    const cfg = await admin.describeConfigs({
      resources: [{ type: ConfigResourceTypes.TOPIC, name: 'js-topic',
                    configNames: ['retention.ms', 'cleanup.policy'] }],
      includeSynonyms: false,
    });
    const entries = Object.fromEntries(
        cfg.resources[0].configEntries.map((e) => [e.configName, e.configValue]));
    assert.strictEqual(entries['retention.ms'], '7200000', 'retention.ms override');
    assert.strictEqual(entries['cleanup.policy'], 'delete', 'cleanup.policy default');

    await admin.alterConfigs({
      resources: [{ type: ConfigResourceTypes.TOPIC, name: 'js-topic',
                    configEntries: [{ name: 'max.message.bytes', value: '2000000' }] }],
    });
    const cfg2 = await admin.describeConfigs({
      resources: [{ type: ConfigResourceTypes.TOPIC, name: 'js-topic',
                    configNames: ['max.message.bytes'] }],
      includeSynonyms: false,
    });
    assert.strictEqual(cfg2.resources[0].configEntries[0].configValue, '2000000', 'altered');

    await admin.createPartitions({ topicPartitions: [{ topic: 'js-topic', count: 5 }] });
    const md2 = await admin.fetchTopicMetadata({ topics: ['js-topic'] });
    assert.strictEqual(md2.topics[0].partitions.length, 5, 'grown to five partitions');

    const cluster = await admin.describeCluster();
    assert.strictEqual(cluster.brokers.length, 1, 'one broker');
    assert.strictEqual(cluster.controller, 1, 'controller is node 1');
    assert.ok(cluster.clusterId, 'cluster id present');

    await admin.deleteTopics({ topics: ['js-topic'] });
    const topics = await admin.listTopics();
    assert.ok(!topics.includes('js-topic'), 'topic deleted');

    let invalid = null;
    try {
      await admin.createTopics({ topics: [{ topic: 'bad name!' }] });
    } catch (e) {
      invalid = e;
    }
    assert.ok(invalid, 'an illegal topic name is refused');
  } finally {
    await admin.disconnect();
  }
}

main().then(() => {
  console.log('kafkajs admin: ok');
  process.exit(0);
}, (e) => {
  console.error('kafkajs admin: FAILED:', e && e.stack ? e.stack : e);
  process.exit(1);
});
