#include "broker/group/group_service.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace eddy::group {

GroupServiceOptions group_service_options(const broker::BrokerConfig& config) {
  GroupServiceOptions o;
  GroupConfig& c = o.config;
  auto i32 = [&config](std::string_view key) { return static_cast<int32_t>(config.get_long(key)); };
  c.min_session_timeout_ms = i32("group.min.session.timeout.ms");
  c.max_session_timeout_ms = i32("group.max.session.timeout.ms");
  c.initial_rebalance_delay_ms = i32("group.initial.rebalance.delay.ms");
  c.max_size = i32("group.max.size");
  c.member_metadata_max_bytes = i32("group.member.metadata.max.bytes");
  c.metadata_max_bytes = i32("group.metadata.max.bytes");
  c.offsets_topic_num_partitions = i32("offsets.topic.num.partitions");
  c.offsets_retention_ms = config.get_long("offsets.retention.minutes") * 60'000;
  c.offsets_retention_check_interval_ms = config.get_long("offsets.retention.check.interval.ms");
  c.offset_metadata_max_bytes = i32("offset.metadata.max.bytes");
  o.offsets_replication_factor =
      static_cast<int16_t>(config.get_long("offsets.topic.replication.factor"));
  o.offsets_commit_timeout_ms = i32("offsets.commit.timeout.ms");
  o.node_id = config.node_id();
  return o;
}

GroupService::GroupService(GroupServiceOptions options)
    : options_(std::move(options)),
      log_(*options_.replicas, *options_.clock, options_.offsets_commit_timeout_ms),
      coordinator_(options_.config, log_, *options_.clock) {}

GroupService::~GroupService() { stop(); }

void GroupService::start() {
  // __consumer_offsets is created on the first FindCoordinator (find_coordinator below), as in
  // Kafka, so a new broker lists only its users' topics.
  std::lock_guard l(mu_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] {
    std::unique_lock l(mu_);
    while (!stopping_) {
      l.unlock();
      run_once();
      // Wake at the coordinator's next deadline when it comes before the next polling tick.
      const int64_t until_deadline = next_deadline_ms_ - options_.clock->monotonic_ms();
      const int64_t wait_ms = std::clamp<int64_t>(until_deadline, 0, options_.tick_ms);
      l.lock();
      cv_.wait_for(l, std::chrono::milliseconds(wait_ms), [this] { return stopping_; });
    }
  });
}

void GroupService::stop() {
  {
    std::lock_guard l(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::map<int32_t, int32_t> loaded;
  {
    std::lock_guard l(mu_);
    loaded.swap(loaded_epochs_);
  }
  for (const auto& [partition, epoch] : loaded) coordinator_.unload_partition(partition);
}

void GroupService::run_once() {
  follow_leadership();
  next_deadline_ms_ = coordinator_.tick();
  release_memory();
  log_refused_joins();
}

void GroupService::log_refused_joins() {
  GroupCoordinator::RefusedJoins r = coordinator_.take_refused_joins();
  if (r.count > 0) {
    refusals_.count += r.count;
    refusals_.last_group = std::move(r.last_group);
    refusals_.last_bytes = r.last_bytes;
  }
  int64_t now = options_.clock->monotonic_ms();
  if (refusals_.count == 0 ||
      (refusals_logged_ms_ >= 0 && now - refusals_logged_ms_ < kRefusalLogIntervalMs)) {
    return;
  }
  spdlog::warn(
      "refused {} JoinGroups over group.member.metadata.max.bytes ({}) or "
      "group.metadata.max.bytes ({}); the last: group {}, {} bytes of protocol metadata",
      refusals_.count, options_.config.member_metadata_max_bytes,
      options_.config.metadata_max_bytes, refusals_.last_group, refusals_.last_bytes);
  refusals_ = {};
  refusals_logged_ms_ = now;
}

void GroupService::release_memory() {
  // Members' metadata is freed when they leave, but glibc keeps freed blocks of a megabyte or so
  // in its heaps (its mmap threshold adapts upwards) and the process's RSS stays at its peak. Once
  // the groups hold kReleaseBytes less than at their peak, hand the free pages back.
  size_t now = coordinator_.metadata_bytes();
  if (now > metadata_peak_bytes_) metadata_peak_bytes_ = now;
  if (metadata_peak_bytes_ - now < kReleaseBytes) return;
  metadata_peak_bytes_ = now;
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

void GroupService::ensure_offsets_topic() {
  if (options_.metadata == nullptr || !options_.create_topic) return;
  if (options_.metadata->image()->topic(kOffsetsTopic) != nullptr) return;
  {
    std::lock_guard l(mu_);
    if (topic_requested_) return;
    topic_requested_ = true;
  }
  metadata::CreateTopicSpec spec;
  spec.name = std::string(kOffsetsTopic);
  spec.num_partitions = options_.config.offsets_topic_num_partitions;
  spec.replication_factor = options_.offsets_replication_factor;
  // Kafka's settings for the offsets topic: compacted, so only the latest commit per partition
  // and group (and tombstones, for a while) are kept.
  spec.configs = {{"cleanup.policy", "compact"}, {"segment.bytes", "104857600"}};
  options_.create_topic(std::move(spec), [this](metadata::ControllerResult r) {
    if (r.ok()) return;
    // Try again on the next FindCoordinator.
    std::lock_guard l(mu_);
    topic_requested_ = false;
  });
}

void GroupService::follow_leadership() {
  // Two passes: first every newly led partition is marked loading, then each is read back. A
  // group whose partition waits its turn answers COORDINATOR_LOAD_IN_PROGRESS, not
  // NOT_COORDINATOR, in the meantime.
  std::vector<std::pair<int32_t, int32_t>> to_load;  // partition, leader epoch
  for (int32_t p = 0; p < options_.config.offsets_topic_num_partitions; ++p) {
    auto part =
        options_.replicas->get_partition(broker::TopicPartition{std::string(kOffsetsTopic), p});
    bool leading = part && part->is_leader() && !part->has_failed();
    int32_t epoch = leading ? part->leader_epoch().value() : -1;
    std::optional<int32_t> loaded;
    {
      std::lock_guard l(mu_);
      auto it = loaded_epochs_.find(p);
      if (it != loaded_epochs_.end()) loaded = it->second;
    }
    if (loaded && (!leading || *loaded != epoch)) {
      spdlog::info("unloading __consumer_offsets-{} (leader epoch {} -> {})", p, *loaded, epoch);
      coordinator_.unload_partition(p);
      std::lock_guard l(mu_);
      loaded_epochs_.erase(p);
      loaded.reset();
    }
    if (leading && !loaded) {
      coordinator_.begin_loading(p);
      to_load.emplace_back(p, epoch);
    }
  }
  for (const auto& [p, epoch] : to_load) {
    GroupCoordinator::LoadStats stats;
    auto t0 = std::chrono::steady_clock::now();
    Status s = coordinator_.load_partition(p, &stats);
    if (!s.is_ok()) {
      spdlog::warn("loading __consumer_offsets-{} failed (retrying): {}", p, s.to_string());
      continue;
    }
    double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    spdlog::info("loaded __consumer_offsets-{}: {} records, {} groups, {} offsets in {:.1f} ms", p,
                 stats.records, stats.groups, stats.offsets, ms);
    // Bounded: the first few reasons, then a count.
    for (const std::string& why : stats.skipped_reasons) {
      spdlog::warn("__consumer_offsets-{}: skipped a record: {}", p, why);
    }
    if (stats.skipped > static_cast<int64_t>(stats.skipped_reasons.size())) {
      spdlog::warn("__consumer_offsets-{}: skipped {} records in all", p, stats.skipped);
    }
    std::lock_guard l(mu_);
    loaded_epochs_[p] = epoch;
  }
}

GroupService::Coordinator GroupService::find_coordinator(std::string_view group_id) {
  Coordinator c;
  if (options_.metadata == nullptr) {
    c.error = err::kCoordinatorNotAvailable;
    return c;
  }
  auto image = options_.metadata->image();
  const metadata::TopicImage* topic = image->topic(kOffsetsTopic);
  if (topic == nullptr) {
    ensure_offsets_topic();
    c.error = err::kCoordinatorNotAvailable;
    return c;
  }
  int32_t p = coordinator_.partition_for(group_id);
  if (p < 0 || static_cast<size_t>(p) >= topic->partitions.size() ||
      topic->partitions[static_cast<size_t>(p)].leader < 0) {
    c.error = err::kCoordinatorNotAvailable;
    return c;
  }
  c.node_id = topic->partitions[static_cast<size_t>(p)].leader;
  // The metadata can name this broker before its coordinator has loaded the partition (the
  // background thread follows leadership every tick_ms). A client sent here now would get
  // NOT_COORDINATOR, which librdkafka's committed() does not retry; COORDINATOR_NOT_AVAILABLE
  // makes every client ask again.
  if (c.node_id == options_.node_id && !coordinator_.is_loaded(p)) {
    c.error = err::kCoordinatorNotAvailable;
    c.node_id = -1;
  }
  return c;
}

}  // namespace eddy::group
