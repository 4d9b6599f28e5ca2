#include "broker/topic_metrics.h"

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "metrics/registry.h"

namespace eddy::broker {
namespace {

struct Families {
  metrics::Family<metrics::Counter>& counter(const char* name, const char* help) {
    return metrics::registry().counter(name, help, {"topic"});
  }
  metrics::Family<metrics::Counter>& bytes_in =
      counter("kafka_server_brokertopicmetrics_bytesin_total",
              "Record bytes appended by clients, by topic (Kafka's BytesInPerSec)");
  metrics::Family<metrics::Counter>& messages_in =
      counter("kafka_server_brokertopicmetrics_messagesin_total",
              "Records appended by clients, by topic (Kafka's MessagesInPerSec)");
  metrics::Family<metrics::Counter>& bytes_out =
      counter("kafka_server_brokertopicmetrics_bytesout_total",
              "Record bytes sent to consumers, by topic (Kafka's BytesOutPerSec)");
  metrics::Family<metrics::Counter>& replication_bytes_out =
      counter("kafka_server_brokertopicmetrics_replicationbytesout_total",
              "Record bytes sent to follower brokers, by topic (Kafka's "
              "ReplicationBytesOutPerSec)");
  metrics::Family<metrics::Counter>& produce_requests = counter(
      "kafka_server_brokertopicmetrics_totalproducerequests_total",
      "Partition writes of Produce requests, by topic (Kafka's TotalProduceRequestsPerSec)");
  metrics::Family<metrics::Counter>& fetch_requests =
      counter("kafka_server_brokertopicmetrics_totalfetchrequests_total",
              "Partition reads of Fetch requests, by topic (Kafka's TotalFetchRequestsPerSec)");
  metrics::Family<metrics::Counter>& failed_produce_requests =
      counter("kafka_server_brokertopicmetrics_failedproducerequests_total",
              "Partition writes answered with an error, by topic (Kafka's "
              "FailedProduceRequestsPerSec)");
  metrics::Family<metrics::Counter>& failed_fetch_requests =
      counter("kafka_server_brokertopicmetrics_failedfetchrequests_total",
              "Partition reads answered with an error, by topic (Kafka's "
              "FailedFetchRequestsPerSec)");
};

Families& families() {
  static Families* f = new Families();
  return *f;
}

std::mutex mu;
// Bumped when a topic's series are hidden: the threads' tables are then dropped, so the next
// request of a re-created topic shows its series again (create() asks the families afresh).
std::atomic<uint64_t> generation{0};
// Every topic's metrics, shared by the threads' tables; never shrinks (see the header).
std::map<std::string, std::unique_ptr<TopicMetrics>>& all_topics() {
  static auto* m = new std::map<std::string, std::unique_ptr<TopicMetrics>>();
  return *m;
}

const TopicMetrics& create(const std::string& topic) {
  Families& f = families();
  std::lock_guard lock(mu);
  auto& slot = all_topics()[topic];
  {
    auto m = std::make_unique<TopicMetrics>();
    m->bytes_in = &f.bytes_in.labels({topic});
    m->messages_in = &f.messages_in.labels({topic});
    m->bytes_out = &f.bytes_out.labels({topic});
    m->replication_bytes_out = &f.replication_bytes_out.labels({topic});
    m->produce_requests = &f.produce_requests.labels({topic});
    m->fetch_requests = &f.fetch_requests.labels({topic});
    m->failed_produce_requests = &f.failed_produce_requests.labels({topic});
    m->failed_fetch_requests = &f.failed_fetch_requests.labels({topic});
    if (slot == nullptr) {
      slot = std::move(m);  // labels() returned the same children: the old one stays valid
    }
  }
  return *slot;
}

}  // namespace

const TopicMetrics& topic_metrics(const std::string& topic) {
  thread_local std::unordered_map<std::string, const TopicMetrics*> seen;
  thread_local uint64_t seen_generation = 0;
  if (uint64_t g = generation.load(std::memory_order_relaxed); g != seen_generation) {
    seen.clear();
    seen_generation = g;
  }
  auto it = seen.find(topic);
  if (it != seen.end()) return *it->second;
  const TopicMetrics& m = create(topic);
  seen.emplace(topic, &m);
  return m;
}

void hide_topic_metrics(const std::string& topic) {
  Families& f = families();
  for (auto* family :
       {&f.bytes_in, &f.messages_in, &f.bytes_out, &f.replication_bytes_out, &f.produce_requests,
        &f.fetch_requests, &f.failed_produce_requests, &f.failed_fetch_requests}) {
    family->remove({topic});
  }
  generation.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace eddy::broker
