#pragma once
// Metrics of the replication and the controller that their code updates where the event happens
// (one call each; docs/metrics.md, "Cluster"). Gauges of state that lives in the metadata image
// or the partitions (under-replicated, offline, leader count, ...) are computed at scrape time by
// the broker's collector instead.
//
//   kafka_server_replicamanager_isrshrinks_total       the ISR of a partition led here shrank
//   kafka_server_replicamanager_isrexpands_total       ... grew
//   kafka_server_brokertopicmetrics_replicationbytesin_total{topic}   fetched as a follower
//   kafka_server_fetcherlagmetrics_consumerlag{topic,partition}       a follower's lag, in records
//   kafka_controller_controllerstats_leaderelections_total            leaders the controller chose
//   kafka_controller_controllerstats_uncleanleaderelections_total     ... outside the ISR

#include <cstdint>
#include <string>

#include "metrics/registry.h"

namespace eddy::metrics {

struct ReplicationMetrics {
  Counter& isr_shrinks;
  Counter& isr_expands;
  Counter& leader_elections;
  Counter& unclean_leader_elections;
  Family<Counter>& replication_bytes_in;  // {topic}
  Family<Gauge>& follower_lag;            // {topic, partition}
};

ReplicationMetrics& replication_metrics();

}  // namespace eddy::metrics
