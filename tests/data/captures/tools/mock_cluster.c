/* A one-broker librdkafka mock cluster on 127.0.0.1 (rd_kafka_mock_cluster_new), the broker that
 * clients talk to while capture.py records their bytes. Prints the bootstrap address, then runs
 * until stdin is closed.
 *
 *   cc -O1 -o mock_cluster mock_cluster.c $(pkg-config --cflags --libs rdkafka)
 */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdio.h>

int main(void) {
  char errstr[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
  if (!rk) {
    fprintf(stderr, "rd_kafka_new: %s\n", errstr);
    return 1;
  }
  rd_kafka_mock_cluster_t *mcluster = rd_kafka_mock_cluster_new(rk, 1);
  if (!mcluster) {
    fprintf(stderr, "rd_kafka_mock_cluster_new failed\n");
    return 1;
  }
  rd_kafka_mock_topic_create(mcluster, "captures", 1, 1);
  printf("%s\n", rd_kafka_mock_cluster_bootstraps(mcluster));
  fflush(stdout);
  char buf[64];
  while (fread(buf, 1, sizeof(buf), stdin) > 0) {
  }
  rd_kafka_mock_cluster_destroy(mcluster);
  rd_kafka_destroy(rk);
  return 0;
}
