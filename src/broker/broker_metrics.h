#pragma once
// The broker's scrape-time metrics: state that lives in the partitions, the metadata image and
// the group coordinator is read when Prometheus scrapes, not copied into gauges as it changes
// (docs/metrics.md). The families, Kafka's JMX names as the Prometheus JMX exporter maps them:
//   storage   kafka_log_log_size, _numlogsegments, _logstartoffset, _logendoffset and
//             eddy_partition_high_watermark {topic,partition}; eddy_log_open_segment_files and
//             eddy_log_segment_files_max (the file-handle budget)
//   replicas  kafka_server_replicamanager_leadercount, _partitioncount,
//             _underreplicatedpartitions, _underminisrpartitioncount, _atminisrpartitioncount,
//             _offlinereplicacount; per partition kafka_cluster_partition_underreplicated,
//             _underminisr, _atminisr, _replicascount, _insyncreplicascount {topic,partition}
//   cluster   kafka_controller_kafkacontroller_activecontrollercount, _offlinepartitionscount,
//             _globaltopiccount, _globalpartitioncount (non-zero on the active controller only, as
//             in Kafka); kafka_server_broker_metadata_metrics_last_applied_record_offset;
//             kafka_server_kafkaserver_brokerstate
//   groups    kafka_coordinator_group_groupmetadatamanager_numgroups{state},
//             eddy_group_members{group}, kafka_consumergroup_current_offset and
//             kafka_consumergroup_lag {consumergroup,topic,partition} (kafka_exporter's names)
// plus the start-up figures eddy_log_recovery_seconds and eddy_broker_startup_seconds.

#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

#include "metrics/registry.h"

namespace eddy::log {
class LogManager;
}
namespace eddy::metadata {
class MetadataService;
class MetadataImage;
}  // namespace eddy::metadata
namespace eddy::group {
class GroupService;
}

namespace eddy::broker {

class ReplicaManager;

// Kafka's BrokerState values (kafka.server:type=KafkaServer,name=BrokerState).
enum class BrokerState : int {
  kNotRunning = 0,
  kStarting = 1,
  kRecovery = 2,
  kRunning = 3,
  kShuttingDown = 7,
};

struct BrokerMetricsSources {
  int32_t node_id = 0;
  const ReplicaManager* replicas = nullptr;
  log::LogManager* logs = nullptr;
  const metadata::MetadataService* metadata = nullptr;
  group::GroupService* groups = nullptr;  // may be null
  const std::atomic<int>* broker_state = nullptr;
};

// Registers the collectors; they stop when this is destroyed (before the sources go).
class BrokerMetrics {
 public:
  explicit BrokerMetrics(BrokerMetricsSources sources);
  // The start-up figures: opening (and recovering) the logs, and the whole start.
  void set_startup_seconds(double recovery_seconds, double startup_seconds);

 private:
  void collect_storage(metrics::Writer& w) const;
  void collect_cluster(metrics::Writer& w) const;
  void collect_groups(metrics::Writer& w) const;

  BrokerMetricsSources s_;
  std::atomic<double> recovery_seconds_{0};
  std::atomic<double> startup_seconds_{0};
  std::vector<metrics::Registry::CollectorHandle> handles_;
};

// Counts the ISR changes and leader elections a metadata change made (cluster_metrics.h): ISR
// shrinks and expands of partitions this node leads, and, on the active controller, every new
// leader (unclean when outside the previous ISR).
void count_partition_changes(const metadata::MetadataImage& before,
                             const metadata::MetadataImage& after, int32_t self,
                             bool active_controller);

}  // namespace eddy::broker
