// Produce (key 0): appends record batches through the ReplicaManager.
//
// acks=0 sends no response (the connection moves on to the next request), acks=1 answers once
// the batches are in the leader's log, acks=-1 once the high watermark covers them (durable under
// the flush policy and held by every in-sync replica) or at timeout_ms with REQUEST_TIMED_OUT.
// Any other acks value is INVALID_REQUIRED_ACKS for every partition.
//
// Topics that do not exist are created first when auto.create.topics.enable is on (clients
// normally trigger that through Metadata; a producer that skips it still gets its topic), then
// the records are appended once the creation is committed and the partitions are led here.
//
// Versions 3-13, Kafka 4's range: older versions carry message formats v0/v1, which Eddy does not
// store.
#include "protocol/generated/produce.h"

#include <algorithm>
#include <memory>

#include "broker/handlers/auto_create_topics.h"
#include "broker/handlers/data_handlers.h"
#include "broker/handlers/handler_util.h"
#include "broker/handlers/leader_hint.h"
#include "broker/net/request_metrics.h"
#include "broker/replica/replica_manager.h"
#include "broker/topic_metrics.h"
#include "log/log_metrics.h"
#include "protocol/records/batch_header.h"

namespace eddy::broker {

namespace {

using protocol::ErrorCode;
using protocol::ProduceRequest;
using protocol::ProduceResponse;

constexpr int16_t kMinProduceVersion = 3;

struct ProduceCall {
  // The request frame: the decoded records are views into it (appended in place, no copy), so
  // it is declared first and outlives `request`.
  UninitBytes frame;
  ProduceRequest request;
  int16_t version = 0;
  Responder responder;
  // Per topic of the request, the name it resolves to (empty when its id is unknown).
  std::vector<std::string> names;
};

// `image` (may be null) gives KIP-951's CurrentLeader and NodeEndpoints to partitions led
// elsewhere (v10+).
Response build_response(const ProduceCall& call, const std::vector<ProducePartitionResult>& results,
                        const std::vector<std::pair<size_t, size_t>>& positions,
                        int16_t error_for_all, const metadata::MetadataImage* image = nullptr) {
  ProduceResponse resp;
  for (size_t t = 0; t < call.request.topic_data.size(); ++t) {
    const auto& td = call.request.topic_data[t];
    ProduceResponse::TopicProduceResponse tr;
    tr.name = td.name;
    tr.topic_id = td.topic_id;
    for (const auto& pd : td.partition_data) {
      ProduceResponse::PartitionProduceResponse pr;
      pr.index = pd.index;
      pr.base_offset = -1;
      pr.error_code = error_for_all;
      tr.partition_responses.push_back(std::move(pr));
    }
    resp.responses.push_back(std::move(tr));
  }
  for (size_t i = 0; i < results.size() && i < positions.size(); ++i) {
    const ProducePartitionResult& r = results[i];
    auto& pr = resp.responses[positions[i].first].partition_responses[positions[i].second];
    pr.error_code = r.error;
    pr.base_offset = r.error == 0 ? r.base_offset.value() : -1;
    pr.log_append_time_ms = r.log_append_time_ms;
    pr.log_start_offset = r.log_start_offset.value();
    if (!r.error_message.empty()) pr.error_message = r.error_message;
    for (const records::RecordError& e : r.record_errors) {
      pr.record_errors.push_back({e.batch_index, e.message, {}});
    }
    if (image != nullptr && call.version >= 10 && wants_leader_hint(r.error)) {
      add_leader_hint(*image, r.tp.topic, r.tp.partition, &pr.current_leader, &resp.node_endpoints);
    }
  }
  return encode_response(resp, call.version);
}

// Kafka's produce metrics of each partition written (topic_metrics.h, request_metrics.h).
void count_produce(const ProduceCall& call, const std::vector<ProducePartitionResult>& results,
                   const std::vector<std::pair<size_t, size_t>>& positions) {
  for (size_t i = 0; i < results.size() && i < positions.size(); ++i) {
    const ProducePartitionResult& r = results[i];
    request_metrics().count_error(ProduceResponse::kApiKey, r.error);
    if (r.tp.topic.empty()) continue;
    const TopicMetrics& m = topic_metrics(r.tp.topic);
    m.produce_requests->inc();
    if (r.error != 0) {
      m.failed_produce_requests->inc();
      if (r.error == error_code(ErrorCode::kKafkaStorageError)) {
        log::count_storage_error(r.tp.topic, r.tp.partition);
      }
      continue;
    }
    const auto& pd =
        call.request.topic_data[positions[i].first].partition_data[positions[i].second];
    ByteSpan records = pd.records->memory();
    m.bytes_in->inc(records.size());
    if (records.size() >= records::kBatchHeaderSize) {
      m.messages_in->inc(
          static_cast<uint32_t>(records::read_batch_header(records.data()).records_count));
    }
  }
}

void append(const BrokerContext& ctx, std::shared_ptr<ProduceCall> call) {
  std::vector<ProducePartitionInput> inputs;
  std::vector<std::pair<size_t, size_t>> positions;  // (topic, partition) of each input
  std::vector<ProducePartitionResult> early;         // answered without the replica manager
  std::vector<std::pair<size_t, size_t>> early_positions;
  for (size_t t = 0; t < call->request.topic_data.size(); ++t) {
    auto& td = call->request.topic_data[t];
    for (size_t p = 0; p < td.partition_data.size(); ++p) {
      auto& pd = td.partition_data[p];
      TopicPartition tp{call->names[t], pd.index};
      if (tp.topic.empty()) {
        ProducePartitionResult r;
        r.tp = tp;
        r.error = error_code(call->version >= 13 ? ErrorCode::kUnknownTopicId
                                                 : ErrorCode::kUnknownTopicOrPartition);
        early.push_back(std::move(r));
        early_positions.emplace_back(t, p);
        continue;
      }
      if (!pd.records || !pd.records->in_memory()) {
        ProducePartitionResult r;
        r.tp = tp;
        r.error = error_code(ErrorCode::kInvalidRecord);
        early.push_back(std::move(r));
        early_positions.emplace_back(t, p);
        continue;
      }
      inputs.push_back({std::move(tp), pd.records->mutable_memory()});
      positions.emplace_back(t, p);
    }
  }
  const int16_t acks = call->request.acks;
  ctx.replicas->append_records(
      std::move(inputs), acks, std::max(call->request.timeout_ms, 0),
      [ctx = &ctx, call, positions = std::move(positions), early = std::move(early),
       early_positions = std::move(early_positions),
       acks](std::vector<ProducePartitionResult> results) mutable {
        count_produce(*call, results, positions);
        if (acks == 0) {
          call->responder.respond(Response::none());
          return;
        }
        results.insert(results.end(), early.begin(), early.end());
        positions.insert(positions.end(), early_positions.begin(), early_positions.end());
        call->responder.respond(
            build_response(*call, results, positions, 0, ctx->metadata->image().get()));
      });
}

}  // namespace

std::optional<std::string> topic_name_for_id(const metadata::MetadataImage& image, const Uuid& id) {
  const metadata::TopicImage* t = image.topic_by_id(id);
  if (t == nullptr) return std::nullopt;
  return t->name;
}

Uuid topic_id_for_name(const metadata::MetadataImage& image, const std::string& name) {
  Uuid id;
  if (const metadata::TopicImage* t = image.topic(name)) id = t->id;
  return id;
}

void register_produce(HandlerRegistry& registry, const BrokerContext& context) {
  const BrokerContext* ctx = &context;
  ApiSpec spec = api_spec(protocol::ApiKey::kProduce);
  spec.min_version = std::max(spec.min_version, kMinProduceVersion);
  registry.add(spec, [ctx](Request request, Responder responder) {
    auto call = std::make_shared<ProduceCall>();
    call->version = request.api_version();
    call->frame = std::move(request.frame);
    MutableByteSpan body = MutableByteSpan(call->frame).subspan(request.body_offset);
    protocol::Reader reader(body);
    reader.borrow_records(body);
    call->request.decode(reader, call->version);
    if (!reader.ok()) {
      responder.respond(Response::close());
      return;
    }
    call->responder = std::move(responder);
    {
      auto image = ctx->metadata->image();
      for (const auto& td : call->request.topic_data) {
        if (call->version >= 13) {
          call->names.push_back(topic_name_for_id(*image, td.topic_id).value_or(""));
        } else {
          call->names.push_back(td.name);
        }
      }
    }
    const int16_t acks = call->request.acks;
    if (acks != 0 && acks != 1 && acks != -1) {
      call->responder.respond(
          build_response(*call, {}, {}, error_code(ErrorCode::kInvalidRequiredAcks)));
      return;
    }
    // Once any missing topic is created (and so led here), the append finds it.
    auto_create_topics(*ctx, call->names, [ctx, call] { append(*ctx, call); });
  });
}

}  // namespace eddy::broker
