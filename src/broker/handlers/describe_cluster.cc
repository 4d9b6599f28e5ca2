// DescribeCluster (key 60): cluster id, controller and the registered brokers. Eddy's brokers
// are the only endpoint type clients may ask for; CONTROLLERS (2) is UNSUPPORTED_ENDPOINT_TYPE,
// as a Kafka broker answers it.
#include "protocol/generated/describe_cluster.h"

#include "broker/handlers/all_handlers.h"
#include "broker/handlers/handler_util.h"

namespace eddy::broker {

namespace {
constexpr int8_t kBrokersEndpointType = 1;
}

void register_describe_cluster(HandlerRegistry& registry, const BrokerContext& context) {
  const BrokerContext* ctx = &context;
  registry.add(api_spec(protocol::ApiKey::kDescribeCluster),
               [ctx](Request request, Responder responder) {
                 auto req = decode_request<protocol::DescribeClusterRequest>(request);
                 if (!req) {
                   responder.respond(Response::close());
                   return;
                 }
                 protocol::DescribeClusterResponse resp;
                 resp.endpoint_type = req->endpoint_type;
                 resp.cluster_id = ctx->cluster_id;
                 resp.controller_id = ctx->node_id;
                 if (request.api_version() >= 1 && req->endpoint_type != kBrokersEndpointType) {
                   resp.error_code = error_code(protocol::ErrorCode::kUnsupportedEndpointType);
                   resp.error_message = "only the BROKERS endpoint type is served";
                   responder.respond(encode_response(resp, request.api_version()));
                   return;
                 }
                 auto image = ctx->metadata->image();
                 for (const auto& [id, b] : image->brokers()) {
                   if (b.endpoints.empty()) continue;
                   protocol::DescribeClusterResponse::DescribeClusterBroker db;
                   db.broker_id = b.id;
                   db.host = b.endpoints.front().host;
                   db.port = b.endpoints.front().port;
                   db.rack = b.rack;
                   resp.brokers.push_back(std::move(db));
                 }
                 responder.respond(encode_response(resp, request.api_version()));
               });
}

}  // namespace eddy::broker
