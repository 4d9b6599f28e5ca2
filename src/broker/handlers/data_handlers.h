#pragma once
// The data-path handlers (Produce, Fetch, ListOffsets, DeleteRecords, InitProducerId,
// OffsetForLeaderEpoch) over the ReplicaManager, and the few helpers they share.

#include <optional>
#include <string>

#include "broker/broker_context.h"
#include "broker/net/handler_registry.h"
#include "metadata/metadata_image.h"
#include "protocol/wire_types.h"

namespace eddy::broker {

void register_produce(HandlerRegistry& registry, const BrokerContext& context);
void register_fetch(HandlerRegistry& registry, const BrokerContext& context);
void register_list_offsets(HandlerRegistry& registry, const BrokerContext& context);
void register_delete_records(HandlerRegistry& registry, const BrokerContext& context);
void register_init_producer_id(HandlerRegistry& registry, const BrokerContext& context);
void register_offset_for_leader_epoch(HandlerRegistry& registry, const BrokerContext& context);
// All six.
void register_data_handlers(HandlerRegistry& registry, const BrokerContext& context);

// A topic named by id (Produce v13+, Fetch v13+): its name, or nullopt when unknown.
std::optional<std::string> topic_name_for_id(const metadata::MetadataImage& image, const Uuid& id);
// The wire id of a topic (zero when unknown).
Uuid topic_id_for_name(const metadata::MetadataImage& image, const std::string& name);

}  // namespace eddy::broker
