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
  registry.add(
      api_spec(protocol::ApiKey::kOffsetCommit), [ctx](Request request, Responder responder) {
        auto req = decode_request<OffsetCommitRequest>(request);
        if (!req) {
          responder.respond(Response::close());
          return;
        }
        int16_t version = request.api_version();
        auto shared_req = std::make_shared<OffsetCommitRequest>(std::move(*req));
        auto errors = std::make_shared<std::vector<group::ErrorCode>>();
        group::GroupCoordinator* coordinator = group_coordinator(*ctx);
        auto image = ctx->metadata->image();
        group::OffsetCommitParams p;
        p.group_id = shared_req->group_id;
        // v0 commits come from outside group management.
        p.generation_id = version >= 1 ? shared_req->generation_id_or_member_epoch : -1;
        p.member_id = shared_req->member_id;
        p.group_instance_id = shared_req->group_instance_id;
        std::vector<size_t> forwarded;  // indexes into *errors of the entries the coordinator gets
        for (const auto& t : shared_req->topics) {
          for (const auto& part : t.partitions) {
            if (coordinator == nullptr) {
              errors->push_back(group::err::kCoordinatorNotAvailable);
            } else if (!partition_exists(*image, t.name, part.partition_index)) {
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
        auto shared = std::make_shared<Responder>(std::move(responder));
        if (p.offsets.empty()) {
          shared->respond(encode_response(shape(*shared_req, *errors), version));
          return;
        }
        coordinator->commit_offsets(
            std::move(p), [shared, shared_req, errors, forwarded = std::move(forwarded),
                           version](group::OffsetCommitResult r) {
              for (size_t i = 0; i < forwarded.size() && i < r.partitions.size(); ++i) {
                (*errors)[forwarded[i]] = r.partitions[i].error_code;
              }
              shared->respond(encode_response(shape(*shared_req, *errors), version));
            });
      });
}

}  // namespace eddy::broker
