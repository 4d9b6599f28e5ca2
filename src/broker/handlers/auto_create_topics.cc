#include "broker/handlers/auto_create_topics.h"

#include <memory>
#include <set>

#include "broker/controller_channel.h"
#include "broker/controller_mutation_quota.h"
#include "broker/forwarding_manager.h"
#include "broker/handlers/handler_util.h"
#include "broker/handlers/topic_creation_limits.h"
#include "metadata/topic_name.h"

namespace eddy::broker {

namespace {

using protocol::ErrorCode;

ErrorCode refusal_of(ErrorCode code) {
  switch (code) {
    case ErrorCode::kThrottlingQuotaExceeded:
    case ErrorCode::kNotController:
      return ErrorCode::kLeaderNotAvailable;
    case ErrorCode::kInvalidTopicException:
      return ErrorCode::kInvalidTopicException;
    default:
      return ErrorCode::kUnknownTopicOrPartition;
  }
}

// Runs on the controller thread: one commit per topic, so each sees the topics created before it
// (a name colliding with one created a moment ago is refused, max.partitions counts them).
void create_each(const BrokerContext& ctx, const std::vector<std::string>& names,
                 AutoCreateRefusals* refused) {
  int64_t max_per_request = ctx.config->get_long("auto.create.topics.max.per.request");
  int64_t attempts = 0;
  for (const std::string& name : names) {
    bool quota_in_debt = ctx.mutation_quota != nullptr && !ctx.mutation_quota->admits();
    if (attempts >= max_per_request || quota_in_debt) {
      (*refused)[name] = ErrorCode::kLeaderNotAvailable;
      continue;
    }
    ++attempts;
    metadata::CreateTopicSpec spec;
    spec.name = name;
    // Partitions and replication factor stay -1: the controller applies num.partitions and
    // default.replication.factor.
    int32_t throttle_ms = 0;
    // Not (or no longer) the active controller: auto_create_topics forwards while it is not.
    metadata::ControllerResult r =
        ctx.controller_channel != nullptr && !ctx.metadata->is_active_controller()
            ? metadata::ControllerResult::error(ErrorCode::kNotController,
                                                "no active controller answered")
            : ctx.metadata->commit(with_creation_limits(
                  ctx,
                  [&](const metadata::MetadataImage& image, metadata::pb::MetadataBatch* out) {
                    return ctx.controller->create_topic(image, spec, out);
                  },
                  QuotaMode::kStrict, /*validate_only=*/false, &throttle_ms));
    // TOPIC_ALREADY_EXISTS: a concurrent create won, and the topic is there to describe.
    if (!r.ok() && r.code != ErrorCode::kTopicAlreadyExists) {
      (*refused)[name] = refusal_of(r.code);
    }
  }
}

// The names to create, then the names refused (with the error the caller answers).
using State = std::pair<std::vector<std::string>, AutoCreateRefusals>;
using Then = std::shared_ptr<std::function<void(const AutoCreateRefusals&)>>;

void create_here(const BrokerContext& ctx, std::shared_ptr<State> state, Then then) {
  const BrokerContext* c = &ctx;
  ControllerTask task;
  task.run = [c, state, then] {
    create_each(*c, state->first, &state->second);
    (*then)(state->second);
  };
  // Refused (queue full) or dropped (stopping): nothing was created, and the caller answers
  // LEADER_NOT_AVAILABLE for these names (ask again later).
  task.drop = [state, then] {
    for (const auto& name : state->first) state->second[name] = ErrorCode::kLeaderNotAvailable;
    (*then)(state->second);
  };
  ctx.controller_queue->submit(std::move(task));
}

// A cluster node that is not the active controller sends one CreateTopics for the names within
// this request's limit to the one that is, where the creation limits apply; the controller
// thread never waits for it.
void forward(const BrokerContext& ctx, std::shared_ptr<State> state, Then then) {
  const int64_t max_per_request = ctx.config->get_long("auto.create.topics.max.per.request");
  const bool quota_in_debt = ctx.mutation_quota != nullptr && !ctx.mutation_quota->admits();
  std::vector<metadata::CreateTopicSpec> specs;
  for (const std::string& name : state->first) {
    if (quota_in_debt || static_cast<int64_t>(specs.size()) >= max_per_request) {
      state->second[name] = ErrorCode::kLeaderNotAvailable;
      continue;
    }
    metadata::CreateTopicSpec spec;
    spec.name = name;  // num.partitions and default.replication.factor of the controller
    specs.push_back(std::move(spec));
  }
  if (specs.empty()) return (*then)(state->second);
  const auto deadline = std::chrono::steady_clock::now() + controller_forward_timeout(ctx);
  const BrokerContext* c = &ctx;
  forward_create_topics(
      *ctx.forwarding, specs, deadline,
      [c, state, then, specs](std::optional<std::vector<metadata::ControllerResult>> results) {
        // This node became the controller meanwhile, or none answered in time.
        if (!results) return create_here(*c, state, then);
        for (size_t i = 0; i < specs.size(); ++i) {
          if (!(*results)[i].ok()) state->second[specs[i].name] = refusal_of((*results)[i].code);
        }
        (*then)(state->second);
      });
}

}  // namespace

void auto_create_topics(const BrokerContext& ctx, const std::vector<std::string>& names,
                        std::function<void(const AutoCreateRefusals&)> then) {
  std::vector<std::string> create;
  AutoCreateRefusals refused;
  if (ctx.config->get_bool("auto.create.topics.enable")) {
    auto image = ctx.metadata->image();
    std::set<std::string> seen;
    for (const std::string& name : names) {
      if (!seen.insert(name).second || image->topic(name) != nullptr) continue;
      // An invalid name is the caller's INVALID_TOPIC_EXCEPTION.
      if (!metadata::validate_topic_name(name)) continue;
      if (metadata::is_reserved_topic_name(name)) {
        refused[name] = ErrorCode::kUnknownTopicOrPartition;
        continue;
      }
      create.push_back(name);
    }
  }
  if (create.empty()) {
    then(refused);
    return;
  }
  auto shared_then =
      std::make_shared<std::function<void(const AutoCreateRefusals&)>>(std::move(then));
  auto state = std::make_shared<State>(std::move(create), std::move(refused));
  if (ctx.forwarding != nullptr && !ctx.metadata->is_active_controller()) {
    forward(ctx, state, shared_then);
  } else {
    create_here(ctx, state, shared_then);
  }
}

void auto_create_topics(const BrokerContext& ctx, const std::vector<std::string>& names,
                        std::function<void()> then) {
  auto_create_topics(ctx, names, [then = std::move(then)](const AutoCreateRefusals&) { then(); });
}

}  // namespace eddy::broker
