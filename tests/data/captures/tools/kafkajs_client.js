// Client scenarios for capture.py with kafkajs (npm install kafkajs@2.2.4 in a scratch dir and
// run with NODE_PATH pointing at its node_modules). Usage: node kafkajs_client.js SCENARIO
const { Kafka, CompressionTypes, logLevel } = require('kafkajs');

const kafka = new Kafka({ clientId: 'capture', brokers: [process.env.BOOTSTRAP],
                          logLevel: logLevel.NOTHING });
const topic = 'captures';

async function produce(compression) {
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic, compression,
                        messages: [{ key: 'k0', value: 'value-0' }, { key: 'k1', value: 'value-1' }] });
  await producer.disconnect();
}

async function group() {
  await produce(CompressionTypes.None);
  const consumer = kafka.consumer({ groupId: 'capture-group' });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let got = 0;
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`consumed ${got} of 2`)), 30000);
    consumer.run({ eachMessage: async () => {
      got += 1;
      if (got === 2) { clearTimeout(timer); resolve(); }
    } });
  });
  await consumer.disconnect();
}

const scenarios = {
  'produce-none': () => produce(CompressionTypes.None),
  'produce-gzip': () => produce(CompressionTypes.GZIP),
  'group': group,
};

scenarios[process.argv[2]]().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
