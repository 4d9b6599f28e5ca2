// Fetch (key 1): reads record batches through the ReplicaManager, for consumers and (with a
// replica id) follower brokers.
//
// The response carries the batches as file slices that the connection sends with sendfile; the
// bytes are never copied into the broker's memory. Long polling (max_wait_ms, min_bytes) happens
// in the replica manager's purgatory. v7+ clients may use incremental fetch sessions (KIP-227);
// v13+ names topics by id. v11+ consumers may fetch from followers (KIP-392): RackId in, and
// PreferredReadReplica out when replica.selector.class sends them to a follower of their rack.
//
// A request with replica_id >= 0 claims to be a follower broker. One from anything that is not a
// registered broker of the cluster (other than this one) is refused with
// CLUSTER_AUTHORIZATION_FAILED, so a client cannot pose as a replica and move the high watermark
// (CVE-2018-1288).
//
// Versions 4-18, Kafka 4's range: older versions expect message formats v0/v1.
#include "protocol/generated/fetch.h"

#include <algorithm>
#include <memory>

#include "broker/handlers/data_handlers.h"
#include "broker/handlers/handler_util.h"
#include "broker/handlers/leader_hint.h"
#include "broker/net/request_metrics.h"
#include "broker/replica/replica_manager.h"
#include "broker/topic_metrics.h"

namespace eddy::broker {

namespace {

using protocol::ErrorCode;
using protocol::FetchRequest;
using protocol::FetchResponse;

constexpr int16_t kMinFetchVersion = 4;

protocol::Records to_wire(const log::FileSlice& slice) {
  if (slice.empty()) return protocol::Records(Bytes{});
  protocol::FileSlice out;
  out.fd = slice.fd;
  out.position = slice.position;
  out.length = static_cast<uint32_t>(slice.length);
  out.keepalive = slice.keep_alive;
  return protocol::Records(std::vector<protocol::FileSlice>{std::move(out)});
}

FetchResponse::PartitionData to_wire(const FetchPartitionResult& r) {
  FetchResponse::PartitionData pd;
  pd.partition_index = r.tp.partition;
  pd.error_code = r.error;
  pd.high_watermark = r.high_watermark.value();
  pd.last_stable_offset = r.last_stable_offset.value();
  pd.log_start_offset = r.log_start_offset.value();
  if (r.diverging_epoch) {
    pd.diverging_epoch.epoch = r.diverging_epoch->epoch;
    pd.diverging_epoch.end_offset = r.diverging_epoch->end_offset;
  }
  pd.preferred_read_replica = r.preferred_read_replica;
  pd.records = to_wire(r.records);
  return pd;
}

// Every partition of a requested topic answered with one error, nothing read.
FetchResponse::FetchableTopicResponse refused_topic(const FetchRequest::FetchTopic& t,
                                                    ErrorCode code) {
  FetchResponse::FetchableTopicResponse tr;
  tr.topic = t.topic;
  tr.topic_id = t.topic_id;
  for (const auto& p : t.partitions) {
    FetchResponse::PartitionData pd;
    pd.partition_index = p.partition;
    pd.error_code = error_code(code);
    pd.high_watermark = -1;
    pd.records = protocol::Records(Bytes{});
    tr.partitions.push_back(std::move(pd));
  }
  return tr;
}

// Groups results by topic, keeping the order of first appearance (the session's order), then
// the topics refused before reading (`refused`).
Response build(const BrokerContext& ctx, int16_t version, int32_t session_id, int16_t top_error,
               const std::vector<FetchPartitionResult>& results,
               std::vector<FetchResponse::FetchableTopicResponse> refused = {}) {
  FetchResponse resp;
  resp.error_code = top_error;
  resp.session_id = session_id;
  std::shared_ptr<const metadata::MetadataImage> image;
  if (version >= 13) image = ctx.metadata->image();
  for (const FetchPartitionResult& r : results) {
    if (resp.responses.empty() || resp.responses.back().topic != r.tp.topic) {
      FetchResponse::FetchableTopicResponse t;
      t.topic = r.tp.topic;
      if (image) t.topic_id = topic_id_for_name(*image, r.tp.topic);
      resp.responses.push_back(std::move(t));
    }
    resp.responses.back().partitions.push_back(to_wire(r));
    if (version >= 12 && wants_leader_hint(r.error)) {
      if (!image) image = ctx.metadata->image();
      // NodeEndpoints is v16+; CurrentLeader alone before.
      add_leader_hint(*image, r.tp.topic, r.tp.partition,
                      &resp.responses.back().partitions.back().current_leader,
                      &resp.node_endpoints);
    }
  }
  for (auto& t : refused) resp.responses.push_back(std::move(t));
  return encode_response(resp, version);
}

// Answers every requested partition with one error (the request as a whole was refused), and the
// response with it too unless `top_level` is false.
Response refuse(const FetchRequest& req, int16_t version, ErrorCode code, bool top_level = true) {
  FetchResponse resp;
  resp.error_code = top_level ? error_code(code) : 0;
  for (const auto& t : req.topics) resp.responses.push_back(refused_topic(t, code));
  return encode_response(resp, version);
}

bool stale_broker_epoch(const BrokerContext& ctx, const FetchParams& params) {
  if (params.replica_epoch < 0) return false;
  const auto image = ctx.metadata->image();  // held while `b` is read
  const metadata::BrokerRegistration* b = image->broker(params.replica_id);
  return b != nullptr && b->epoch > params.replica_epoch;
}

// Kafka's fetch metrics of each partition read (topic_metrics.h, request_metrics.h).
void count_fetch(const std::vector<FetchPartitionResult>& results, bool from_follower) {
  for (const FetchPartitionResult& r : results) {
    request_metrics().count_error(FetchResponse::kApiKey, r.error);
    const TopicMetrics& m = topic_metrics(r.tp.topic);
    m.fetch_requests->inc();
    if (r.error != 0) m.failed_fetch_requests->inc();
    (from_follower ? m.replication_bytes_out : m.bytes_out)->inc(r.records.length);
  }
}

bool is_follower_broker(const BrokerContext& ctx, int32_t replica_id) {
  if (replica_id == ctx.node_id) return false;
  auto image = ctx.metadata->image();
  return image->brokers().contains(replica_id);
}

}  // namespace

void register_fetch(HandlerRegistry& registry, const BrokerContext& context) {
  const BrokerContext* ctx = &context;
  ApiSpec spec = api_spec(protocol::ApiKey::kFetch);
  spec.min_version = std::max(spec.min_version, kMinFetchVersion);
  registry.add(spec, [ctx](Request request, Responder responder) {
    auto req = decode_request<FetchRequest>(request);
    if (!req) {
      responder.respond(Response::close());
      return;
    }
    const int16_t version = request.api_version();
    FetchParams params;
    params.replica_id = version >= 15 ? req->replica_state.replica_id : req->replica_id;
    params.replica_epoch = version >= 15 ? req->replica_state.replica_epoch : -1;
    params.max_wait_ms = req->max_wait_ms;
    params.min_bytes = req->min_bytes;
    params.max_bytes = req->max_bytes;
    params.isolation = req->isolation_level == 1 ? IsolationLevel::kReadCommitted
                                                 : IsolationLevel::kReadUncommitted;
    if (version >= 11 && params.replica_id < 0) {
      // KIP-392: such a consumer may read from a follower (replica_manager.h).
      params.client_metadata = ClientMetadata{req->rack_id};
    }
    if (params.replica_id >= 0 && !is_follower_broker(*ctx, params.replica_id)) {
      responder.respond(refuse(*req, version, ErrorCode::kClusterAuthorizationFailed));
      return;
    }
    if (params.replica_id >= 0 && stale_broker_epoch(*ctx, params)) {
      // A previous incarnation of the follower (it restarted and registered again): what it
      // fetched says nothing about the new one's log (Kafka's NOT_LEADER_OR_FOLLOWER).
      responder.respond(refuse(*req, version, ErrorCode::kNotLeaderOrFollower, false));
      return;
    }

    std::vector<FetchPartitionInput> inputs;
    std::vector<TopicPartition> forgotten;
    // A topic id this node does not know (deleted, or created after this node's metadata) fails
    // that topic's partitions only, as in Kafka: a follower fetching many partitions, or a
    // consumer, keeps reading the others.
    std::vector<FetchResponse::FetchableTopicResponse> unknown;
    {
      std::shared_ptr<const metadata::MetadataImage> image;
      if (version >= 13) image = ctx->metadata->image();
      auto name_of = [&](const std::string& name, const Uuid& id) {
        return image ? topic_name_for_id(*image, id).value_or("") : name;
      };
      for (const auto& t : req->topics) {
        const std::string name = name_of(t.topic, t.topic_id);
        if (name.empty()) {
          unknown.push_back(refused_topic(t, ErrorCode::kUnknownTopicId));
          continue;
        }
        for (const auto& p : t.partitions) {
          FetchPartitionInput in;
          in.tp = TopicPartition{name, p.partition};
          in.fetch_offset = Offset(p.fetch_offset);
          in.partition_max_bytes = p.partition_max_bytes;
          in.current_leader_epoch = LeaderEpoch(p.current_leader_epoch);
          if (version >= 12) in.last_fetched_epoch = LeaderEpoch(p.last_fetched_epoch);
          if (version >= 5) in.log_start_offset = Offset(p.log_start_offset);
          inputs.push_back(std::move(in));
        }
      }
      for (const auto& f : req->forgotten_topics_data) {
        const std::string name = name_of(f.topic, f.topic_id);
        for (int32_t p : f.partitions) forgotten.push_back(TopicPartition{name, p});
      }
    }

    FetchSessionContext session;
    if (version >= 7) {
      session = ctx->replicas->fetch_sessions().begin(req->session_id, req->session_epoch,
                                                      std::move(inputs), forgotten);
      if (session.error != 0) {
        responder.respond(build(*ctx, version, 0, session.error, {}, std::move(unknown)));
        return;
      }
    } else {
      session.partitions = std::move(inputs);
    }
    std::vector<FetchPartitionInput> to_read = session.partitions;
    auto shared_responder = std::make_shared<Responder>(std::move(responder));
    ctx->replicas->fetch(
        params, std::move(to_read),
        [ctx, version, session = std::move(session), shared_responder, unknown = std::move(unknown),
         from_follower =
             params.replica_id >= 0](std::vector<FetchPartitionResult> results) mutable {
          count_fetch(results, from_follower);
          if (version >= 7) {
            results = ctx->replicas->fetch_sessions().finish(session, std::move(results));
          }
          shared_responder->respond(
              build(*ctx, version, session.session_id, 0, results, std::move(unknown)));
        });
  });
}

}  // namespace eddy::broker
