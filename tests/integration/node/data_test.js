// kafkajs 2.2.4 producer, consumer and offset admin calls against eddyd: keys, headers, null
// values, gzip, ordering, ListOffsets (latest and by time) and DeleteRecords.
// Usage: node data_test.js HOST:PORT. Exits 0 when every check passes, 1 otherwise.
'use strict';
const assert = require('assert');
const { Kafka, logLevel, CompressionTypes } = require('kafkajs');

const COUNT = 200;

async function main() {
  const kafka = new Kafka({
    clientId: 'eddy-kafkajs-data',
    brokers: [process.argv[2]],
    logLevel: logLevel.NOTHING,
    retry: { retries: 5 },
  });
  const topic = 'js-data-' + Date.now();
  const admin = kafka.admin();
  await admin.connect();
  const producer = kafka.producer({ allowAutoTopicCreation: true });
  await producer.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    const start = Date.now() - 60000;
    const messages = [];
    for (let i = 0; i < COUNT; i++) {
      messages.push({
        key: 'k' + i,
        value: i === 7 ? null : 'v' + i,
        headers: { h: 'x' + i },
        timestamp: String(start + i * 100),
      });
    }
    const acks = await producer.send({ topic, messages: messages.slice(0, 100), acks: -1 });
    assert.strictEqual(acks[0].errorCode, 0, 'acks=all produce');
    await producer.send({ topic, messages: messages.slice(100), acks: 1,
                          compression: CompressionTypes.GZIP });

    // acks=1 answers once the leader has the records; under the default sync flush policy the
    // high watermark covers them after the fsync that follows, so wait (bounded) for it.
    let offsets = await admin.fetchTopicOffsets(topic);
    for (let i = 0; i < 100 && offsets[0].high !== String(COUNT); i++) {
      await new Promise((r) => setTimeout(r, 50));
      offsets = await admin.fetchTopicOffsets(topic);
    }
    assert.strictEqual(offsets[0].high, String(COUNT), 'high watermark');
    assert.strictEqual(offsets[0].low, '0', 'low watermark');
    const byTime = await admin.fetchTopicOffsetsByTimestamp(topic, start + 150 * 100);
    assert.strictEqual(byTime[0].offset, '150', 'offset for a timestamp');

    const consumer = kafka.consumer({ groupId: 'js-data-group-' + Date.now() });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const got = [];
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('consumed ' + got.length)), 60000);
      consumer.run({
        eachMessage: async ({ message }) => {
          got.push(message);
          if (got.length === COUNT) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    await consumer.disconnect();
    for (let i = 0; i < COUNT; i++) {
      assert.strictEqual(got[i].offset, String(i), 'offset order');
      assert.strictEqual(got[i].key.toString(), 'k' + i, 'key');
      if (i === 7) assert.strictEqual(got[i].value, null, 'null value');
      else assert.strictEqual(got[i].value.toString(), 'v' + i, 'value');
      assert.strictEqual(got[i].headers.h.toString(), 'x' + i, 'header');
    }

    await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '50' }] });
    const after = await admin.fetchTopicOffsets(topic);
    assert.strictEqual(after[0].low, '50', 'low watermark after DeleteRecords');
    console.log('kafkajs data: ok');
  } finally {
    await producer.disconnect();
    await admin.disconnect();
  }
}

main().catch((e) => {
  console.error('kafkajs data: FAILED:', e && e.stack ? e.stack : e);
  process.exit(1);
});
