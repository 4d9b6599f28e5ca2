#include "broker/broker.h"

#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <future>
#include <set>

#include "broker/alter_partition_manager.h"
#include "broker/broker_lifecycle.h"
#include "broker/broker_metrics.h"
#include "broker/cleaner_settings.h"
#include "broker/controller_channel.h"
#include "broker/forwarding_manager.h"
#include "broker/group/group_service.h"
#include "broker/meta_properties.h"
#include "broker/producer_id_manager.h"
#include "broker/replica/replica_manager.h"
#include "broker/replica/stray_logs.h"
#include "broker/replica_fetcher.h"
#include "broker/replication_throttles.h"
#include "broker/topic_metrics.h"
#include "controller/quorum_controller.h"
#include "metadata/group_config.h"
#include "metrics/process_metrics.h"
#include "metrics/registry.h"

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

// A node whose metadata log failed (ENOSPC, EIO on fsync) can neither vote, lead nor follow the
// metadata, yet its broker would go on heartbeating, leading partitions on a stale image and
// refusing to stop while controller work waits on the dead Raft node. Kafka halts the process on a
// metadata log fault; so does Eddy. Halting loses nothing acknowledged: every log is safe against
// kill -9, and a restart once the disk is fixed rejoins the quorum from its durable state.
[[noreturn]] void halt_on_metadata_log_failure(const Status& why) {
  spdlog::critical(
      "metadata log failed: {}; halting. Fix the disk under metadata.log.dir (space, I/O errors) "
      "and restart eddyd: it rejoins the cluster from its durable state",
      why.to_string());
  spdlog::default_logger()->flush();
  std::_Exit(1);
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

Status Broker::open_metadata(const std::map<NodeId, raft::PeerAddress>& voters,
                             const std::string& cluster_id) {
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
  qo.raft.voters = voters;
  qo.raft.data_dir = config_.metadata_log_dir() + "/" + kQuorumMetadataDirName;
  qo.cluster = cluster_settings(cluster_id);
  qo.raft.transport.cluster_id = cluster_id;
  qo.on_metadata_log_failure = halt_on_metadata_log_failure;
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

metadata::ClusterSettings Broker::cluster_settings(const std::string& cluster_id) const {
  metadata::ClusterSettings s;
  s.cluster_id = cluster_id;
  s.session_timeout_ms = config_.get_long("broker.session.timeout.ms");
  s.unclean_leader_election_enable = config_.get_bool("unclean.leader.election.enable");
  s.leader_imbalance_per_broker_percentage =
      static_cast<int32_t>(config_.get_long("leader.imbalance.per.broker.percentage"));
  return s;
}

Status Broker::bind_listeners() {
  std::vector<ListenAddress> addrs;
  for (const auto& l : config_.listeners()) addrs.push_back({l.name, l.host, l.port});
  ConnectionOptions co;
  co.max_frame_bytes = static_cast<int32_t>(config_.get_long("socket.request.max.bytes"));
  co.max_inflight = static_cast<size_t>(config_.get_long("connection.max.inflight.requests"));
  co.idle_timeout_ms = config_.get_long("connections.max.idle.ms");
  server_ = std::make_unique<Server>(registry_, co, config_.io_threads());
  EDDY_RETURN_IF_ERROR(server_->listen(addrs));
  return start_admin();
}

Status Broker::start_admin() {
  process_metrics_ = metrics::add_process_collector(metrics::registry());
  const auto listeners = config_.admin_listeners();
  if (listeners.empty()) return Status::ok();
  std::map<std::string, AdminHttpServer::Route> routes;
  routes["/metrics"] = [] {
    return HttpAnswer{200, "text/plain; version=0.0.4; charset=utf-8",
                      metrics::registry().expose()};
  };
  routes["/health"] = [] { return HttpAnswer{200, "text/plain; charset=utf-8", "ok\n"}; };
  routes["/ready"] = [this] {
    std::string why = not_ready_reason();
    if (why.empty()) return HttpAnswer{200, "text/plain; charset=utf-8", "ready\n"};
    return HttpAnswer{503, "text/plain; charset=utf-8", "not ready: " + why + "\n"};
  };
  admin_ = std::make_unique<AdminHttpServer>(
      server_->io_context(0),
      [server = server_.get()]() -> boost::asio::io_context& { return server->next_io_context(); },
      std::move(routes));
  for (const auto& l : listeners) EDDY_RETURN_IF_ERROR(admin_->listen(l.host, l.port));
  // The admin listener answers from now on (/health, and /ready with what start-up is doing);
  // Kafka clients wait in the listen backlog until start().
  server_->run_threads();
  admin_->start();
  for (size_t i = 0; i < listeners.size(); ++i) {
    spdlog::info("admin listener on http://{}:{} (/metrics, /health, /ready)", listeners[i].host,
                 admin_->bound_ports()[i]);
  }
  return Status::ok();
}

void Broker::set_not_ready(std::string reason) {
  std::lock_guard lock(ready_mu_);
  not_ready_ = std::move(reason);
}

std::string Broker::not_ready_reason() const {
  std::lock_guard lock(ready_mu_);
  if (not_ready_.empty() && quorum_ != nullptr && !registered_.load()) {
    return "registering with the active controller (partitions open once the registration is "
           "applied)";
  }
  return not_ready_;
}

Status Broker::open_components() {
  auto start = std::chrono::steady_clock::now();
  int32_t node_id = config_.node_id();
  // Validated when the config was loaded.
  const std::map<NodeId, raft::PeerAddress> voters = config_.quorum_voters();
  // A cluster's nodes share the cluster id that `eddyd format` wrote; a single node makes its
  // own on first start.
  EDDY_ASSIGN_OR_RETURN(MetaProperties meta,
                        ensure_meta_properties(config_.log_dirs(), node_id,
                                               /*create_missing=*/voters.size() <= 1));
  spdlog::info("node {} of cluster {}", node_id, meta.cluster_id);
  set_not_ready("loading the partition logs");
  broker_state_ = static_cast<int>(BrokerState::kRecovery);

  log::LogManagerOptions lo;
  lo.log_dirs = config_.log_dirs();
  lo.retention_check_interval_ms = config_.get_long("log.retention.check.interval.ms");
  lo.scrubber.enable = config_.get_bool("log.scrubber.enable");
  lo.scrubber.bytes_per_second =
      static_cast<uint64_t>(config_.get_long("log.scrubber.io.max.bytes.per.second"));
  // The static settings; the dynamic ones apply with the metadata (apply_image_change).
  lo.cleaner = cleaner_settings(config_, nullptr, lo.cleaner);
  lo.cleaner.on_corrupt = [](const std::string& dir, const log::CleanerCorruption& c) {
    spdlog::error(
        "log cleaner: {}: corrupt batch at offsets [{}, {}] in {} ({}); its records are dropped "
        "from the cleaned segment and never served",
        dir, c.base_offset, c.last_offset, c.segment, c.why);
  };
  lo.cleaner.on_error = [](const std::string&, const Status& s) {
    spdlog::warn("log cleaner: {}", s.to_string());
  };
  // The cleaner cleans below the high watermark only (the cleaner threads start after the
  // replica manager exists and stop before it goes).
  lo.high_watermark = [this](const log::TopicPartition& tp) -> std::optional<Offset> {
    if (!replicas_) return std::nullopt;
    std::shared_ptr<Partition> p = replicas_->get_partition(tp);
    if (!p) return std::nullopt;
    return p->high_watermark();
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
  // Per-partition load lines are debug; one summary line follows the load.
  struct LoadCounts {
    std::atomic<size_t> unclean{0}, truncated{0}, damaged{0};
  };
  auto load = std::make_shared<LoadCounts>();
  lo.on_recovery = [load](const log::TopicPartition& tp, const log::RecoveryReport& r) {
    if (!r.clean_shutdown) ++load->unclean;
    if (r.truncated) ++load->truncated;
    if (r.damaged_from.value() >= 0) ++load->damaged;
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
      spdlog::debug("recovered {}-{}: truncated at offset {} ({})", tp.topic, tp.partition,
                    r.truncated_at.value(), r.reason);
    } else if (!r.clean_shutdown) {
      spdlog::debug("recovered {}-{} after an unclean shutdown: {} batches", tp.topic, tp.partition,
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
  const double recovery_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  {
    const size_t partitions = logs_->partitions().size();
    const size_t unclean = load->unclean, truncated = load->truncated, damaged = load->damaged;
    auto level = unclean + truncated + damaged > 0 ? spdlog::level::warn : spdlog::level::info;
    spdlog::log(level,
                "opened {} partition logs in {:.3f} s: {} recovered after an unclean stop, {} "
                "with a torn tail cut off, {} with damaged offsets{}",
                partitions, recovery_seconds, unclean, truncated, damaged,
                truncated + damaged > 0 ? " (logger.level=debug names each partition)" : "");
  }

  set_not_ready(voters.size() <= 1 ? "loading the metadata log"
                                   : "catching up with the controller quorum");
  EDDY_RETURN_IF_ERROR(open_metadata(voters, meta.cluster_id));
  set_not_ready("opening the partitions this broker leads");

  metadata::ControllerDefaults defaults;
  defaults.num_partitions = static_cast<int32_t>(config_.get_long("num.partitions"));
  defaults.default_replication_factor =
      static_cast<int16_t>(config_.get_long("default.replication.factor"));
  defaults.delete_topic_enable = config_.get_bool("delete.topic.enable");
  for (const metadata::ConfigDef& d : metadata::group_coordinator_config_defs()) {
    if (auto v = config_.value(d.name)) defaults.group_coordinator[std::string(d.name)] = *v;
  }
  controller_ = std::make_unique<metadata::Controller>(defaults);
  cluster_control_ = std::make_unique<metadata::ClusterControl>(cluster_settings(meta.cluster_id));
  controller_queue_ = std::make_unique<ControllerQueue>();
  mutation_quota_ = std::make_unique<ControllerMutationQuota>(
      config_.get_long("controller.mutation.rate"), &SystemClock::instance());

  throttles_ = std::make_unique<ReplicationThrottles>(config_, node_id, &SystemClock::instance());
  ReplicaManagerOptions ro;
  ro.node_id = NodeId(node_id);
  ro.leader_quota = &throttles_->leader();
  ro.logs = logs_.get();
  ro.replica_lag_time_max_ms = config_.get_long("replica.lag.time.max.ms");
  ro.high_watermark_checkpoint_interval_ms =
      config_.get_long("replica.high.watermark.checkpoint.interval.ms");
  ro.partition_exists = [metadata = metadata_.get()](const TopicPartition& tp) {
    const auto image = metadata->image();  // held while `t` is read
    const metadata::TopicImage* t = image->topic(tp.topic);
    return t != nullptr && tp.partition >= 0 &&
           static_cast<size_t>(tp.partition) < t->partitions.size();
  };
  // Kafka's metadataCache.hasAliveBroker: registered and unfenced.
  ro.broker_alive = [metadata = metadata_.get()](int32_t broker) {
    const auto image = metadata->image();  // held while `b` is read
    const metadata::BrokerRegistration* b = image->broker(broker);
    return b != nullptr && !b->fenced;
  };
  Result<ReplicaSelector> selector =
      parse_replica_selector_class(config_.value("replica.selector.class").value_or(""));
  if (!selector.is_ok()) return selector.status();
  ro.replica_selector = *selector;
  // Kafka's getPartitionReplicaEndpoints: registered, unfenced, with an endpoint.
  ro.replica_rack =
      [metadata = metadata_.get()](int32_t broker) -> std::optional<std::optional<std::string>> {
    const auto image = metadata->image();  // held while `b` is read
    const metadata::BrokerRegistration* b = image->broker(broker);
    if (b == nullptr || b->fenced || b->endpoints.empty()) return std::nullopt;
    return b->rack;
  };
  if (quorum_ != nullptr) {
    ro.propose_isr = [this](const TopicPartition& tp, int32_t leader_epoch, int32_t partition_epoch,
                            std::vector<int32_t> isr) {
      if (alter_partitions_) alter_partitions_->propose(tp, leader_epoch, partition_epoch, isr);
    };
  }
  replicas_ = std::make_unique<ReplicaManager>(ro);
  if (quorum_ != nullptr) {
    ReplicaFetcherOptions fo;
    fo.node_id = node_id;
    fo.metadata = metadata_.get();
    fo.replicas = replicas_.get();
    fo.num_fetchers = static_cast<int>(config_.get_long("num.replica.fetchers"));
    fo.fetch_max_bytes = static_cast<int32_t>(config_.get_long("replica.fetch.max.bytes"));
    fo.response_max_bytes =
        static_cast<int32_t>(config_.get_long("replica.fetch.response.max.bytes"));
    fo.min_bytes = static_cast<int32_t>(config_.get_long("replica.fetch.min.bytes"));
    fo.wait_max_ms = static_cast<int32_t>(config_.get_long("replica.fetch.wait.max.ms"));
    fo.backoff_ms = static_cast<int32_t>(config_.get_long("replica.fetch.backoff.ms"));
    fo.socket_timeout_ms = static_cast<int32_t>(config_.get_long("replica.socket.timeout.ms"));
    fo.quota = &throttles_->follower();
    fetchers_ = std::make_unique<ReplicaFetcherManager>(fo);
  }

  context_.config = &config_;
  context_.node_id = node_id;
  context_.cluster_id = meta.cluster_id;
  context_.metadata = metadata_.get();
  context_.quorum = quorum_;
  context_.controller = controller_.get();
  context_.cluster_control = cluster_control_.get();
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

  if (quorum_ == nullptr) {
    // Partitions the image already assigns us, then every later change, in commit order.
    open_partitions(*metadata_->image());
    metadata_->add_listener(
        [this](const metadata::MetadataImage& before, const metadata::MetadataImage& after) {
          apply_image_change(before, after);
        });
    EDDY_RETURN_IF_ERROR(register_self());
  } else {
    metadata::BrokerRegistration self = self_registration();
    // A cluster node opens its partitions from the first image that holds this incarnation's
    // registration, not from the image it caught up with: that one may still make it the leader
    // it was before it stopped, at that leader epoch. After a power cut its log may have lost an
    // unsynced tail that its followers hold; leading again in the same epoch, it would take new
    // appends at those offsets, a divergence within one epoch that no truncation by epoch can
    // find (a follower stuck mid-batch, duplicates of idempotent batches). Registering takes a
    // restarted broker out of every ISR and leadership (ClusterControl::register_broker), so that
    // image makes it a follower, or leaderless until the controller elects it at a new epoch.
    // Kafka likewise serves nothing until the controller reports it caught up with its
    // registration.
    metadata_->add_listener(
        [this, incarnation = self.incarnation](const metadata::MetadataImage& before,
                                               const metadata::MetadataImage& after) {
          if (registered_.load()) {
            apply_image_change(before, after);
            return;
          }
          const metadata::BrokerRegistration* me = after.broker(config_.node_id());
          if (me == nullptr || me->incarnation != incarnation) return;
          open_partitions(after);
          registered_.store(true);
          spdlog::info("registration applied (broker epoch {}): partitions open", me->epoch);
        });
    BrokerLifecycle::Options lo;
    lo.registration.broker_id = self.id;
    lo.registration.cluster_id = meta.cluster_id;
    lo.registration.incarnation = self.incarnation;
    lo.registration.endpoints = self.endpoints;
    lo.registration.rack = self.rack;
    lo.metadata = metadata_.get();
    lo.quorum = quorum_;
    lo.heartbeat_interval_ms = config_.get_long("broker.heartbeat.interval.ms");
    lo.session_timeout_ms = config_.get_long("broker.session.timeout.ms");
    lo.on_controller_thread = [queue = controller_queue_.get()](std::function<void()> fn) {
      run_and_wait(*queue, std::move(fn));
    };
    lifecycle_ = std::make_unique<BrokerLifecycle>(std::move(lo));
    controller_channel_ = std::make_unique<ControllerChannel>(
        metadata_.get(), node_id, self.incarnation, kControllerRequestTimeoutMs);
    context_.controller_channel = controller_channel_.get();
    ForwardingManager::Options fwo;
    fwo.metadata = metadata_.get();
    fwo.node_id = node_id;
    fwo.incarnation = self.incarnation;
    fwo.timeout_ms = kControllerRequestTimeoutMs;
    forwarding_ = std::make_unique<ForwardingManager>(fwo);
    context_.forwarding = forwarding_.get();
    AlterPartitionManager::Options ao;
    ao.node_id = node_id;
    ao.incarnation = self.incarnation;
    ao.metadata = metadata_.get();
    ao.quorum = quorum_;
    ao.on_controller_thread = [queue = controller_queue_.get()](std::function<void()> fn) {
      run_and_wait(*queue, std::move(fn));
    };
    ao.replicas = replicas_.get();
    ao.isr_check_interval_ms = config_.get_long("replica.lag.time.max.ms") / 2;
    ao.request_timeout_ms = kControllerRequestTimeoutMs;
    alter_partitions_ = std::make_unique<AlterPartitionManager>(std::move(ao));
  }

  // The broker epoch of this node's registration: the lifecycle's on a cluster node, the
  // image's on a single node (which registers itself).
  std::function<int64_t()> epoch = [this, node_id]() -> int64_t {
    if (lifecycle_) return lifecycle_->broker_epoch();
    auto image = metadata_->image();
    const metadata::BrokerRegistration* b = image->broker(node_id);
    return b == nullptr ? -1 : b->epoch;
  };
  producer_ids_ = std::make_unique<ProducerIdManager>(fetch_from_controller(&context_, epoch));
  context_.producer_ids = producer_ids_.get();

  logs_->start();
  replicas_->start();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                  start)
                .count();
  auto image = metadata_->image();
  spdlog::info("loaded {} topics, {} partitions in {} ms", image->topics().size(),
               image->partition_count(), ms);
  metrics_ = std::make_unique<BrokerMetrics>(BrokerMetricsSources{
      node_id, replicas_.get(), logs_.get(), metadata_.get(), groups_.get(), &broker_state_});
  metrics_->set_startup_seconds(recovery_seconds, static_cast<double>(ms) / 1000);
  set_not_ready("not accepting Kafka connections yet");
  return Status::ok();
}

metadata::BrokerRegistration Broker::self_registration() const {
  metadata::BrokerRegistration reg;
  reg.id = config_.node_id();
  reg.incarnation = Uuid::random();
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

void Broker::open_partitions(const metadata::MetadataImage& image) {
  // Logs the committed metadata no longer places here (deleted, re-created or moved away while
  // this node was down) go before their partitions open.
  delete_stray_logs(*logs_, config_.node_id(), image);
  metadata::MetadataImage empty;
  apply_image_change(empty, image, /*loading=*/true);
}

void Broker::apply_image_change(const metadata::MetadataImage& before,
                                const metadata::MetadataImage& after, bool loading) {
  NodeId self(config_.node_id());
  count_partition_changes(before, after, self.value(), metadata_->is_active_controller());
  auto same_configs = [&](const std::string& resource) {
    const auto* a = before.broker_configs(resource);
    const auto* b = after.broker_configs(resource);
    return (a == nullptr || b == nullptr) ? a == b : *a == *b;
  };
  bool broker_configs_changed = !same_configs("") || !same_configs(std::to_string(self.value()));
  // A broker fenced, unfenced or gone: waiting DeleteRecords count only live replicas.
  const auto live = [](const metadata::MetadataImage& image) {
    std::vector<int32_t> out;
    for (const auto& [id, b] : image.brokers()) {
      if (!b.fenced) out.push_back(id);
    }
    return out;
  };
  if (live(before) != live(after)) replicas_->broker_liveness_changed();
  throttles_->apply_topics(before, after);
  if (broker_configs_changed || loading) {
    const metadata::BrokerValueLookup lookup = context_.broker_lookup(after);
    throttles_->apply_rates(lookup);
    log::CleanerOptions cleaner = cleaner_settings(config_, lookup, logs_->options().cleaner);
    if (logs_->reconfigure_cleaner(cleaner)) {
      spdlog::info(
          "log cleaner reconfigured: {} threads, dedupe buffer {} bytes, load factor {}, I/O "
          "buffer {} bytes, {} bytes/s, backoff {} ms",
          cleaner.threads, cleaner.dedupe_buffer_bytes, cleaner.io_buffer_load_factor,
          cleaner.io_buffer_bytes, cleaner.io_max_bytes_per_second, cleaner.backoff_ms);
    }
  }
  // Deleted topics (by id: a topic deleted and re-created under its name is a new topic).
  for (const auto& [name, old_topic] : before.topics()) {
    const metadata::TopicImage* now = after.topic(name);
    if (now != nullptr && now->id == old_topic->id) continue;
    for (const auto& p : old_topic->partitions) {
      if (fetchers_) fetchers_->remove_partition({name, p.partition});
      Status s = replicas_->remove_partition({name, p.partition}, /*delete_log=*/true);
      if (!s && s.code() != StatusCode::kNotFound) {
        spdlog::error("deleting {}-{}: {}", name, p.partition, s.to_string());
      }
    }
    hide_topic_metrics(name);
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
      const metadata::PartitionState* prev =
          old != nullptr && static_cast<size_t>(p.partition) < old->partitions.size()
              ? &old->partitions[p.partition]
              : nullptr;
      log::TopicPartition tp{name, p.partition};
      const auto hosts = [&](const metadata::PartitionState* s) {
        return s != nullptr &&
               std::find(s->replicas.begin(), s->replicas.end(), self.value()) != s->replicas.end();
      };
      if (!hosts(&p)) {
        if (hosts(prev)) {
          // Moved away (a reassignment): its log goes, as Kafka's StopReplica with delete.
          if (fetchers_) fetchers_->remove_partition(tp);
          Status s = replicas_->remove_partition(tp, /*delete_log=*/true);
          if (!s && s.code() != StatusCode::kNotFound) {
            spdlog::error("removing {}-{}: {}", name, p.partition, s.to_string());
          }
        }
        continue;
      }
      // A single node hosts only what it leads: a partition it does not lead has no leader at
      // all (there is no one to follow).
      if (!fetchers_ && p.leader != self.value()) continue;
      // Shutting down: the rest opens at the next start, which applies the whole image. Opening
      // tens of thousands of new partitions would otherwise hold the stop for minutes.
      if (stopping_) {
        spdlog::info("shutting down: partitions of {} from {} on open at the next start", name,
                     p.partition);
        return;
      }
      const bool changed = prev == nullptr || prev->leader_epoch != p.leader_epoch ||
                           prev->leader != p.leader || prev->partition_epoch != p.partition_epoch;
      if (!changed && !configs_changed && replicas_->get_partition(tp)) continue;
      ReplicaAssignment a;
      a.leader = p.leader;
      a.leader_epoch = p.leader_epoch;
      a.partition_epoch = p.partition_epoch;
      a.replicas = p.replicas;
      a.isr = p.isr;
      auto applied = replicas_->apply_assignment(tp, a, settings);
      if (!applied.is_ok()) {
        spdlog::error("partition {}-{} is offline: its log cannot be opened: {}", name, p.partition,
                      applied.status().to_string());
        continue;
      }
      if (!fetchers_) continue;
      if (p.leader == self.value() || p.leader < 0) {
        fetchers_->remove_partition(tp);
      } else {
        fetchers_->add_partition(tp, p.leader, p.leader_epoch);
      }
    }
    if (old == nullptr) {
      spdlog::info("{} topic {} ({} partitions)", loading ? "loaded" : "created", name,
                   topic->partitions.size());
    }
  }
}

Status Broker::start() {
  server_->start();
  broker_state_ = static_cast<int>(BrokerState::kRunning);
  set_not_ready("");
  groups_->start();
  if (alter_partitions_) alter_partitions_->start();
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
  using Clock = std::chrono::steady_clock;
  const auto period = std::chrono::milliseconds(
      std::max<int64_t>(config_.get_long("broker.session.timeout.ms") / 4, 50));
  const bool rebalance = config_.get_bool("auto.leader.rebalance.enable");
  const auto rebalance_period =
      std::chrono::seconds(config_.get_long("leader.imbalance.check.interval.seconds"));
  // The first check a full interval after start (or after becoming the active controller), as
  // Kafka's: brokers that just started have not been unfenced yet.
  auto next_rebalance = Clock::now() + rebalance_period;
  std::unique_lock lock(session_expiry_mu_);
  while (!session_expiry_cv_.wait_for(lock, period, [this] { return session_expiry_stop_; })) {
    if (!quorum_->is_active_controller()) {
      next_rebalance = Clock::now() + rebalance_period;
      continue;
    }
    const bool rebalance_now = rebalance && Clock::now() >= next_rebalance;
    if (rebalance_now) next_rebalance = Clock::now() + rebalance_period;
    lock.unlock();
    run_and_wait(*controller_queue_, [this, rebalance_now] {
      quorum_->fence_expired();
      if (rebalance_now) quorum_->rebalance_leaders();
    });
    lock.lock();
  }
}

std::vector<uint16_t> Broker::bound_ports() const {
  return server_ ? server_->bound_ports() : std::vector<uint16_t>{};
}

Status Broker::shutdown() {
  if (shut_down_) return Status::ok();
  shut_down_ = true;
  set_not_ready("shutting down");
  broker_state_ = static_cast<int>(BrokerState::kShuttingDown);
  const int64_t timeout_ms = config_.get_long("shutdown.timeout.ms");
  // Controlled shutdown (Kafka's KRaft broker: beginControlledShutdown, bounded): while this
  // node still serves, the controller moves its leaderships away and takes it out of every ISR,
  // so that clients move to the new leaders before it goes.
  if (lifecycle_ && config_.get_bool("controlled.shutdown.enable")) {
    lifecycle_->controlled_shutdown(timeout_ms);
  }
  // First, so that no long controller task holds the stop: nothing queued runs any more, and a
  // metadata change being applied stops opening partitions. A task that is not done within
  // shutdown.timeout.ms all the same (a commit's planning or apply) is left behind: the rest of
  // the stop goes on, and the caller exits without waiting for it (abandoned_controller_task()).
  stopping_ = true;
  // The cluster threads submit to the controller queue: they stop before it does.
  if (lifecycle_) lifecycle_->stop();
  // Waiting forwards are served here instead (closed, once the controller queue stops).
  if (forwarding_) forwarding_->stop();
  if (session_expiry_.joinable()) {
    {
      std::lock_guard lock(session_expiry_mu_);
      session_expiry_stop_ = true;
    }
    session_expiry_cv_.notify_all();
    session_expiry_.join();
  }
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
  // No more copying from leaders nor ISR proposals; then waiting group, produce and fetch
  // requests are answered before the sockets go away.
  if (fetchers_) fetchers_->shutdown();
  if (alter_partitions_) alter_partitions_->stop();
  if (groups_) groups_->stop();
  metrics_.reset();  // its collectors read what stops below
  if (replicas_) replicas_->shutdown();
  if (admin_) admin_->stop();
  if (server_) server_->stop();
  admin_.reset();  // after the io threads it runs on
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
