#include "broker/broker.h"

#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <set>

#include "broker/broker_lifecycle.h"
#include "broker/controller_channel.h"
#include "broker/group/group_service.h"
#include "broker/meta_properties.h"
#include "broker/replica/replica_manager.h"
#include "controller/quorum_controller.h"

namespace eddy::broker {
namespace {

// The metadata log's directory inside metadata.log.dir: the single node's local log, or the Raft
// log of a controller quorum. Neither is "<topic>-<partition>"-shaped, so the LogManager never
// mistakes them for partitions.
constexpr const char* kMetadataDirName = "__cluster_metadata";
constexpr const char* kQuorumMetadataDirName = "__cluster_metadata_quorum";
// How long start-up waits for the controller quorum before saying so again (it waits on, as a
// Kafka broker waits for its controllers).
constexpr int64_t kQuorumWaitReportMs = 10'000;
// Bound on one request this node sends to the active controller (a forwarded admin request, a
// topic it creates there), connect included.
constexpr int kControllerRequestTimeoutMs = 10'000;

std::string local_host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof(buf) - 1) != 0 || buf[0] == '\0') return "localhost";
  return buf;
}

// Runs `fn` on the controller thread and waits until it ran, or until the queue dropped it (full
// or stopping).
void run_and_wait(ControllerQueue& queue, std::function<void()> fn) {
  auto done = std::make_shared<std::promise<void>>();
  auto finished = done->get_future();
  ControllerTask task;
  task.run = [fn = std::move(fn), done] {
    fn();
    done->set_value();
  };
  task.drop = [done] { done->set_value(); };
  queue.submit(std::move(task));
  finished.wait();
}

}  // namespace

Broker::Broker(BrokerConfig config) : config_(std::move(config)) {}

Broker::~Broker() { (void)shutdown(); }

Result<std::unique_ptr<Broker>> Broker::open(BrokerConfig config,
                                             std::function<bool()> interrupted) {
  std::unique_ptr<Broker> b(new Broker(std::move(config)));
  b->interrupted_ = std::move(interrupted);
  std::vector<std::string> dirs = b->config_.log_dirs();
  dirs.push_back(b->config_.metadata_log_dir());
  EDDY_ASSIGN_OR_RETURN(b->dir_lock_, DataDirLock::acquire(dirs));
  EDDY_RETURN_IF_ERROR(b->bind_listeners());
  EDDY_RETURN_IF_ERROR(b->open_components());
  return b;
}

Status Broker::open_metadata(const std::vector<VoterSpec>& voters, const std::string& cluster_id) {
  if (voters.size() <= 1) {
    metadata::MetadataStore::Options mo;
    mo.dir = config_.metadata_log_dir() + "/" + kMetadataDirName;
    mo.snapshot_bytes =
        static_cast<uint64_t>(config_.get_long("metadata.log.max.record.bytes.between.snapshots"));
    mo.node_id = config_.node_id();
    EDDY_ASSIGN_OR_RETURN(auto store, metadata::MetadataStore::open(mo));
    if (store->recovered_torn_tail()) {
      spdlog::warn("metadata log had a torn tail (unacknowledged); truncated");
    }
    metadata_ = std::move(store);
    return Status::ok();
  }
  controller::QuorumControllerOptions qo;
  qo.raft.id = NodeId(config_.node_id());
  for (const auto& v : voters) qo.raft.voters[NodeId(v.id)] = raft::PeerAddress{v.host, v.port};
  qo.raft.data_dir = config_.metadata_log_dir() + "/" + kQuorumMetadataDirName;
  qo.cluster.cluster_id = cluster_id;
  qo.raft.transport.cluster_id = cluster_id;
  qo.cluster.session_timeout_ms = config_.get_long("broker.session.timeout.ms");
  qo.cluster.unclean_leader_election_enable = config_.get_bool("unclean.leader.election.enable");
  EDDY_ASSIGN_OR_RETURN(auto quorum, controller::QuorumController::open(std::move(qo)));
  spdlog::info("controller quorum of {} voters; raft port {}; waiting to catch up", voters.size(),
               quorum->raft_port());
  // Serving clients from a stale image would answer with topics and leaders the cluster no
  // longer has: catch up with the committed metadata first.
  while (!quorum->wait_caught_up(kQuorumWaitReportMs)) {
    if (interrupted_ && interrupted_()) return unavailable("start-up interrupted");
    spdlog::warn("no controller quorum answered yet (controller.quorum.voters: {}); waiting",
                 config_.get_string("controller.quorum.voters"));
  }
  quorum_ = quorum.get();
  metadata_ = std::move(quorum);
  return Status::ok();
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
  EDDY_ASSIGN_OR_RETURN(auto voters, parse_voters(config_.get_string("controller.quorum.voters")));
  // A cluster's nodes share the cluster id that `eddyd format` wrote; a single node makes its
  // own on first start.
  EDDY_ASSIGN_OR_RETURN(MetaProperties meta,
                        ensure_meta_properties(config_.log_dirs(), node_id,
                                               /*create_missing=*/voters.size() <= 1));
  spdlog::info("node {} of cluster {}", node_id, meta.cluster_id);

  log::LogManagerOptions lo;
  lo.log_dirs = config_.log_dirs();
  lo.retention_check_interval_ms = config_.get_long("log.retention.check.interval.ms");
  lo.scrubber.enable = config_.get_bool("log.scrubber.enable");
  lo.scrubber.bytes_per_second =
      static_cast<uint64_t>(config_.get_long("log.scrubber.io.max.bytes.per.second"));
  lo.cleaner.enable = config_.get_bool("log.cleaner.enable");
  lo.cleaner.threads = static_cast<int>(config_.get_long("log.cleaner.threads"));
  lo.cleaner.dedupe_buffer_bytes =
      static_cast<uint64_t>(config_.get_long("log.cleaner.dedupe.buffer.size"));
  lo.cleaner.io_max_bytes_per_second =
      static_cast<double>(config_.get_long("log.cleaner.io.max.bytes.per.second"));
  lo.cleaner.backoff_ms = config_.get_long("log.cleaner.backoff.ms");
  lo.cleaner.on_corrupt = [](const std::string& dir, const log::CleanerCorruption& c) {
    spdlog::error(
        "log cleaner: {}: corrupt batch at offsets [{}, {}] in {} ({}); its records are dropped "
        "from the cleaned segment and never served",
        dir, c.base_offset, c.last_offset, c.segment, c.why);
  };
  lo.cleaner.on_error = [](const std::string&, const Status& s) {
    spdlog::warn("log cleaner: {}", s.to_string());
  };
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

  EDDY_RETURN_IF_ERROR(open_metadata(voters, meta.cluster_id));

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
  context_.quorum = quorum_;
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
  go.create_topic = [ctx = &context_](metadata::CreateTopicSpec spec,
                                      std::function<void(metadata::ControllerResult)> done) {
    ctx->create_topic(std::move(spec), std::move(done));
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
  if (quorum_ == nullptr) {
    EDDY_RETURN_IF_ERROR(register_self());
  } else {
    BrokerLifecycle::Options lo;
    metadata::BrokerRegistration self = self_registration();
    lo.registration.broker_id = self.id;
    lo.registration.cluster_id = meta.cluster_id;
    lo.registration.incarnation = self.incarnation;
    lo.registration.endpoints = self.endpoints;
    lo.registration.rack = self.rack;
    lo.metadata = metadata_.get();
    lo.quorum = quorum_;
    lo.heartbeat_interval_ms = config_.get_long("broker.heartbeat.interval.ms");
    lo.on_controller_thread = [queue = controller_queue_.get()](std::function<void()> fn) {
      run_and_wait(*queue, std::move(fn));
    };
    lifecycle_ = std::make_unique<BrokerLifecycle>(std::move(lo));
    controller_channel_ = std::make_unique<ControllerChannel>(
        metadata_.get(), node_id, self.incarnation, kControllerRequestTimeoutMs);
    context_.controller_channel = controller_channel_.get();
  }

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

metadata::BrokerRegistration Broker::self_registration() const {
  metadata::BrokerRegistration reg;
  reg.id = config_.node_id();
  reg.incarnation = metadata::Uuid::random();
  for (const auto& l : config_.advertised_listeners()) {
    std::string host = l.host;
    if (host.empty() || host == "0.0.0.0" || host == "::") host = local_host_name();
    reg.endpoints.push_back({l.name, host, l.port, 0});
  }
  if (auto rack = config_.value("broker.rack"); rack && !rack->empty()) reg.rack = rack;
  return reg;
}

Status Broker::register_self() {
  metadata::BrokerRegistration reg = self_registration();
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
  if (lifecycle_) lifecycle_->start();
  if (quorum_ != nullptr) session_expiry_ = std::thread([this] { run_session_expiry(); });
  const auto& listeners = config_.listeners();
  for (size_t i = 0; i < listeners.size(); ++i) {
    spdlog::info("listening on {}:{} ({} io threads)", listeners[i].host, server_->bound_ports()[i],
                 config_.io_threads());
  }
  return Status::ok();
}

void Broker::run_session_expiry() {
  const auto period = std::chrono::milliseconds(
      std::max<int64_t>(config_.get_long("broker.session.timeout.ms") / 4, 50));
  std::unique_lock lock(session_expiry_mu_);
  while (!session_expiry_cv_.wait_for(lock, period, [this] { return session_expiry_stop_; })) {
    if (!quorum_->is_active_controller()) continue;
    lock.unlock();
    run_and_wait(*controller_queue_, [this] { quorum_->fence_expired(); });
    lock.lock();
  }
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
  // The cluster threads submit to the controller queue: they stop before it does.
  if (lifecycle_) lifecycle_->stop();
  if (session_expiry_.joinable()) {
    {
      std::lock_guard lock(session_expiry_mu_);
      session_expiry_stop_ = true;
    }
    session_expiry_cv_.notify_all();
    session_expiry_.join();
  }
  const int64_t timeout_ms = config_.get_long("shutdown.timeout.ms");
  if (controller_queue_ && !controller_queue_->stop_within(timeout_ms)) {
    controller_abandoned_ = true;
    spdlog::error(
        "a controller task is still running after shutdown.timeout.ms ({} ms): stopping without "
        "it; whatever it had not committed is not done",
        timeout_ms);
  }
  // After the controller thread: a commit of it may wait on the quorum (stopping the Raft node
  // fails that wait at once).
  if (quorum_) quorum_->stop();
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
