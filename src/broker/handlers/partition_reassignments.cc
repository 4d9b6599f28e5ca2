// AlterPartitionReassignments (key 45) and ListPartitionReassignments (key 46): KIP-455's
// partition reassignments, decided by ClusterControl::alter_partition_reassignment
// (docs/controller.md) and completed by the ISR change that brings the last adding replica in.
// Both are controller APIs: a node that is not the active controller forwards them. Each
// partition of an Alter is its own commit, planned against the image the previous one left (a
// partition named twice takes its last target). A List without topics lists every reassignment
// in progress; named partitions without one, or unknown, are left out (as Kafka's).
#include <vector>

#include "broker/handlers/all_handlers.h"
#include "broker/handlers/handler_util.h"
#include "protocol/generated/alter_partition_reassignments.h"
#include "protocol/generated/list_partition_reassignments.h"

namespace eddy::broker {

namespace {

using protocol::AlterPartitionReassignmentsRequest;
using protocol::AlterPartitionReassignmentsResponse;
using protocol::ListPartitionReassignmentsRequest;
using protocol::ListPartitionReassignmentsResponse;

AlterPartitionReassignmentsResponse alter(const BrokerContext& ctx,
                                          const AlterPartitionReassignmentsRequest& req,
                                          int16_t version) {
  AlterPartitionReassignmentsResponse resp;
  resp.allow_replication_factor_change = req.allow_replication_factor_change;
  const bool allow_rf_change = version < 1 || req.allow_replication_factor_change;
  for (const auto& t : req.topics) {
    AlterPartitionReassignmentsResponse::ReassignableTopicResponse out;
    out.name = t.name;
    for (const auto& p : t.partitions) {
      metadata::ControllerResult r = ctx.metadata->commit(
          [&](const metadata::MetadataImage& image, metadata::pb::MetadataBatch* batch) {
            return ctx.cluster_control->alter_partition_reassignment(
                image, t.name, p.partition_index, p.replicas, allow_rf_change, batch);
          });
      AlterPartitionReassignmentsResponse::ReassignablePartitionResponse pr;
      pr.partition_index = p.partition_index;
      pr.error_code = error_code(r.code);
      pr.error_message = r.ok() ? std::nullopt : std::optional<std::string>(r.message);
      out.partitions.push_back(std::move(pr));
    }
    resp.responses.push_back(std::move(out));
  }
  return resp;
}

void add_ongoing(const metadata::PartitionState& p,
                 ListPartitionReassignmentsResponse::OngoingTopicReassignment* out) {
  if (p.adding_replicas.empty() && p.removing_replicas.empty()) return;
  ListPartitionReassignmentsResponse::OngoingPartitionReassignment o;
  o.partition_index = p.partition;
  o.replicas = p.replicas;
  o.adding_replicas = p.adding_replicas;
  o.removing_replicas = p.removing_replicas;
  out->partitions.push_back(std::move(o));
}

ListPartitionReassignmentsResponse list(const BrokerContext& ctx,
                                        const ListPartitionReassignmentsRequest& req) {
  ListPartitionReassignmentsResponse resp;
  auto image = ctx.metadata->image();
  auto add_topic = [&](const metadata::TopicImage& t, const std::vector<int32_t>* only) {
    ListPartitionReassignmentsResponse::OngoingTopicReassignment out;
    out.name = t.name;
    if (only == nullptr) {
      for (const auto& p : t.partitions) add_ongoing(p, &out);
    } else {
      for (int32_t i : *only) {
        if (i >= 0 && static_cast<size_t>(i) < t.partitions.size()) {
          add_ongoing(t.partitions[i], &out);
        }
      }
    }
    if (!out.partitions.empty()) resp.topics.push_back(std::move(out));
  };
  if (!req.topics) {
    for (const auto& [name, t] : image->topics()) add_topic(*t, nullptr);
    return resp;
  }
  for (const auto& t : *req.topics) {
    if (const metadata::TopicImage* topic = image->topic(t.name)) {
      add_topic(*topic, &t.partition_indexes);
    }
  }
  return resp;
}

}  // namespace

void register_partition_reassignments(HandlerRegistry& registry, const BrokerContext& context) {
  const BrokerContext* ctx = &context;
  add_controller_handler<AlterPartitionReassignmentsRequest>(
      registry, context, protocol::ApiKey::kAlterPartitionReassignments,
      [ctx](const AlterPartitionReassignmentsRequest& req, int16_t version, Responder& r) {
        r.respond(encode_response(alter(*ctx, req, version), version));
      });
  add_controller_handler<ListPartitionReassignmentsRequest>(
      registry, context, protocol::ApiKey::kListPartitionReassignments,
      [ctx](const ListPartitionReassignmentsRequest& req, int16_t version, Responder& r) {
        r.respond(encode_response(list(*ctx, req), version));
      });
}

}  // namespace eddy::broker
