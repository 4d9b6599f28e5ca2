#include "broker/handlers/auto_create_topics.h"

#include <memory>
#include <set>

#include "broker/controller_channel.h"
#include "broker/controller_mutation_quota.h"
#include "broker/handlers/topic_creation_limits.h"
#include "metadata/topic_name.h"

namespace eddy::broker {

namespace {

using protocol::ErrorCode;

ErrorCode refusal_of(ErrorCode code) {
  switch (code) {
    case ErrorCode::kThrottlingQuotaExceeded:
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
    // A cluster node that is not the active controller asks the one that is; the creation
    // limits apply there.
    metadata::ControllerResult r =
        ctx.controller_channel != nullptr && !ctx.metadata->is_active_controller()
            ? ctx.controller_channel->create_topic(spec)
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
  const BrokerContext* c = &ctx;
  auto shared_then =
      std::make_shared<std::function<void(const AutoCreateRefusals&)>>(std::move(then));
  auto state = std::make_shared<std::pair<std::vector<std::string>, AutoCreateRefusals>>(
      std::move(create), std::move(refused));
  ControllerTask task;
  task.run = [c, state, shared_then] {
    create_each(*c, state->first, &state->second);
    (*shared_then)(state->second);
  };
  // Refused (queue full) or dropped (stopping): nothing was created, and the caller answers
  // LEADER_NOT_AVAILABLE for these names (ask again later).
  task.drop = [state, shared_then] {
    for (const auto& name : state->first) state->second[name] = ErrorCode::kLeaderNotAvailable;
    (*shared_then)(state->second);
  };
  ctx.controller_queue->submit(std::move(task));
}

void auto_create_topics(const BrokerContext& ctx, const std::vector<std::string>& names,
                        std::function<void()> then) {
  auto_create_topics(ctx, names, [then = std::move(then)](const AutoCreateRefusals&) { then(); });
}

}  // namespace eddy::broker
