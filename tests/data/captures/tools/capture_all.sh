#!/bin/sh
# Regenerates every capture in tests/data/captures/ (see README.md there). Needs root (capture.py
# sniffs the loopback device), kcat, librdkafka-dev, Debian's python3-confluent-kafka and
# python3-kafka, and kafkajs from npm in $KAFKAJS_DIR (default /tmp/kafkajs-capture).
set -eu
tools=$(cd "$(dirname "$0")" && pwd)
out=$(dirname "$tools")
work=${WORK_DIR:-/tmp/eddy-captures}
mkdir -p "$work"
cc -O1 -o "$work/mock_cluster" "$tools/mock_cluster.c" $(pkg-config --cflags --libs rdkafka)
export MOCK_CLUSTER="$work/mock_cluster"
kjs=${KAFKAJS_DIR:-/tmp/kafkajs-capture}
if [ ! -d "$kjs/node_modules/kafkajs" ]; then
  mkdir -p "$kjs" && (cd "$kjs" && npm install --silent kafkajs@2.2.4)
fi
cap() { /usr/bin/python3 "$tools/capture.py" "$out/$1.cap" "$2" -- sh -c "$3"; }
rdk="librdkafka $(kcat -V 2>&1 | sed -n 's/.*librdkafka version \([^ ]*\).*/\1/p') (kcat)"

cap librdkafka_metadata "$rdk: kcat -L" 'kcat -b $BOOTSTRAP -L'
# Values long and repetitive enough that librdkafka keeps the compressed batch (it sends a batch
# uncompressed when compression would not make it smaller).
values=$(for k in 1 2 3; do printf 'k%s:%s\n' $k "$(printf 'value-%s-%.0s' $k $(seq 40))"; done)
for codec in none gzip snappy lz4 zstd; do
  cap librdkafka_produce_$codec "$rdk: kcat -P -z $codec" \
    "printf '%s\n' '$values' | kcat -b \$BOOTSTRAP -P -t captures -K: -z $codec"
done
cap librdkafka_consume "$rdk: kcat -P then kcat -C -o beginning -e" \
  "printf 'a\nb\n' | kcat -b \$BOOTSTRAP -P -t captures && kcat -b \$BOOTSTRAP -C -t captures -o beginning -e -q"
py=/usr/bin/python3
cap confluent_kafka_group "confluent-kafka $($py -c 'import confluent_kafka as c; print(c.version()[0], "librdkafka", c.libversion()[0])'): produce, consumer group, commit, close" \
  "$py $tools/python_clients.py confluent-group"
cap confluent_kafka_idempotent "confluent-kafka: idempotent producer, zstd" \
  "$py $tools/python_clients.py confluent-idempotent"
kp="kafka-python $($py -c 'import kafka; print(kafka.__version__)')"
cap kafka_python_produce_none "$kp: producer, no compression" "$py $tools/python_clients.py kafka-python-produce-none"
cap kafka_python_produce_gzip "$kp: producer, gzip" "$py $tools/python_clients.py kafka-python-produce-gzip"
cap kafka_python_group "$kp: producer, consumer group, commit" "$py $tools/python_clients.py kafka-python-group"
for s in produce-none produce-gzip group; do
  cap kafkajs_$(echo $s | tr - _) "kafkajs 2.2.4: $s" "NODE_PATH=$kjs/node_modules node $tools/kafkajs_client.js $s"
done
