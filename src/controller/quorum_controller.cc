#include "controller/quorum_controller.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <future>
#include <thread>

namespace eddy::controller {

using metadata::ControllerResult;
using protocol::ErrorCode;

QuorumController::QuorumController(QuorumControllerOptions options)
    : options_(std::move(options)),
      clock_(options_.clock != nullptr ? options_.clock : &SystemClock::instance()),
      cluster_control_(options_.cluster),
      sessions_(options_.cluster.session_timeout_ms) {}

QuorumController::~QuorumController() { stop(); }

Result<std::unique_ptr<QuorumController>> QuorumController::open(QuorumControllerOptions options) {
  std::unique_ptr<QuorumController> c(new QuorumController(std::move(options)));
  c->node_ = std::make_unique<raft::RaftNode>(c->options_.raft, c->state_machine_);
  QuorumController* self = c.get();
  c->node_->set_leader_change_callback(
      [self](const raft::LeaderChange& change) { self->on_leader_change(change); });
  if (c->options_.on_metadata_log_failure) {
    c->node_->set_failure_callback(c->options_.on_metadata_log_failure);
  }
  EDDY_RETURN_IF_ERROR(c->node_->start());
  return c;
}

void QuorumController::on_leader_change(const raft::LeaderChange& change) {
  leader_.store(change.leader.value());
  term_.store(change.term.value());
  ready_.store(change.self_ready);
  if (change.self_ready) {
    spdlog::info("controller {}: active controller for term {}", options_.raft.id.value(),
                 change.term.value());
  } else {
    spdlog::info("controller {}: term {}, active controller {}", options_.raft.id.value(),
                 change.term.value(), change.leader.value());
  }
}

std::shared_ptr<const metadata::MetadataImage> QuorumController::image() const {
  return state_machine_.image();
}

void QuorumController::add_listener(Listener listener) {
  state_machine_.add_listener(std::move(listener));
}

ControllerResult QuorumController::not_controller() const {
  int32_t leader = leader_.load();
  return ControllerResult::error(protocol::ErrorCode::kNotController,
                                 leader < 0
                                     ? "no active controller is known"
                                     : "the active controller is node " + std::to_string(leader));
}

ControllerResult QuorumController::commit(const Plan& plan, bool validate_only) {
  if (!ready_.load()) return not_controller();
  std::shared_ptr<const metadata::MetadataImage> before = image();
  metadata::pb::MetadataBatch batch;
  ControllerResult r = plan(*before, &batch);
  if (!r.ok() || validate_only || batch.records_size() == 0) return r;
  // Applied to a copy first: a batch that does not apply is a controller bug, and must never
  // reach the replicated log, where every node would have to skip it.
  metadata::MetadataImage check(*before);
  if (Status s = check.apply_batch(batch); !s) {
    return ControllerResult::error(protocol::ErrorCode::kUnknownServerError,
                                   "controller emitted records that do not apply: " + s.message());
  }
  // RaftNode answers every proposal within its request timeout.
  Result<raft::ProposalResult> done = node_->propose(batch.SerializeAsString()).get();
  if (!done.is_ok()) {
    if (done.status().code() == StatusCode::kUnavailable) return not_controller();
    if (done.status().code() == StatusCode::kTimeout) {
      return ControllerResult::error(
          protocol::ErrorCode::kRequestTimedOut,
          "metadata change not committed in time (it may still be): " + done.status().message());
    }
    return ControllerResult::error(protocol::ErrorCode::kUnknownServerError,
                                   done.status().to_string());
  }
  if (!done->result.empty()) {
    return ControllerResult::error(protocol::ErrorCode::kUnknownServerError, done->result);
  }
  return r;
}

bool QuorumController::wait_caught_up(int64_t timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(std::max<int64_t>(timeout_ms, 0));
  // Bounded by the deadline: each read is answered (or times out) within the Raft request
  // timeout, and a refusal (no leader yet) waits a little before the next try.
  while (std::chrono::steady_clock::now() < deadline) {
    std::promise<Result<RaftIndex>> read;
    auto fut = read.get_future();
    node_->read_index([&read](Result<RaftIndex> r) { read.set_value(std::move(r)); });
    Result<RaftIndex> r = fut.get();
    if (r.is_ok()) return true;
    if (r.status().code() == StatusCode::kCancelled) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

Status QuorumController::transfer_leadership(int32_t to) {
  return node_->transfer_leadership(NodeId(to)).get();
}

void QuorumController::refresh_sessions(int64_t now_ms) {
  sessions_.start_term(term_.load(), *image(), now_ms);
}

metadata::BrokerRegistrationReply QuorumController::register_broker(
    const metadata::BrokerRegistrationRequest& req) {
  metadata::BrokerRegistrationReply reply;
  if (!ready_.load()) {
    reply.result = not_controller();
    return reply;
  }
  const int64_t now_ms = clock_->monotonic_ms();
  refresh_sessions(now_ms);
  // Commits are serialized on this thread and each waits for its entry to apply, so the next
  // entry's index is the one after the log's last: that index is the broker epoch.
  const int64_t next_offset = static_cast<int64_t>(node_->status().last_index.value()) + 1;
  reply.result =
      commit([&](const metadata::MetadataImage& image, metadata::pb::MetadataBatch* out) {
        reply = cluster_control_.register_broker(image, sessions_, req, next_offset, now_ms, out);
        return reply.result;
      });
  return reply;
}

metadata::BrokerHeartbeatReply QuorumController::heartbeat(
    const metadata::BrokerHeartbeatRequest& req) {
  metadata::BrokerHeartbeatReply reply;
  if (!ready_.load()) {
    reply.result = not_controller();
    return reply;
  }
  const int64_t now_ms = clock_->monotonic_ms();
  refresh_sessions(now_ms);
  ControllerResult r =
      commit([&](const metadata::MetadataImage& image, metadata::pb::MetadataBatch* out) {
        reply = cluster_control_.heartbeat(image, sessions_, req, now_ms, out);
        return reply.result;
      });
  if (!r.ok()) reply.result = r;
  return reply;
}

metadata::AlterPartitionReply QuorumController::alter_partition(
    const metadata::AlterPartitionRequest& req) {
  metadata::AlterPartitionReply reply;
  if (!ready_.load()) {
    reply.error = protocol::ErrorCode::kNotController;
    return reply;
  }
  ControllerResult r =
      commit([&](const metadata::MetadataImage& image, metadata::pb::MetadataBatch* out) {
        reply = cluster_control_.alter_partition(image, req, out);
        return ControllerResult{};
      });
  if (!r.ok()) {
    reply = metadata::AlterPartitionReply{};
    reply.error = r.code;
  }
  return reply;
}

ControllerResult QuorumController::unregister_broker(int32_t broker_id) {
  if (!ready_.load()) return not_controller();
  refresh_sessions(clock_->monotonic_ms());
  return commit([&](const metadata::MetadataImage& image, metadata::pb::MetadataBatch* out) {
    return cluster_control_.unregister_broker(image, sessions_, broker_id, out);
  });
}

int QuorumController::fence_expired() {
  if (!ready_.load()) return 0;
  const int64_t now_ms = clock_->monotonic_ms();
  refresh_sessions(now_ms);
  int fenced = 0;
  // Bounded by the registered brokers: each round fences one, or stops.
  for (size_t round = 0; round <= image()->brokers().size(); ++round) {
    int32_t broker = -1;
    ControllerResult r =
        commit([&](const metadata::MetadataImage& image, metadata::pb::MetadataBatch* out) {
          broker = cluster_control_.fence_one_expired(image, sessions_, now_ms, out);
          return ControllerResult{};
        });
    if (!r.ok() || broker < 0) break;
    spdlog::warn("controller {}: fenced broker {}: no heartbeat for broker.session.timeout.ms",
                 options_.raft.id.value(), broker);
    ++fenced;
  }
  return fenced;
}

int QuorumController::rebalance_leaders() {
  if (!ready_.load()) return 0;
  int32_t moved = 0;
  ControllerResult r =
      commit([&](const metadata::MetadataImage& image, metadata::pb::MetadataBatch* out) {
        moved = cluster_control_.rebalance_leaders(image, out);
        return ControllerResult{};
      });
  if (!r.ok()) return 0;
  if (moved > 0) {
    spdlog::info("controller {}: leader rebalance moved {} partitions to their preferred leader",
                 options_.raft.id.value(), moved);
  }
  return moved;
}

void QuorumController::stop() {
  if (!node_) return;
  ready_.store(false);
  node_->stop();
}

}  // namespace eddy::controller
