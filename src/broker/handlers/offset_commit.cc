// OffsetCommit (key 8): a group's consumed positions, answered once durable in
// __consumer_offsets. Partitions of topics that do not exist get UNKNOWN_TOPIC_OR_PARTITION.

#include "protocol/generated/offset_commit.h"

#include <memory>

#include "broker/handlers/group_handlers.h"
#include "broker/handlers/handler_util.h"

namespace eddy::broker {

namespace {

using protocol::OffsetCommitRequest;
using protocol::OffsetCommitResponse;

bool partition_exists(const metadata::MetadataImage& image, const std::string& topic,
                      int32_t partition) {
  const metadata::TopicImage* t = image.topic(topic);
  return t != nullptr && partition >= 0 && static_cast<size_t>(partition) < t->partitions.size();
}

// The response in the request's shape, each partition with its error, in request order.
OffsetCommitResponse shape(const OffsetCommitRequest& req,
                           const std::vector<group::ErrorCode>& errors) {
  OffsetCommitResponse resp;
  size_t i = 0;
  for (const auto& t : req.topics) {
    OffsetCommitResponse::OffsetCommitResponseTopic rt;
    rt.name = t.name;
    for (const auto& p : t.partitions) {
      OffsetCommitResponse::OffsetCommitResponsePartition rp;
      rp.partition_index = p.partition_index;
      rp.error_code = protocol::to_int(errors[i++]);
      rt.partitions.push_back(std::move(rp));
    }
    resp.topics.push_back(std::move(rt));
  }
  return resp;
}

}  // namespace

void register_offset_commit(HandlerRegistry& registry, const BrokerContext& context) {
  const BrokerContext* ctx = &context;
  add_group_handler<OffsetCommitRequest>(
      registry, context, protocol::ApiKey::kOffsetCommit,
      [](const OffsetCommitRequest& req, int16_t) {
        size_t partitions = 0;
        for (const auto& t : req.topics) partitions += t.partitions.size();
        return shape(
            req, std::vector<group::ErrorCode>(partitions, group::err::kCoordinatorNotAvailable));
      },
      [ctx](group::GroupCoordinator& coordinator, GroupCall<OffsetCommitRequest>& call) {
        auto req = std::make_shared<OffsetCommitRequest>(std::move(call.message));
        auto errors = std::make_shared<std::vector<group::ErrorCode>>();
        auto image = ctx->metadata->image();
        group::OffsetCommitParams p;
        p.group_id = req->group_id;
        // v0 commits come from outside group management.
        p.generation_id = call.version >= 1 ? req->generation_id_or_member_epoch : -1;
        p.member_id = req->member_id;
        p.group_instance_id = req->group_instance_id;
        std::vector<size_t> forwarded;  // indexes into *errors of the entries the coordinator gets
        for (const auto& t : req->topics) {
          for (const auto& part : t.partitions) {
            if (!partition_exists(*image, t.name, part.partition_index)) {
              errors->push_back(group::err::kUnknownTopicOrPartition);
            } else {
              errors->push_back(group::err::kNone);
              forwarded.push_back(errors->size() - 1);
              p.offsets.push_back(group::OffsetCommitEntry{
                  group::TopicPartition{t.name, part.partition_index}, part.committed_offset,
                  part.committed_leader_epoch, part.committed_metadata});
            }
          }
        }
        if (p.offsets.empty()) {
          call.reply(shape(*req, *errors));
          return;
        }
        coordinator.commit_offsets(
            std::move(p), [reply = call.reply, req, errors,
                           forwarded = std::move(forwarded)](group::OffsetCommitResult r) {
              for (size_t i = 0; i < forwarded.size() && i < r.partitions.size(); ++i) {
                (*errors)[forwarded[i]] = r.partitions[i].error_code;
              }
              reply(shape(*req, *errors));
            });
      });
}

}  // namespace eddy::broker
