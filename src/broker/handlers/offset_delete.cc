// OffsetDelete (key 47): removes committed offsets of topics the group no longer consumes.

#include "protocol/generated/offset_delete.h"

#include "broker/handlers/group_handlers.h"
#include "broker/handlers/handler_util.h"

namespace eddy::broker {

void register_offset_delete(HandlerRegistry& registry, const BrokerContext& context) {
  using protocol::OffsetDeleteRequest;
  using protocol::OffsetDeleteResponse;
  add_group_handler<OffsetDeleteRequest>(
      registry, context, protocol::ApiKey::kOffsetDelete,
      top_level_coordinator_not_available<OffsetDeleteResponse>(),
      [](group::GroupCoordinator& coordinator, GroupCall<OffsetDeleteRequest>& call) {
        std::vector<group::TopicPartition> tps;
        for (const auto& t : call.message.topics) {
          for (const auto& p : t.partitions) {
            tps.push_back(group::TopicPartition{t.name, p.partition_index});
          }
        }
        coordinator.delete_offsets(
            call.message.group_id, tps, [reply = call.reply](group::OffsetDeleteResult r) {
              OffsetDeleteResponse resp;
              resp.error_code = protocol::to_int(r.error_code);
              for (const group::PartitionError& pe : r.partitions) {
                if (resp.topics.empty() || resp.topics.back().name != pe.tp.topic) {
                  OffsetDeleteResponse::OffsetDeleteResponseTopic t;
                  t.name = pe.tp.topic;
                  resp.topics.push_back(std::move(t));
                }
                OffsetDeleteResponse::OffsetDeleteResponsePartition rp;
                rp.partition_index = pe.tp.partition;
                rp.error_code = protocol::to_int(pe.error_code);
                resp.topics.back().partitions.push_back(std::move(rp));
              }
              reply(resp);
            });
      });
}

}  // namespace eddy::broker
