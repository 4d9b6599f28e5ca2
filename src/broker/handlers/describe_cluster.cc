// DescribeCluster (key 60): cluster id, controller and the live registered brokers (v2 with
// IncludeFencedBrokers: the fenced ones too, marked). Eddy's brokers are the only endpoint type
// clients may ask for; CONTROLLERS (2) is UNSUPPORTED_ENDPOINT_TYPE, as a Kafka broker answers
// it. Authorized operations: protocol/acl.h.
#include "protocol/generated/describe_cluster.h"

#include "broker/handlers/all_handlers.h"
#include "broker/handlers/handler_util.h"
#include "broker/handlers/listed_brokers.h"
#include "protocol/acl.h"

namespace eddy::broker {

namespace {
constexpr int8_t kBrokersEndpointType = 1;
}

void register_describe_cluster(HandlerRegistry& registry, const BrokerContext& context) {
  const BrokerContext* ctx = &context;
  using protocol::DescribeClusterRequest;
  using protocol::DescribeClusterResponse;
  add_immediate_handler<DescribeClusterRequest>(
      registry, api_spec(protocol::ApiKey::kDescribeCluster),
      [ctx](const DescribeClusterRequest& req, int16_t version) {
        DescribeClusterResponse resp;
        resp.endpoint_type = req.endpoint_type;
        resp.cluster_id = ctx->cluster_id;
        auto image = ctx->metadata->image();
        resp.controller_id = client_controller_id(*ctx, *image);
        if (version >= 1 && req.endpoint_type != kBrokersEndpointType) {
          resp.error_code = error_code(protocol::ErrorCode::kUnsupportedEndpointType);
          resp.error_message = "only the BROKERS endpoint type is served";
          return resp;
        }
        resp.cluster_authorized_operations = protocol::authorized_operations(
            req.include_cluster_authorized_operations, protocol::AclResourceType::kCluster);
        if (version >= 2 && req.include_fenced_brokers) {
          // KIP-1073: every registered broker, each with whether it is fenced.
          for (const auto& [id, b] : image->brokers()) {
            if (b.endpoints.empty()) continue;
            DescribeClusterResponse::DescribeClusterBroker w;
            w.broker_id = b.id;
            w.host = b.endpoints.front().host;
            w.port = b.endpoints.front().port;
            w.rack = b.rack;
            w.is_fenced = !listed_broker(*ctx, *image, b.id);
            resp.brokers.push_back(std::move(w));
          }
          return resp;
        }
        resp.brokers =
            wire_brokers(*image, &DescribeClusterResponse::DescribeClusterBroker::broker_id);
        std::erase_if(resp.brokers, [&](const DescribeClusterResponse::DescribeClusterBroker& b) {
          return !listed_broker(*ctx, *image, b.broker_id);
        });
        return resp;
      });
}

}  // namespace eddy::broker
