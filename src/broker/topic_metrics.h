#pragma once
// Kafka's per-topic broker metrics (kafka.server:type=BrokerTopicMetrics,topic=T), mapped as the
// Prometheus JMX exporter maps them (docs/metrics.md, "Topics"):
//   kafka_server_brokertopicmetrics_bytesin_total{topic}               appended by clients
//   kafka_server_brokertopicmetrics_messagesin_total{topic}
//   kafka_server_brokertopicmetrics_bytesout_total{topic}              fetched by consumers
//   kafka_server_brokertopicmetrics_replicationbytesout_total{topic}   fetched by followers
//   kafka_server_brokertopicmetrics_totalproducerequests_total{topic}  one per partition written
//   kafka_server_brokertopicmetrics_totalfetchrequests_total{topic}    one per partition read
//   kafka_server_brokertopicmetrics_failedproducerequests_total{topic}
//   kafka_server_brokertopicmetrics_failedfetchrequests_total{topic}
//
// topic_metrics() is on the produce and fetch paths: each thread keeps the topics it has seen in
// its own table, so after the first request of a topic a thread takes no lock for it.

#include <cstdint>
#include <string>

#include "metrics/metric.h"

namespace eddy::broker {

struct TopicMetrics {
  metrics::Counter* bytes_in = nullptr;
  metrics::Counter* messages_in = nullptr;
  metrics::Counter* bytes_out = nullptr;
  metrics::Counter* replication_bytes_out = nullptr;
  metrics::Counter* produce_requests = nullptr;
  metrics::Counter* fetch_requests = nullptr;
  metrics::Counter* failed_produce_requests = nullptr;
  metrics::Counter* failed_fetch_requests = nullptr;
};

// The metrics of `topic` (created on first use; never freed, so the reference stays valid).
const TopicMetrics& topic_metrics(const std::string& topic);
// A deleted topic's series leave the exposition (until the topic is written or read again).
void hide_topic_metrics(const std::string& topic);

}  // namespace eddy::broker
