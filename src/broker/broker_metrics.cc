#include "broker/broker_metrics.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <string>

#include "broker/group/group_service.h"
#include "broker/replica/replica_manager.h"
#include "log/log_cleaner.h"
#include "log/log_manager.h"
#include "metadata/metadata_service.h"
#include "metrics/cluster_metrics.h"

namespace eddy::broker {
namespace {

using metrics::Type;

// Above this many groups, per-group series (members, offsets, lag) are left out: a scrape must
// stay cheap, and the per-state counts still cover every group.
constexpr size_t kMaxGroupsWithSeries = 1000;

bool contains(const std::vector<int32_t>& v, int32_t x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

void collect_cleaner(metrics::Writer& w, const BrokerMetricsSources& s) {
  // The cleaner's view of each compacted log (log::cleanable_view: dirty bytes over cleanable
  // bytes, what min.cleanable.dirty.ratio is compared with), and Kafka's LogCleanerManager
  // max-dirty-percent over them: a walk of each log's segment list, no file read.
  const int64_t now = SystemClock::instance().wall_ms();
  double max_dirty = 0;
  std::vector<std::pair<metrics::LabelValues, double>> ratios;
  for (const TopicPartition& tp : s.replicas->partitions()) {
    auto p = s.replicas->get_partition(tp);
    if (!p || !p->log()->config().cleanup_compact) continue;
    double ratio = log::cleanable_view(*p->log(), now).dirty_ratio();
    max_dirty = std::max(max_dirty, ratio);
    ratios.push_back({{tp.topic, std::to_string(tp.partition)}, ratio});
  }
  w.family("eddy_log_cleaner_dirty_ratio",
           "A compacted log's dirty bytes over its cleanable bytes (what "
           "min.cleanable.dirty.ratio is compared with)",
           Type::kGauge, {"topic", "partition"});
  for (const auto& [labels, ratio] : ratios) w.sample(labels, ratio);
  w.family("kafka_log_logcleanermanager_max_dirty_percent",
           "The highest dirty ratio of the compacted logs, in percent (Kafka's max-dirty-percent)",
           Type::kGauge, {});
  w.sample({}, 100 * max_dirty);
  log::LogCleaner* cleaner = s.logs->cleaner();
  w.family("eddy_log_cleaner_threads", "Log cleaner threads running (log.cleaner.threads)",
           Type::kGauge, {});
  w.sample({}, cleaner != nullptr ? static_cast<double>(cleaner->running_threads()) : 0);
  // Kafka's LogCleanerManager uncleanable-partitions-count and uncleanable-bytes, per log dir.
  std::map<std::string, std::pair<double, double>> uncleanable;  // log dir -> count, bytes
  for (const std::string& dir : s.logs->options().log_dirs) uncleanable[dir] = {0, 0};
  if (cleaner != nullptr) {
    for (const auto& log : cleaner->uncleanable_logs()) {
      std::string dir = std::filesystem::path(log->dir()).parent_path().string();
      for (const auto& [d, v] : uncleanable) {
        if (log->dir().rfind(d, 0) == 0) dir = d;  // as log.dirs spells it
      }
      auto& [count, bytes] = uncleanable[dir];
      count += 1;
      bytes += static_cast<double>(log->size_bytes());
    }
  }
  w.family("kafka_log_logcleanermanager_uncleanable_partitions",
           "Compacted logs the cleaner skips until a restart: a pass failed on them for good "
           "(framing damage, a batch larger than the key map)",
           Type::kGauge, {"log_directory"});
  for (const auto& [dir, v] : uncleanable) w.sample({dir}, v.first);
  w.family("kafka_log_logcleanermanager_uncleanable_bytes", "The bytes of those logs", Type::kGauge,
           {"log_directory"});
  for (const auto& [dir, v] : uncleanable) w.sample({dir}, v.second);
}

}  // namespace

BrokerMetrics::BrokerMetrics(BrokerMetricsSources sources) : s_(sources) {
  auto& r = metrics::registry();
  handles_.push_back(r.add_collector([this](metrics::Writer& w) { collect_storage(w); }));
  handles_.push_back(r.add_collector([this](metrics::Writer& w) { collect_cluster(w); }));
  if (s_.groups != nullptr) {
    handles_.push_back(r.add_collector([this](metrics::Writer& w) { collect_groups(w); }));
  }
}

void BrokerMetrics::set_startup_seconds(double recovery_seconds, double startup_seconds) {
  recovery_seconds_ = recovery_seconds;
  startup_seconds_ = startup_seconds;
}

void BrokerMetrics::collect_storage(metrics::Writer& w) const {
  struct Row {
    metrics::LabelValues labels;
    double size, segments, start, end, hw;
  };
  std::vector<Row> rows;
  for (const TopicPartition& tp : s_.replicas->partitions()) {
    auto p = s_.replicas->get_partition(tp);
    if (!p) continue;
    const auto& log = p->log();
    rows.push_back({{tp.topic, std::to_string(tp.partition)},
                    static_cast<double>(log->size_bytes()),
                    static_cast<double>(log->segment_count()),
                    static_cast<double>(log->log_start_offset().value()),
                    static_cast<double>(log->log_end_offset().value()),
                    static_cast<double>(p->high_watermark().value())});
  }
  const std::vector<std::string> labels = {"topic", "partition"};
  auto family = [&](const char* name, const char* help, double Row::*field) {
    w.family(name, help, Type::kGauge, labels);
    for (const Row& row : rows) w.sample(row.labels, row.*field);
  };
  family("kafka_log_log_size", "Bytes of a partition's log on disk (Kafka's Log Size)", &Row::size);
  family("kafka_log_log_numlogsegments", "Segments of a partition's log (Kafka's NumLogSegments)",
         &Row::segments);
  family("kafka_log_log_logstartoffset", "A partition's log start offset", &Row::start);
  family("kafka_log_log_logendoffset", "A partition's log end offset", &Row::end);
  family("eddy_partition_high_watermark", "A partition's high watermark", &Row::hw);

  collect_cleaner(w, s_);

  auto& budget = s_.logs->file_budget();
  w.family("eddy_log_open_segment_files", "Segment files open now", Type::kGauge, {});
  w.sample({}, static_cast<double>(budget.open_count()));
  w.family("eddy_log_segment_files_max",
           "Segment files that may be open at once (from the open-file limit)", Type::kGauge, {});
  w.sample({}, static_cast<double>(budget.max_open()));
  w.family("eddy_log_recovery_seconds",
           "Time start-up took to open and recover every partition log", Type::kGauge, {});
  w.sample({}, recovery_seconds_.load());
  w.family("eddy_broker_startup_seconds",
           "Time from the start of start-up to serving (logs, metadata, partitions)", Type::kGauge,
           {});
  w.sample({}, startup_seconds_.load());
}

void BrokerMetrics::collect_cluster(metrics::Writer& w) const {
  auto image = s_.metadata->image();
  const int32_t self = s_.node_id;
  double leaders = 0, replicas = 0, under_replicated = 0, under_min_isr = 0, at_min_isr = 0;
  double offline = 0, global_partitions = 0;
  // Kafka's kafka.cluster:type=Partition gauges, one series per partition with a replica here;
  // as in Kafka, only the leader reports non-zero values (a follower's view of the ISR is the
  // leader's business).
  struct Row {
    metrics::LabelValues labels;
    double under_replicated = 0, under_min_isr = 0, at_min_isr = 0, replicas = 0, isr = 0;
  };
  std::vector<Row> rows;
  for (const auto& [name, topic] : image->topics()) {
    for (const auto& p : topic->partitions) {
      ++global_partitions;
      if (p.leader == metadata::kNoLeader) ++offline;
      if (!contains(p.replicas, self)) continue;
      ++replicas;
      Row& row = rows.emplace_back(Row{{name, std::to_string(p.partition)}});
      if (p.leader != self) continue;
      ++leaders;
      // Kafka's replication factor during a reassignment leaves out the replicas being added.
      size_t factor = p.replicas.size() - std::min(p.adding_replicas.size(), p.replicas.size());
      row.replicas = static_cast<double>(factor);
      row.isr = static_cast<double>(p.isr.size());
      if (p.isr.size() < factor) row.under_replicated = 1;
      auto part = s_.replicas->get_partition({name, p.partition});
      if (part) {
        const auto min_isr = static_cast<size_t>(std::max(part->settings().min_insync_replicas, 1));
        if (p.isr.size() < min_isr) row.under_min_isr = 1;
        if (p.isr.size() == min_isr) row.at_min_isr = 1;
      }
      under_replicated += row.under_replicated;
      under_min_isr += row.under_min_isr;
      at_min_isr += row.at_min_isr;
    }
  }
  const std::vector<std::string> labels = {"topic", "partition"};
  auto per_partition = [&](const char* name, const char* help, double Row::*field) {
    w.family(name, help, Type::kGauge, labels);
    for (const Row& row : rows) w.sample(row.labels, row.*field);
  };
  per_partition("kafka_cluster_partition_underreplicated",
                "1 if this broker leads the partition and its ISR is smaller than its replica "
                "set (Kafka's Partition UnderReplicated)",
                &Row::under_replicated);
  per_partition("kafka_cluster_partition_underminisr",
                "1 if this broker leads the partition and its ISR is smaller than "
                "min.insync.replicas (Kafka's Partition UnderMinIsr)",
                &Row::under_min_isr);
  per_partition("kafka_cluster_partition_atminisr",
                "1 if this broker leads the partition and its ISR is exactly min.insync.replicas "
                "(Kafka's Partition AtMinIsr)",
                &Row::at_min_isr);
  per_partition("kafka_cluster_partition_replicascount",
                "Replicas of the partition, reported by its leader (Kafka's Partition "
                "ReplicasCount)",
                &Row::replicas);
  per_partition("kafka_cluster_partition_insyncreplicascount",
                "In-sync replicas of the partition, reported by its leader (Kafka's Partition "
                "InSyncReplicasCount)",
                &Row::isr);

  auto gauge = [&](const char* name, const char* help, double v) {
    w.family(name, help, Type::kGauge, {});
    w.sample({}, v);
  };
  gauge("kafka_server_replicamanager_leadercount", "Partitions this broker leads", leaders);
  gauge("kafka_server_replicamanager_partitioncount", "Partitions with a replica on this broker",
        replicas);
  gauge("kafka_server_replicamanager_underreplicatedpartitions",
        "Partitions led here whose ISR is smaller than their replica set", under_replicated);
  gauge("kafka_server_replicamanager_underminisrpartitioncount",
        "Partitions led here whose ISR is smaller than min.insync.replicas", under_min_isr);
  gauge("kafka_server_replicamanager_atminisrpartitioncount",
        "Partitions led here whose ISR is exactly min.insync.replicas (one more loss refuses "
        "acks=all)",
        at_min_isr);
  gauge("kafka_server_replicamanager_offlinereplicacount",
        "Replicas on this broker that are offline (log not openable, or damaged offsets)",
        static_cast<double>(s_.replicas->offline_partitions().size()));
  const bool active = s_.metadata->is_active_controller();
  gauge("kafka_controller_kafkacontroller_activecontrollercount",
        "1 on the active controller, 0 elsewhere", active ? 1 : 0);
  gauge("kafka_controller_kafkacontroller_offlinepartitionscount",
        "Partitions without a leader (reported by the active controller)", active ? offline : 0);
  gauge("kafka_controller_kafkacontroller_globaltopiccount",
        "Topics in the cluster (reported by the active controller)",
        active ? static_cast<double>(image->topics().size()) : 0);
  gauge("kafka_controller_kafkacontroller_globalpartitioncount",
        "Partitions in the cluster (reported by the active controller)",
        active ? global_partitions : 0);
  gauge("kafka_server_broker_metadata_metrics_last_applied_record_offset",
        "Offset of the last metadata log entry this node applied",
        static_cast<double>(image->last_offset()));
  gauge("kafka_server_kafkaserver_brokerstate",
        "Kafka's BrokerState: 1 starting, 2 recovery, 3 running, 7 shutting down",
        s_.broker_state != nullptr ? s_.broker_state->load() : 0);
}

void BrokerMetrics::collect_groups(metrics::Writer& w) const {
  group::GroupCoordinator& c = s_.groups->coordinator();
  auto [error, groups] = c.list_groups({});
  (void)error;  // groups still loading are left out until loaded
  std::map<std::string, double> by_state = {{"Empty", 0},
                                            {"PreparingRebalance", 0},
                                            {"CompletingRebalance", 0},
                                            {"Stable", 0},
                                            {"Dead", 0}};
  for (const auto& g : groups) by_state[g.state] += 1;
  w.family("kafka_coordinator_group_groupmetadatamanager_numgroups",
           "Consumer groups this broker coordinates, by state (Kafka's NumGroups<State>)",
           Type::kGauge, {"state"});
  for (const auto& [state, n] : by_state) w.sample({state}, n);
  if (groups.size() > kMaxGroupsWithSeries) return;

  w.family("eddy_group_members", "Members of a consumer group", Type::kGauge, {"group"});
  for (const auto& g : groups) {
    w.sample({g.group_id}, static_cast<double>(c.describe_group(g.group_id).members.size()));
  }
  struct Lag {
    metrics::LabelValues labels;
    double offset, lag;
  };
  std::vector<Lag> lags;
  for (const auto& g : groups) {
    auto offsets = c.fetch_offsets(g.group_id, std::nullopt);
    for (const auto& o : offsets.partitions) {
      if (o.offset < 0) continue;
      auto p = s_.replicas->get_partition({o.tp.topic, o.tp.partition});
      if (!p) continue;  // led elsewhere: that broker reports its lag
      double lag =
          static_cast<double>(std::max<int64_t>(p->high_watermark().value() - o.offset, 0));
      lags.push_back(
          {{g.group_id, o.tp.topic, std::to_string(o.tp.partition)}, double(o.offset), lag});
    }
  }
  const std::vector<std::string> labels = {"consumergroup", "topic", "partition"};
  w.family("kafka_consumergroup_current_offset", "A group's committed offset of a partition",
           Type::kGauge, labels);
  for (const auto& l : lags) w.sample(l.labels, l.offset);
  w.family("kafka_consumergroup_lag",
           "Records between a group's committed offset and the partition's high watermark",
           Type::kGauge, labels);
  for (const auto& l : lags) w.sample(l.labels, l.lag);
}

void count_partition_changes(const metadata::MetadataImage& before,
                             const metadata::MetadataImage& after, int32_t self,
                             bool active_controller) {
  auto& m = metrics::replication_metrics();
  for (const auto& [name, topic] : after.topics()) {
    const metadata::TopicImage* old = before.topic(name);
    if (old == topic.get() || old == nullptr || old->id != topic->id) continue;
    for (const auto& p : topic->partitions) {
      if (static_cast<size_t>(p.partition) >= old->partitions.size()) continue;
      const metadata::PartitionState& prev = old->partitions[p.partition];
      if (p.leader == self && prev.leader == self) {
        if (p.isr.size() < prev.isr.size()) m.isr_shrinks.inc();
        if (p.isr.size() > prev.isr.size()) m.isr_expands.inc();
      }
      if (active_controller && p.leader != prev.leader && p.leader != metadata::kNoLeader) {
        m.leader_elections.inc();
        if (!contains(prev.isr, p.leader)) m.unclean_leader_elections.inc();
      }
    }
  }
}

}  // namespace eddy::broker
