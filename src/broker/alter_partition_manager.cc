#include "broker/alter_partition_manager.h"

#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <map>

#include "controller/quorum_controller.h"
#include "protocol/errors.h"

namespace eddy::broker {

using protocol::ErrorCode;

protocol::AlterPartitionRequest to_wire(const metadata::AlterPartitionRequest& req) {
  protocol::AlterPartitionRequest out;
  out.broker_id = req.broker_id;
  out.broker_epoch = req.broker_epoch;
  for (const auto& p : req.partitions) {
    if (out.topics.empty() || out.topics.back().topic_id != p.topic_id) {
      protocol::AlterPartitionRequest::TopicData t;
      t.topic_id = p.topic_id;
      out.topics.push_back(std::move(t));
    }
    protocol::AlterPartitionRequest::PartitionData pd;
    pd.partition_index = p.partition;
    pd.leader_epoch = p.leader_epoch;
    pd.partition_epoch = p.partition_epoch;
    for (const auto& r : p.new_isr) {
      pd.new_isr.push_back(r.broker_id);
      protocol::AlterPartitionRequest::BrokerState b;
      b.broker_id = r.broker_id;
      b.broker_epoch = r.broker_epoch;
      pd.new_isr_with_epochs.push_back(b);
    }
    out.topics.back().partitions.push_back(std::move(pd));
  }
  return out;
}

metadata::AlterPartitionRequest from_wire(const protocol::AlterPartitionRequest& req,
                                          int16_t version) {
  metadata::AlterPartitionRequest out;
  out.broker_id = req.broker_id;
  out.broker_epoch = req.broker_epoch;
  for (const auto& t : req.topics) {
    for (const auto& p : t.partitions) {
      metadata::AlterPartitionRequest::Partition& part = out.partitions.emplace_back();
      part.topic_id = t.topic_id;
      part.partition = p.partition_index;
      part.leader_epoch = p.leader_epoch;
      part.partition_epoch = p.partition_epoch;
      if (version >= 3) {
        for (const auto& b : p.new_isr_with_epochs) {
          part.new_isr.push_back({b.broker_id, b.broker_epoch});
        }
      } else {
        for (int32_t b : p.new_isr) part.new_isr.push_back({b, -1});
      }
    }
  }
  return out;
}

protocol::AlterPartitionResponse to_wire(const metadata::AlterPartitionReply& reply) {
  protocol::AlterPartitionResponse out;
  out.error_code = protocol::to_int(reply.error);
  for (const auto& p : reply.partitions) {
    if (out.topics.empty() || out.topics.back().topic_id != p.topic_id) {
      protocol::AlterPartitionResponse::TopicData t;
      t.topic_id = p.topic_id;
      out.topics.push_back(std::move(t));
    }
    protocol::AlterPartitionResponse::PartitionData pd;
    pd.partition_index = p.partition;
    pd.error_code = protocol::to_int(p.error);
    pd.leader_id = p.leader;
    pd.leader_epoch = p.leader_epoch;
    pd.isr = p.isr;
    pd.partition_epoch = p.partition_epoch;
    out.topics.back().partitions.push_back(std::move(pd));
  }
  return out;
}

metadata::AlterPartitionReply from_wire(const protocol::AlterPartitionResponse& resp) {
  metadata::AlterPartitionReply out;
  out.error = static_cast<ErrorCode>(resp.error_code);
  for (const auto& t : resp.topics) {
    for (const auto& p : t.partitions) {
      metadata::AlterPartitionReply::Partition& part = out.partitions.emplace_back();
      part.topic_id = t.topic_id;
      part.partition = p.partition_index;
      part.error = static_cast<ErrorCode>(p.error_code);
      part.leader = p.leader_id;
      part.isr = p.isr;
      part.leader_epoch = p.leader_epoch;
      part.partition_epoch = p.partition_epoch;
    }
  }
  return out;
}

AlterPartitionManager::AlterPartitionManager(Options options)
    : options_(std::move(options)),
      channel_(options_.metadata, options_.node_id, options_.incarnation,
               options_.request_timeout_ms) {}

AlterPartitionManager::~AlterPartitionManager() { stop(); }

void AlterPartitionManager::start() {
  thread_ = std::thread([this] { run(); });
}

void AlterPartitionManager::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void AlterPartitionManager::propose(const TopicPartition& tp, int32_t leader_epoch,
                                    int32_t partition_epoch, std::vector<int32_t> isr) {
  {
    std::lock_guard lock(mu_);
    queue_.push_back({tp, leader_epoch, partition_epoch, std::move(isr)});
  }
  cv_.notify_all();
}

void AlterPartitionManager::run() {
  auto next_check = std::chrono::steady_clock::now();
  std::unique_lock lock(mu_);
  while (!stopping_) {
    cv_.wait_until(lock, next_check, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) break;
    std::vector<Proposal> round = std::move(queue_);
    queue_.clear();
    lock.unlock();
    if (!round.empty()) send(std::move(round));
    if (std::chrono::steady_clock::now() >= next_check) {
      options_.replicas->maybe_shrink_isrs();
      next_check = std::chrono::steady_clock::now() +
                   std::chrono::milliseconds(std::max<int64_t>(options_.isr_check_interval_ms, 10));
    }
    lock.lock();
  }
}

Result<metadata::AlterPartitionReply> AlterPartitionManager::call_controller(
    const metadata::AlterPartitionRequest& req) {
  const int32_t controller = options_.metadata->active_controller();
  if (options_.quorum != nullptr && controller == options_.node_id) {
    metadata::AlterPartitionReply reply;
    options_.on_controller_thread([&] { reply = options_.quorum->alter_partition(req); });
    return reply;
  }
  if (controller < 0) return unavailable("no active controller");
  auto conn = channel_.connection();
  if (!conn.is_ok()) return conn.status();
  auto resp = (*conn)->call<protocol::AlterPartitionResponse>(to_wire(req));
  if (!resp.is_ok()) {
    channel_.reset();
    return resp.status();
  }
  return from_wire(*resp);
}

void AlterPartitionManager::send(std::vector<Proposal> round) {
  auto image = options_.metadata->image();
  metadata::AlterPartitionRequest req;
  req.broker_id = options_.node_id;
  const metadata::BrokerRegistration* self = image->broker(options_.node_id);
  req.broker_epoch = self != nullptr ? self->epoch : -1;
  // Answers go back by (topic id, partition).
  std::map<std::pair<Uuid, int32_t>, TopicPartition> by_id;
  std::vector<Proposal> unknown;
  for (Proposal& p : round) {
    const metadata::TopicImage* topic = image->topic(p.tp.topic);
    if (topic == nullptr) {
      unknown.push_back(std::move(p));
      continue;
    }
    metadata::AlterPartitionRequest::Partition& part = req.partitions.emplace_back();
    part.topic_id = topic->id;
    part.partition = p.tp.partition;
    part.leader_epoch = p.leader_epoch;
    part.partition_epoch = p.partition_epoch;
    for (int32_t r : p.isr) {
      const metadata::BrokerRegistration* b = image->broker(r);
      part.new_isr.push_back({r, b != nullptr ? b->epoch : -1});
    }
    by_id[{topic->id, p.tp.partition}] = p.tp;
  }
  auto fail = [&](const TopicPartition& tp) {
    if (auto partition = options_.replicas->get_partition(tp)) {
      partition->alter_partition_answered(
          protocol::to_int(protocol::ErrorCode::kUnknownServerError), {}, -1, -1);
    }
  };
  auto backoff = [&] {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::milliseconds(options_.retry_backoff_ms),
                 [this] { return stopping_; });
  };
  for (const Proposal& p : unknown) fail(p.tp);
  if (req.partitions.empty()) return;
  Result<metadata::AlterPartitionReply> reply = call_controller(req);
  if (!reply.is_ok() || reply->error != ErrorCode::kNone) {
    spdlog::info("AlterPartition of {} partitions: {}", req.partitions.size(),
                 reply.is_ok() ? std::string(protocol::error_name(reply->error))
                               : reply.status().to_string());
    backoff();
    for (const auto& [key, tp] : by_id) fail(tp);
    return;
  }
  bool any_failed = false;
  for (const auto& p : reply->partitions) {
    auto it = by_id.find({p.topic_id, p.partition});
    if (it == by_id.end()) continue;
    auto partition = options_.replicas->get_partition(it->second);
    if (!partition) continue;
    if (p.error != ErrorCode::kNone) {
      any_failed = true;
      spdlog::info("AlterPartition {}-{}: {}", it->second.topic, it->second.partition,
                   protocol::error_name(p.error));
      continue;
    }
    spdlog::info("partition {}-{}: ISR now [{}] at partition epoch {}", it->second.topic,
                 it->second.partition, fmt::join(p.isr, ","), p.partition_epoch);
    partition->alter_partition_answered(0, p.isr, p.leader_epoch, p.partition_epoch);
    by_id.erase(it);
  }
  if (any_failed) backoff();
  for (const auto& [key, tp] : by_id) fail(tp);
}

}  // namespace eddy::broker
