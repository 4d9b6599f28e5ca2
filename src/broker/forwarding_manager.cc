#include "broker/forwarding_manager.h"

#include <algorithm>
#include <utility>

#include "broker/controller_channel.h"
#include "protocol/api.h"
#include "protocol/errors.h"
#include "protocol/framing.h"
#include "protocol/generated/alter_configs.h"
#include "protocol/generated/alter_partition_reassignments.h"
#include "protocol/generated/broker_registration.h"
#include "protocol/generated/create_partitions.h"
#include "protocol/generated/create_topics.h"
#include "protocol/generated/delete_topics.h"
#include "protocol/generated/describe_quorum.h"
#include "protocol/generated/elect_leaders.h"
#include "protocol/generated/incremental_alter_configs.h"
#include "protocol/generated/list_partition_reassignments.h"
#include "protocol/generated/unregister_broker.h"
#include "protocol/reader.h"

namespace eddy::broker {

using Clock = std::chrono::steady_clock;

ForwardingManager::ForwardingManager(Options options) : options_(std::move(options)) {
  for (int i = 0; i < std::max(1, options_.threads); ++i) {
    workers_.emplace_back([this, i] { loop(i); });
  }
}

ForwardingManager::~ForwardingManager() { stop(); }

void ForwardingManager::submit(ForwardRequest request) {
  auto p = std::make_unique<Pending>();
  p->request = std::move(request);
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      due_.emplace(Clock::now(), std::move(p));
      cv_.notify_one();
      return;
    }
  }
  p->request.done(std::nullopt);
}

void ForwardingManager::stop() {
  std::multimap<Clock::time_point, std::unique_ptr<Pending>> left;
  {
    std::lock_guard lock(mu_);
    if (stopping_ && workers_.empty()) return;
    stopping_ = true;
    left.swap(due_);
  }
  cv_.notify_all();
  for (auto& [at, p] : left) p->request.done(std::nullopt);
  for (auto& w : workers_) {
    if (w.joinable()) w.join();
  }
  workers_.clear();
}

void ForwardingManager::loop(int worker) {
  (void)worker;
  ControllerChannel channel(options_.metadata, options_.node_id, options_.incarnation,
                            options_.timeout_ms);
  std::unique_lock lock(mu_);
  for (;;) {
    if (stopping_) return;
    if (due_.empty()) {
      cv_.wait(lock);
      continue;
    }
    auto first = due_.begin();
    if (first->first > Clock::now()) {
      cv_.wait_until(lock, first->first);
      continue;
    }
    std::unique_ptr<Pending> p = std::move(first->second);
    due_.erase(first);
    lock.unlock();
    attempt(channel, std::move(p));
    lock.lock();
  }
}

void ForwardingManager::reschedule(std::unique_ptr<Pending> p, Clock::time_point at) {
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      due_.emplace(at, std::move(p));
      cv_.notify_one();
      return;
    }
  }
  p->request.done(std::nullopt);
}

void ForwardingManager::attempt(ControllerChannel& channel, std::unique_ptr<Pending> p) {
  ForwardRequest& r = p->request;
  if ((r.wanted && !r.wanted()) || options_.metadata->is_active_controller()) {
    return r.done(std::nullopt);
  }
  // A try ends by the request's deadline, not a whole channel timeout after it.
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(r.deadline - Clock::now()).count();
  if (left <= 0) return r.done(std::move(p->not_controller));
  auto body = channel.forward(ByteSpan(r.frame), r.api_key, r.version, static_cast<int>(left));
  if (body && !answered_not_controller(r.api_key, r.version, *body))
    return r.done(std::move(*body));
  if (body) {
    // Kafka's NodeToControllerChannelManager on NOT_CONTROLLER: drop the connection to the stale
    // controller and send again to the one the metadata names next.
    channel.reset();
    p->not_controller = std::move(*body);
  }
  const Clock::time_point next = Clock::now() + options_.retry_backoff;
  if (next >= r.deadline) return r.done(std::move(p->not_controller));
  reschedule(std::move(p), next);
}

namespace {

using protocol::ErrorCode;

// A response's error codes: the top-level one where the API has it, and every entry's.
struct ErrorCodes {
  std::optional<int16_t> top;
  std::vector<int16_t> entries;
};

template <typename Resp, typename Entries>
std::optional<ErrorCodes> codes_of(ByteSpan body, int16_t version, Entries entries) {
  protocol::Reader reader(body);
  Resp m;
  m.decode(reader, version);
  if (!reader.ok()) return std::nullopt;
  ErrorCodes out;
  if constexpr (requires { m.error_code; }) out.top = m.error_code;
  entries(m, out.entries);
  return out;
}

// For the APIs without entries.
constexpr auto kNoEntries = [](const auto&, std::vector<int16_t>&) {};

std::optional<ErrorCodes> response_codes(int16_t api_key, int16_t version, ByteSpan body) {
  using K = protocol::ApiKey;
  switch (static_cast<K>(api_key)) {
    case K::kCreateTopics:
      return codes_of<protocol::CreateTopicsResponse>(body, version, [](const auto& m, auto& out) {
        for (const auto& t : m.topics) out.push_back(t.error_code);
      });
    case K::kDeleteTopics:
      return codes_of<protocol::DeleteTopicsResponse>(body, version, [](const auto& m, auto& out) {
        for (const auto& t : m.responses) out.push_back(t.error_code);
      });
    case K::kCreatePartitions:
      return codes_of<protocol::CreatePartitionsResponse>(body, version,
                                                          [](const auto& m, auto& out) {
                                                            for (const auto& t : m.results)
                                                              out.push_back(t.error_code);
                                                          });
    case K::kAlterConfigs:
      return codes_of<protocol::AlterConfigsResponse>(body, version, [](const auto& m, auto& out) {
        for (const auto& r : m.responses) out.push_back(r.error_code);
      });
    case K::kIncrementalAlterConfigs:
      return codes_of<protocol::IncrementalAlterConfigsResponse>(body, version,
                                                                 [](const auto& m, auto& out) {
                                                                   for (const auto& r : m.responses)
                                                                     out.push_back(r.error_code);
                                                                 });
    case K::kElectLeaders:
      return codes_of<protocol::ElectLeadersResponse>(body, version, [](const auto& m, auto& out) {
        for (const auto& t : m.replica_election_results) {
          for (const auto& p : t.partition_result) out.push_back(p.error_code);
        }
      });
    case K::kAlterPartitionReassignments:
      return codes_of<protocol::AlterPartitionReassignmentsResponse>(
          body, version, [](const auto& m, auto& out) {
            for (const auto& t : m.responses) {
              for (const auto& p : t.partitions) out.push_back(p.error_code);
            }
          });
    case K::kListPartitionReassignments:
      return codes_of<protocol::ListPartitionReassignmentsResponse>(body, version, kNoEntries);
    case K::kDescribeQuorum:
      return codes_of<protocol::DescribeQuorumResponse>(body, version,
                                                        [](const auto& m, auto& out) {
                                                          for (const auto& t : m.topics) {
                                                            for (const auto& p : t.partitions)
                                                              out.push_back(p.error_code);
                                                          }
                                                        });
    case K::kUnregisterBroker:
      return codes_of<protocol::UnregisterBrokerResponse>(body, version, kNoEntries);
    case K::kBrokerRegistration:
      return codes_of<protocol::BrokerRegistrationResponse>(body, version, kNoEntries);
    default:
      return std::nullopt;
  }
}

}  // namespace

bool answered_not_controller(int16_t api_key, int16_t version, ByteSpan body) {
  const int16_t not_controller = protocol::to_int(ErrorCode::kNotController);
  std::optional<ErrorCodes> codes = response_codes(api_key, version, body);
  if (!codes) return false;
  if (codes->top && *codes->top == not_controller) return true;
  if (codes->top && *codes->top != protocol::to_int(ErrorCode::kNone)) return false;
  return !codes->entries.empty() && std::all_of(codes->entries.begin(), codes->entries.end(),
                                                [&](int16_t e) { return e == not_controller; });
}

void forward_create_topics(ForwardingManager& forwarding,
                           const std::vector<metadata::CreateTopicSpec>& specs,
                           Clock::time_point deadline, CreateTopicsDone done) {
  using metadata::ControllerResult;
  using protocol::CreateTopicsRequest;
  CreateTopicsRequest req;
  std::vector<std::string> names;
  for (const auto& spec : specs) {
    CreateTopicsRequest::CreatableTopic t;
    t.name = spec.name;
    t.num_partitions = spec.num_partitions;
    t.replication_factor = spec.replication_factor;
    for (const auto& [partition, replicas] : spec.assignments) {
      CreateTopicsRequest::CreatableReplicaAssignment a;
      a.partition_index = partition;
      a.broker_ids = replicas;
      t.assignments.push_back(std::move(a));
    }
    for (const auto& [name, value] : spec.configs) {
      CreateTopicsRequest::CreatableTopicConfig c;
      c.name = name;
      c.value = value;
      t.configs.push_back(std::move(c));
    }
    req.topics.push_back(std::move(t));
    names.push_back(spec.name);
  }
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  req.timeout_ms = static_cast<int32_t>(std::max<int64_t>(left, 0));
  protocol::RequestHeader header;
  header.api_key = CreateTopicsRequest::kApiKey;
  header.api_version = CreateTopicsRequest::kMaxVersion;
  header.client_id = std::string();  // the channel sends this broker's principal
  const Bytes frame = protocol::encode_request_frame(header, req);
  ForwardRequest f;
  f.frame.assign(frame.begin() + 4, frame.end());  // without the size prefix
  f.api_key = header.api_key;
  f.version = header.api_version;
  f.deadline = deadline;
  f.done = [names = std::move(names), version = header.api_version,
            done = std::move(done)](std::optional<Bytes> body) {
    if (!body) return done(std::nullopt);
    std::vector<ControllerResult> out(
        names.size(), ControllerResult::error(ErrorCode::kUnknownServerError,
                                              "the controller's answer left this topic out"));
    protocol::Reader reader(*body);
    protocol::CreateTopicsResponse resp;
    resp.decode(reader, version);
    if (!reader.ok()) {
      std::fill(out.begin(), out.end(),
                ControllerResult::error(ErrorCode::kUnknownServerError,
                                        "cannot decode the controller's CreateTopics answer"));
      return done(std::move(out));
    }
    for (const auto& t : resp.topics) {
      auto at = std::find(names.begin(), names.end(), t.name);
      if (at == names.end()) continue;
      const auto code = static_cast<ErrorCode>(t.error_code);
      out[at - names.begin()] = code == ErrorCode::kNone || code == ErrorCode::kTopicAlreadyExists
                                    ? ControllerResult{}
                                    : ControllerResult::error(code, t.error_message.value_or(""));
    }
    done(std::move(out));
  };
  forwarding.submit(std::move(f));
}

}  // namespace eddy::broker
