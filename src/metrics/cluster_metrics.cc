#include "metrics/cluster_metrics.h"

namespace eddy::metrics {

ReplicationMetrics& replication_metrics() {
  static ReplicationMetrics* m = [] {
    Registry& r = registry();
    return new ReplicationMetrics{
        r.counter("kafka_server_replicamanager_isrshrinks_total",
                  "Times the ISR of a partition led by this broker shrank (Kafka's "
                  "IsrShrinksPerSec)")
            .labels(),
        r.counter("kafka_server_replicamanager_isrexpands_total",
                  "Times the ISR of a partition led by this broker grew (Kafka's IsrExpandsPerSec)")
            .labels(),
        r.counter("kafka_controller_controllerstats_leaderelections_total",
                  "Partition leaders chosen by this node as the active controller (Kafka's "
                  "LeaderElectionRateAndTimeMs count)")
            .labels(),
        r.counter("kafka_controller_controllerstats_uncleanleaderelections_total",
                  "Leaders chosen outside the ISR by this node as the active controller (Kafka's "
                  "UncleanLeaderElectionsPerSec)")
            .labels(),
        r.counter("kafka_server_brokertopicmetrics_replicationbytesin_total",
                  "Record bytes fetched from leaders as a follower, by topic (Kafka's "
                  "ReplicationBytesInPerSec)",
                  {"topic"}),
        r.gauge("kafka_server_fetcherlagmetrics_consumerlag",
                "Records this follower is behind the leader's log end, by partition (Kafka's "
                "FetcherLagMetrics ConsumerLag)",
                {"topic", "partition"}),
    };
  }();
  return *m;
}

}  // namespace eddy::metrics
