#include "broker/broker.h"

#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <set>

#include "broker/group/group_service.h"
#include "broker/meta_properties.h"
#include "broker/replica/replica_manager.h"

namespace eddy::broker {
namespace {

// The metadata log's directory inside metadata.log.dir. Not "<topic>-<partition>"-shaped, so
// the LogManager never mistakes it for a partition.
constexpr const char* kMetadataDirName = "__cluster_metadata";

std::string local_host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof(buf) - 1) != 0 || buf[0] == '\0') return "localhost";
  return buf;
}

}  // namespace

Broker::Broker(BrokerConfig config) : config_(std::move(config)) {}

Broker::~Broker() { (void)shutdown(); }

Result<std::unique_ptr<Broker>> Broker::open(BrokerConfig config) {
  std::unique_ptr<Broker> b(new Broker(std::move(config)));
  std::vector<std::string> dirs = b->config_.log_dirs();
  dirs.push_back(b->config_.metadata_log_dir());
  EDDY_ASSIGN_OR_RETURN(b->dir_lock_, DataDirLock::acquire(dirs));
  EDDY_RETURN_IF_ERROR(b->bind_listeners());
  EDDY_RETURN_IF_ERROR(b->open_components());
  return b;
}

Status Broker::bind_listeners() {
  std::vector<ListenAddress> addrs;
  for (const auto& l : config_.listeners()) addrs.push_back({l.host, l.port});
  ConnectionOptions co;
  co.max_frame_bytes = static_cast<int32_t>(config_.get_long("socket.request.max.bytes"));
  co.max_inflight = static_cast<size_t>(config_.get_long("connection.max.inflight.requests"));
  co.idle_timeout_ms = config_.get_long("connections.max.idle.ms");
  server_ = std::make_unique<Server>(registry_, co, config_.io_threads());
  return server_->listen(addrs);
}

Status Broker::open_components() {
  auto start = std::chrono::steady_clock::now();
  int32_t node_id = config_.node_id();
  EDDY_ASSIGN_OR_RETURN(MetaProperties meta, ensure_meta_properties(config_.log_dirs(), node_id));
  spdlog::info("node {} of cluster {}", node_id, meta.cluster_id);

  log::LogManagerOptions lo;
  lo.log_dirs = config_.log_dirs();
  lo.retention_check_interval_ms = config_.get_long("log.retention.check.interval.ms");
  lo.scrubber.enable = config_.get_bool("log.scrubber.enable");
  lo.scrubber.bytes_per_second =
      static_cast<uint64_t>(config_.get_long("log.scrubber.io.max.bytes.per.second"));
  lo.on_damage = [](const log::TopicPartition& tp, const log::DamagedRange& d) {
    spdlog::error(
        "partition {}-{}: damaged records at offsets [{}, {}) in {} ({}); not served, fetches "
        "of them answer CORRUPT_MESSAGE. Consumers must seek past offset {}; restore the "
        "partition from a replica or a backup (docs/storage.md, \"Damage and quarantine\")",
        tp.topic, tp.partition, d.from.value(), d.to.value(), d.segment, d.why, d.to.value());
  };
  if (rlimit lim{}; ::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY) {
    lo.max_open_files = log::FileHandleBudget::for_open_file_limit(lim.rlim_cur);
    spdlog::info("segment files open at once: at most {} (open-file limit {})", lo.max_open_files,
                 lim.rlim_cur);
  }
  lo.on_recovery = [](const log::TopicPartition& tp, const log::RecoveryReport& r) {
    if (!r.quarantine_dir.empty()) {
      spdlog::error(
          "partition {}-{}: damage in a closed segment ({}); the damaged segment and {} later "
          "segment(s) are kept in {}, offsets [{}, {}) are offline (fetches answer "
          "CORRUPT_MESSAGE, produce KAFKA_STORAGE_ERROR) so that they are never reused. Restore "
          "the partition from a replica or a backup, or accept the loss (docs/storage.md, "
          "\"Damage and quarantine\")",
          tp.topic, tp.partition, r.reason, r.segments_quarantined, r.quarantine_dir,
          r.damaged_from.value(), r.damaged_to.value());
    } else if (r.damaged_from.value() >= 0) {
      spdlog::error(
          "partition {}-{}: offsets [{}, {}) are recorded damaged (partition.damage) and stay "
          "offline: fetches of them answer CORRUPT_MESSAGE (docs/storage.md, \"Damage and "
          "quarantine\")",
          tp.topic, tp.partition, r.damaged_from.value(), r.damaged_to.value());
    } else if (r.truncated) {
      spdlog::warn("recovered {}-{}: truncated at offset {} ({})", tp.topic, tp.partition,
                   r.truncated_at.value(), r.reason);
    } else if (!r.clean_shutdown) {
      spdlog::info("recovered {}-{} after an unclean shutdown: {} batches", tp.topic, tp.partition,
                   r.batches_recovered);
    }
    if (r.preallocated_bytes_trimmed > 0) {
      spdlog::debug("recovered {}-{}: cut {} bytes of preallocated zeros", tp.topic, tp.partition,
                    r.preallocated_bytes_trimmed);
    }
  };
  lo.on_background_error = [](const log::TopicPartition& tp, const Status& s) {
    spdlog::error("log {}-{}: {}", tp.topic, tp.partition, s.to_string());
  };
  EDDY_ASSIGN_OR_RETURN(logs_, log::LogManager::open(std::move(lo)));

  metadata::MetadataStore::Options mo;
  mo.dir = config_.metadata_log_dir() + "/" + kMetadataDirName;
  mo.snapshot_bytes =
      static_cast<uint64_t>(config_.get_long("metadata.log.max.record.bytes.between.snapshots"));
  EDDY_ASSIGN_OR_RETURN(metadata_, metadata::MetadataStore::open(mo));
  if (metadata_->recovered_torn_tail()) {
    spdlog::warn("metadata log had a torn tail (unacknowledged); truncated");
  }

  metadata::ControllerDefaults defaults;
  defaults.num_partitions = static_cast<int32_t>(config_.get_long("num.partitions"));
  defaults.default_replication_factor =
      static_cast<int16_t>(config_.get_long("default.replication.factor"));
  defaults.delete_topic_enable = config_.get_bool("delete.topic.enable");
  controller_ = std::make_unique<metadata::Controller>(defaults);
  controller_queue_ = std::make_unique<ControllerQueue>();
  mutation_quota_ = std::make_unique<ControllerMutationQuota>(
      config_.get_long("controller.mutation.rate"), &SystemClock::instance());

  ReplicaManagerOptions ro;
  ro.node_id = NodeId(node_id);
  ro.logs = logs_.get();
  replicas_ = std::make_unique<ReplicaManager>(ro);

  context_.config = &config_;
  context_.node_id = node_id;
  context_.cluster_id = meta.cluster_id;
  context_.metadata = metadata_.get();
  context_.controller = controller_.get();
  context_.controller_queue = controller_queue_.get();
  context_.mutation_quota = mutation_quota_.get();
  context_.logs = logs_.get();
  context_.replicas = replicas_.get();
  context_.registry = &registry_;

  group::GroupServiceOptions go = group::group_service_options(config_);
  go.replicas = replicas_.get();
  go.metadata = metadata_.get();
  go.controller = controller_.get();
  go.node_id = node_id;
  go.commit = [ctx = &context_](metadata::MetadataStore::Plan plan,
                                std::function<void(metadata::ControllerResult)> done) {
    ctx->commit(std::move(plan), /*validate_only=*/false, std::move(done));
  };
  groups_ = std::make_unique<group::GroupService>(std::move(go));
  context_.groups = groups_.get();

  // Partitions the image already assigns us, then every later change, in commit order.
  metadata::MetadataImage empty;
  apply_image_change(empty, *metadata_->image());
  metadata_->add_listener(
      [this](const metadata::MetadataImage& before, const metadata::MetadataImage& after) {
        apply_image_change(before, after);
      });
  EDDY_RETURN_IF_ERROR(register_self());

  logs_->start();
  replicas_->start();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                  start)
                .count();
  auto image = metadata_->image();
  spdlog::info("loaded {} topics, {} partitions in {} ms", image->topics().size(),
               image->partition_count(), ms);
  return Status::ok();
}

Status Broker::register_self() {
  metadata::BrokerRegistration reg;
  reg.id = config_.node_id();
  reg.incarnation = metadata::Uuid::random();
  for (const auto& l : config_.advertised_listeners()) {
    std::string host = l.host;
    if (host.empty() || host == "0.0.0.0" || host == "::") host = local_host_name();
    reg.endpoints.push_back({l.name, host, l.port, 0});
  }
  if (auto rack = config_.value("broker.rack"); rack && !rack->empty()) reg.rack = rack;
  auto image = metadata_->image();
  auto it = image->brokers().find(reg.id);
  if (it != image->brokers().end()) {
    const auto& old = it->second;
    bool same = old.rack == reg.rack && old.endpoints.size() == reg.endpoints.size();
    for (size_t i = 0; same && i < reg.endpoints.size(); ++i) {
      const auto& a = old.endpoints[i];
      const auto& b = reg.endpoints[i];
      same = a.listener == b.listener && a.host == b.host && a.port == b.port;
    }
    if (same) return Status::ok();
  }
  auto r = metadata_->commit([&](const metadata::MetadataImage&, metadata::pb::MetadataBatch* out) {
    return controller_->register_broker(reg, out);
  });
  if (!r.ok()) return io_error("cannot register this broker: " + r.message);
  return Status::ok();
}

void Broker::apply_image_change(const metadata::MetadataImage& before,
                                const metadata::MetadataImage& after) {
  NodeId self(config_.node_id());
  auto same_configs = [&](const std::string& resource) {
    const auto* a = before.broker_configs(resource);
    const auto* b = after.broker_configs(resource);
    return (a == nullptr || b == nullptr) ? a == b : *a == *b;
  };
  bool broker_configs_changed = !same_configs("") || !same_configs(std::to_string(self.value()));
  // Deleted topics (by id: a topic deleted and re-created under its name is a new topic).
  for (const auto& [name, old_topic] : before.topics()) {
    const metadata::TopicImage* now = after.topic(name);
    if (now != nullptr && now->id == old_topic->id) continue;
    for (const auto& p : old_topic->partitions) {
      Status s = replicas_->remove_partition({name, p.partition}, /*delete_log=*/true);
      if (!s && s.code() != StatusCode::kNotFound) {
        spdlog::error("deleting {}-{}: {}", name, p.partition, s.to_string());
      }
    }
    spdlog::info("deleted topic {}", name);
  }
  for (const auto& [name, topic] : after.topics()) {
    const metadata::TopicImage* old = before.topic(name);
    if (old != nullptr && old->id != topic->id) old = nullptr;
    if (old == topic.get()) {
      if (!broker_configs_changed) continue;  // shared, unchanged TopicImage
    }
    bool configs_changed =
        old == nullptr || old->configs != topic->configs || broker_configs_changed;
    PartitionSettings settings = context_.partition_settings(after, *topic);
    for (const auto& p : topic->partitions) {
      if (p.leader != self.value()) continue;
      // Shutting down: the rest opens at the next start, which applies the whole image. Opening
      // tens of thousands of new partitions would otherwise hold the stop for minutes.
      if (stopping_) {
        spdlog::info("shutting down: partitions of {} from {} on open at the next start", name,
                     p.partition);
        return;
      }
      const metadata::PartitionState* prev =
          old != nullptr && static_cast<size_t>(p.partition) < old->partitions.size()
              ? &old->partitions[p.partition]
              : nullptr;
      log::TopicPartition tp{name, p.partition};
      if (prev == nullptr || prev->leader_epoch != p.leader_epoch || prev->leader != p.leader) {
        std::vector<NodeId> isr;
        for (int32_t r : p.isr) isr.emplace_back(r);
        Status s = replicas_->become_leader(tp, LeaderEpoch(p.leader_epoch), isr, settings);
        if (!s) {
          spdlog::error("partition {}-{} is offline: its log cannot be opened: {}", name,
                        p.partition, s.to_string());
        }
      } else if (configs_changed) {
        replicas_->update_settings(tp, settings);
      }
    }
    if (old == nullptr) {
      spdlog::info("created topic {} ({} partitions)", name, topic->partitions.size());
    }
  }
}

Status Broker::start() {
  server_->start();
  groups_->start();
  const auto& listeners = config_.listeners();
  for (size_t i = 0; i < listeners.size(); ++i) {
    spdlog::info("listening on {}:{} ({} io threads)", listeners[i].host, server_->bound_ports()[i],
                 config_.io_threads());
  }
  return Status::ok();
}

std::vector<uint16_t> Broker::bound_ports() const {
  return server_ ? server_->bound_ports() : std::vector<uint16_t>{};
}

Status Broker::shutdown() {
  if (shut_down_) return Status::ok();
  shut_down_ = true;
  // First, so that no long controller task holds the stop: nothing queued runs any more, and a
  // metadata change being applied stops opening partitions. A task that is not done within
  // shutdown.timeout.ms all the same (a commit's planning or apply) is left behind: the rest of
  // the stop goes on, and the caller exits without waiting for it (abandoned_controller_task()).
  stopping_ = true;
  const int64_t timeout_ms = config_.get_long("shutdown.timeout.ms");
  if (controller_queue_ && !controller_queue_->stop_within(timeout_ms)) {
    controller_abandoned_ = true;
    spdlog::error(
        "a controller task is still running after shutdown.timeout.ms ({} ms): stopping without "
        "it; whatever it had not committed is not done",
        timeout_ms);
  }
  if (server_) {
    server_->stop_accepting();
    server_->drain();
    if (!server_->wait_drained(timeout_ms)) {
      spdlog::warn("{} connections still busy after shutdown.timeout.ms; closing them",
                   server_->connection_count());
    }
  }
  // Waiting group, produce and fetch requests are answered before the sockets go away.
  if (groups_) groups_->stop();
  if (replicas_) replicas_->shutdown();
  if (server_) server_->stop();
  Status s = logs_ ? logs_->shutdown() : Status::ok();
  if (!s) spdlog::error("closing logs: {}", s.to_string());
  // An abandoned controller task may still write the metadata log: the directories stay locked
  // until the process is gone.
  if (controller_abandoned_) {
    return s ? unavailable("a controller task did not finish within shutdown.timeout.ms") : s;
  }
  dir_lock_.release();
  return s;
}

}  // namespace eddy::broker
