#include "broker/replica_fetcher.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <functional>
#include <set>

#include "broker/replica/replication_state.h"
#include "metrics/cluster_metrics.h"
#include "protocol/errors.h"
#include "protocol/generated/fetch.h"
#include "protocol/records/batch_header.h"

namespace eddy::broker {

using protocol::ErrorCode;
using protocol::to_int;
using SteadyClock = std::chrono::steady_clock;

namespace {

// The whole batches at the front of `bytes` (a leader may end a response inside a batch).
ByteSpan whole_batches(ByteSpan bytes) {
  size_t pos = 0;
  while (bytes.size() - pos >= records::kBatchHeaderSize) {
    const records::BatchHeader h = records::read_batch_header(bytes.data() + pos);
    if (h.size_bytes() < records::kBatchHeaderSize || h.size_bytes() > bytes.size() - pos) break;
    pos += h.size_bytes();
  }
  return bytes.subspan(0, pos);
}

}  // namespace

class ReplicaFetcherManager::Fetcher {
 public:
  Fetcher(const ReplicaFetcherOptions& options, int32_t leader)
      : options_(options), leader_(leader) {
    thread_ = std::thread([this] { run(); });
  }
  ~Fetcher() { stop(); }

  void add(const TopicPartition& tp, int32_t leader_epoch) {
    {
      std::lock_guard lock(mu_);
      partitions_[tp] = leader_epoch;
      delayed_.erase(tp);
      in_sync_.erase(tp);
    }
    cv_.notify_all();
  }
  void remove(const TopicPartition& tp) {
    std::lock_guard lock(mu_);
    partitions_.erase(tp);
    delayed_.erase(tp);
    in_sync_.erase(tp);
  }
  void stop() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void run();
  // One Fetch round trip for `parts` (partition -> leader epoch).
  Status fetch_once(const std::map<TopicPartition, int32_t>& parts);
  void handle(const TopicPartition& tp, int32_t leader_epoch,
              const protocol::FetchResponse::PartitionData& pd);
  void delay(const TopicPartition& tp) {
    std::lock_guard lock(mu_);
    delayed_[tp] = SteadyClock::now() + std::chrono::milliseconds(options_.backoff_ms);
  }
  Result<client::Connection*> connection();

  const ReplicaFetcherOptions options_;
  const int32_t leader_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<TopicPartition, int32_t> partitions_;               // guarded by mu_
  std::map<TopicPartition, SteadyClock::time_point> delayed_;  // guarded by mu_: after an error
  // Partitions whose last fetch reached the leader's high watermark (Kafka's isReplicaInSync):
  // the follower throttle leaves them alone.
  std::set<TopicPartition> in_sync_;          // guarded by mu_
  bool stopping_ = false;                     // guarded by mu_
  std::unique_ptr<client::Connection> conn_;  // the fetcher thread's
  SteadyClock::time_point last_report_{};
  std::thread thread_;
};

void ReplicaFetcherManager::Fetcher::run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    std::map<TopicPartition, int32_t> ready;
    SteadyClock::time_point next_ready = SteadyClock::time_point::max();
    const auto now = SteadyClock::now();
    for (const auto& [tp, epoch] : partitions_) {
      auto d = delayed_.find(tp);
      if (d != delayed_.end() && d->second > now) {
        next_ready = std::min(next_ready, d->second);
        continue;
      }
      ready.emplace(tp, epoch);
    }
    if (ready.empty()) {
      if (next_ready == SteadyClock::time_point::max()) {
        cv_.wait(lock, [this] { return stopping_ || !partitions_.empty(); });
      } else {
        cv_.wait_until(lock, next_ready, [this] { return stopping_; });
      }
      continue;
    }
    lock.unlock();
    Status s = fetch_once(ready);
    lock.lock();
    if (!s) {
      conn_.reset();
      if (SteadyClock::now() - last_report_ > std::chrono::seconds(10)) {
        last_report_ = SteadyClock::now();
        spdlog::warn("replica fetcher of node {}: {}", leader_, s.to_string());
      }
      cv_.wait_for(lock, std::chrono::milliseconds(options_.backoff_ms),
                   [this] { return stopping_; });
    }
  }
}

Result<client::Connection*> ReplicaFetcherManager::Fetcher::connection() {
  if (conn_) return conn_.get();
  auto image = options_.metadata->image();
  const metadata::BrokerRegistration* b = image->broker(leader_);
  if (b == nullptr || b->endpoints.empty()) {
    return unavailable("node " + std::to_string(leader_) + " has no registered endpoint");
  }
  const metadata::BrokerEndpoint& ep = b->endpoints.front();
  EDDY_ASSIGN_OR_RETURN(
      conn_, client::Connection::open({ep.host, ep.port}, options_.socket_timeout_ms,
                                      "eddy-replica-fetcher-" + std::to_string(options_.node_id)));
  return conn_.get();
}

Status ReplicaFetcherManager::Fetcher::fetch_once(const std::map<TopicPartition, int32_t>& parts) {
  auto image = options_.metadata->image();
  protocol::FetchRequest req;
  req.replica_id = options_.node_id;
  req.replica_state.replica_id = options_.node_id;
  const metadata::BrokerRegistration* self = image->broker(options_.node_id);
  req.replica_state.replica_epoch = self != nullptr ? self->epoch : -1;
  req.max_wait_ms = options_.wait_max_ms;
  req.min_bytes = options_.min_bytes;
  req.max_bytes = options_.response_max_bytes;
  req.isolation_level = 0;
  req.session_id = 0;
  req.session_epoch = -1;  // a full fetch each time: no incremental session
  size_t count = 0, throttled = 0;
  for (const auto& [tp, epoch] : parts) {
    std::shared_ptr<Partition> p = options_.replicas->get_partition(tp);
    const metadata::TopicImage* topic = image->topic(tp.topic);
    if (!p || p->is_leader() || topic == nullptr) continue;
    // A named reference for the lambda: clang 14 cannot capture a structured binding.
    const TopicPartition& partition = tp;
    if (options_.quota != nullptr && options_.quota->should_throttle(tp, [&] {
          std::lock_guard lock(mu_);
          return in_sync_.contains(partition);
        })) {
      ++throttled;
      continue;
    }
    if (req.topics.empty() || req.topics.back().topic != tp.topic) {
      protocol::FetchRequest::FetchTopic t;
      t.topic = tp.topic;
      t.topic_id = topic->id;
      req.topics.push_back(std::move(t));
    }
    protocol::FetchRequest::FetchPartition fp;
    fp.partition = tp.partition;
    fp.current_leader_epoch = epoch;
    fp.fetch_offset = p->log_end_offset().value();
    fp.last_fetched_epoch = p->log()->latest_epoch().value();
    fp.log_start_offset = p->log_start_offset().value();
    fp.partition_max_bytes = options_.fetch_max_bytes;
    req.topics.back().partitions.push_back(fp);
    ++count;
  }
  if (count == 0) {
    // Every partition of this round moved on (led here now, or gone: wait for the metadata) or is
    // throttled (wait for the quota, as Kafka's fetcher backs off with nothing to fetch).
    if (throttled > 0) {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, std::chrono::milliseconds(options_.backoff_ms),
                   [this] { return stopping_; });
    } else {
      for (const auto& [tp, epoch] : parts) delay(tp);
    }
    return Status::ok();
  }
  EDDY_ASSIGN_OR_RETURN(client::Connection * conn, connection());
  EDDY_ASSIGN_OR_RETURN(protocol::FetchResponse resp, conn->call<protocol::FetchResponse>(req));
  if (resp.error_code != 0) {
    return unavailable("node " + std::to_string(leader_) + " answered the fetch with " +
                       protocol::error_name(static_cast<ErrorCode>(resp.error_code)));
  }
  for (const auto& t : resp.responses) {
    std::string name = t.topic;
    if (!t.topic_id.is_zero()) {
      for (const auto& [n, topic] : image->topics()) {
        if (topic->id == t.topic_id) name = n;
      }
    }
    for (const auto& pd : t.partitions) {
      const TopicPartition tp{name, pd.partition_index};
      auto it = parts.find(tp);
      if (it != parts.end()) handle(tp, it->second, pd);
    }
  }
  return Status::ok();
}

void ReplicaFetcherManager::Fetcher::handle(const TopicPartition& tp, int32_t leader_epoch,
                                            const protocol::FetchResponse::PartitionData& pd) {
  std::shared_ptr<Partition> p = options_.replicas->get_partition(tp);
  // The metadata moved on while the fetch was out: its answer is of a past leader epoch.
  if (!p || p->is_leader() || p->leader_epoch().value() != leader_epoch) return;
  const Offset leo = p->log_end_offset();
  if (pd.error_code == to_int(ErrorCode::kOffsetOutOfRange)) {
    Status s = leo < Offset(pd.log_start_offset)
                   ? p->truncate_fully_and_start_at(Offset(pd.log_start_offset))
                   : p->truncate_to(Offset(std::max<int64_t>(pd.high_watermark, 0)));
    spdlog::info("partition {}-{}: fetch offset {} out of the leader's range [{}, ...): now {}",
                 tp.topic, tp.partition, leo.value(), pd.log_start_offset,
                 p->log_end_offset().value());
    if (!s) {
      spdlog::error("partition {}-{}: {}", tp.topic, tp.partition, s.to_string());
      delay(tp);
    }
    return;
  }
  if (pd.error_code != 0) {
    // NOT_LEADER_OR_FOLLOWER, FENCED/UNKNOWN_LEADER_EPOCH, ...: the metadata will tell.
    delay(tp);
    return;
  }
  if (pd.diverging_epoch.epoch >= 0 || pd.diverging_epoch.end_offset >= 0) {
    const log::EpochEndOffset own =
        p->log()->end_offset_for_epoch(LeaderEpoch(pd.diverging_epoch.epoch));
    const TruncationDecision d =
        truncation_offset(EpochAndOffset{pd.diverging_epoch.epoch, pd.diverging_epoch.end_offset},
                          EpochAndOffset{own.leader_epoch.value(), own.end_offset.value()},
                          leo.value(), p->high_watermark().value());
    spdlog::info(
        "partition {}-{}: diverges from the leader at epoch {} (leader's end {}); "
        "truncating {} -> {}",
        tp.topic, tp.partition, pd.diverging_epoch.epoch, pd.diverging_epoch.end_offset,
        leo.value(), d.offset);
    Status s = p->truncate_to(Offset(d.offset));
    if (!s) {
      spdlog::error("partition {}-{}: truncation: {}", tp.topic, tp.partition, s.to_string());
      delay(tp);
    }
    return;
  }
  if (pd.records && pd.records->in_memory()) {
    ByteSpan batches = whole_batches(pd.records->memory());
    if (!batches.empty()) {
      auto appended = p->append_as_follower(batches);
      if (!appended.is_ok()) {
        spdlog::error("partition {}-{}: appending replicated records at {}: {}", tp.topic,
                      tp.partition, leo.value(), appended.status().to_string());
        delay(tp);
        return;
      }
      metrics::replication_metrics().replication_bytes_in.labels({tp.topic}).inc(batches.size());
      if (options_.quota != nullptr) {
        options_.quota->record_if_throttled(tp, static_cast<int64_t>(batches.size()));
      }
      // Under sync the next fetch offset is what the leader counts toward the HW: make it
      // durable first.
      if (p->settings().log_config.flush_policy == log::FlushPolicy::kSync) {
        Status s = p->log()->flush();
        if (!s) {
          spdlog::error("partition {}-{}: fsync: {}", tp.topic, tp.partition, s.to_string());
          delay(tp);
          return;
        }
      }
    }
  }
  p->update_follower_high_watermark(Offset(pd.high_watermark), Offset(pd.log_start_offset));
  {
    std::lock_guard lock(mu_);
    if (p->log_end_offset().value() >= pd.high_watermark) {
      in_sync_.insert(tp);
    } else {
      in_sync_.erase(tp);
    }
  }
  // Kafka's fetcher lag: how far this replica's log end is behind the leader's high watermark.
  metrics::replication_metrics()
      .follower_lag.labels({tp.topic, std::to_string(tp.partition)})
      .set(std::max<int64_t>(0, pd.high_watermark - p->log_end_offset().value()));
}

ReplicaFetcherManager::ReplicaFetcherManager(ReplicaFetcherOptions options)
    : options_(std::move(options)) {}

ReplicaFetcherManager::~ReplicaFetcherManager() { shutdown(); }

void ReplicaFetcherManager::add_partition(const TopicPartition& tp, int32_t leader,
                                          int32_t leader_epoch) {
  std::lock_guard lock(mu_);
  if (stopped_) return;
  const int index = static_cast<int>(std::hash<std::string>{}(tp.topic) * 31 +
                                     static_cast<size_t>(tp.partition)) %
                    std::max(options_.num_fetchers, 1);
  const std::pair<int32_t, int> key{leader, index};
  auto it = assigned_.find(tp);
  if (it != assigned_.end() && it->second != key) fetchers_.at(it->second)->remove(tp);
  auto& fetcher = fetchers_[key];
  if (!fetcher) fetcher = std::make_unique<Fetcher>(options_, leader);
  fetcher->add(tp, leader_epoch);
  assigned_[tp] = key;
}

void ReplicaFetcherManager::remove_partition(const TopicPartition& tp) {
  std::lock_guard lock(mu_);
  auto it = assigned_.find(tp);
  if (it == assigned_.end()) return;
  fetchers_.at(it->second)->remove(tp);
  assigned_.erase(it);
}

void ReplicaFetcherManager::shutdown() {
  std::map<std::pair<int32_t, int>, std::unique_ptr<Fetcher>> fetchers;
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
    fetchers = std::move(fetchers_);
    fetchers_.clear();
    assigned_.clear();
  }
  for (auto& [key, f] : fetchers) f->stop();
}

}  // namespace eddy::broker
