#pragma once
// Shared plumbing of the Kafka API handlers: decode a request body into its generated struct,
// encode a response struct into a Response, and the ApiSpec of an API from protocol/api.h.

#include <chrono>
#include <functional>
#include <iterator>
#include <map>
#include <optional>
#include <type_traits>
#include <vector>

#include "broker/broker_context.h"
#include "broker/net/handler_registry.h"
#include "broker/net/request.h"
#include "broker/net/request_metrics.h"
#include "broker/net/response.h"
#include "metadata/metadata_image.h"
#include "protocol/api.h"
#include "protocol/errors.h"
#include "protocol/reader.h"
#include "protocol/writer.h"

namespace eddy::broker {

// The registry entry for `key` with the version range protocol/api.h supports.
ApiSpec api_spec(protocol::ApiKey key);

// Decodes the body of `request`; nullopt when it is malformed (Kafka closes the connection on a
// request it cannot parse: answer with Response::close()).
template <typename Message>
std::optional<Message> decode_request(const Request& request) {
  protocol::Reader reader(request.body());
  Message m;
  m.decode(reader, request.api_version());
  if (!reader.ok()) return std::nullopt;
  return m;
}

// decode_request that also answers a malformed body by closing the connection.
template <typename Message>
std::optional<Message> decode_or_close(const Request& request, Responder& responder) {
  std::optional<Message> m = decode_request<Message>(request);
  if (!m) responder.respond(Response::close());
  return m;
}

template <typename Message>
Response encode_response(const Message& m, int16_t version) {
  // Kafka's request metrics: the answer's top-level error code and throttle time.
  if constexpr (requires { m.error_code; }) {
    request_metrics().count_error(Message::kApiKey, m.error_code);
  }
  if constexpr (requires { m.throttle_time_ms; }) {
    request_metrics().observe(Message::kApiKey, RequestStage::kThrottle,
                              int64_t{m.throttle_time_ms} * 1000);
  }
  protocol::Writer w(m.size(version));
  m.encode(w, version);
  return Response::chunks(w.take_chunks());
}

// Runs `task` on the controller thread (where metadata commits may fsync), handing it the
// responder; `request_bytes` (the request's size) counts against the queue's byte bound. When the
// controller queue is full the connection is closed: the client reconnects and retries, and
// nothing was changed. When the client disconnected before its turn, the task never runs.
void run_on_controller(const BrokerContext& ctx, size_t request_bytes, Responder responder,
                       std::function<void(Responder&)> task);

// True when `request` carries the principal of a broker of this cluster (ControllerChannel).
bool is_from_broker(const BrokerContext& ctx, const Request& request);

// Forwards a client's request to the active controller (on a cluster node that is not it)
// through the ForwardingManager, off the controller thread: the frame goes out as it came
// (ControllerChannel) and the controller's answer is given to `responder` as it is. A forward
// that fails (no controller known, connection refused or broken, no answer) or that a node
// which lost its leadership answers NOT_CONTROLLER is retried against the active controller the
// metadata names then, as Kafka's forwarding does, until the arrival plus the controller
// channel's timeout. When this node became the active controller, or no controller answered
// in time, `serve_here` runs on the controller thread (run_on_controller) and answers it
// (NOT_CONTROLLER in every entry when this node is still not the controller), so that a client
// is never left without an answer.
void forward_to_controller(const BrokerContext& ctx, Request request, Responder responder,
                           std::function<void(Responder&)> serve_here);

// True when this node must forward `request` rather than serve it: a cluster node that is not
// the active controller, and the request is a client's (one a broker forwarded is answered here,
// NOT_CONTROLLER if need be, so that forwarding never loops).
bool should_forward(const BrokerContext& ctx, const Request& request);
// How long a forwarded request is retried (the controller channel's timeout).
std::chrono::milliseconds controller_forward_timeout(const BrokerContext& ctx);

// Registers the handler of an admin API whose work is a metadata commit: the body is decoded
// into Message on the network thread (a malformed body closes the connection), then
// fn(message, version, responder) runs on the controller thread; a fn that takes a fourth
// argument is told whether a broker of the cluster sent the request (forwarded on its behalf).
// On a cluster node that is not the active controller a client's request is forwarded instead.
template <typename Message, typename Fn>
void add_controller_handler(HandlerRegistry& registry, const BrokerContext& context,
                            protocol::ApiKey key, Fn fn) {
  const BrokerContext* ctx = &context;
  registry.add(api_spec(key), [ctx, fn](Request request, Responder responder) {
    auto message = decode_or_close<Message>(request, responder);
    if (!message) return;
    int16_t version = request.api_version();
    bool from_broker = is_from_broker(*ctx, request);
    std::function<void(Responder&)> serve = [fn, message = std::move(*message), version,
                                             from_broker](Responder& r) {
      if constexpr (std::is_invocable_v<Fn, const Message&, int16_t, Responder&, bool>) {
        fn(message, version, r, from_broker);
      } else {
        (void)from_broker;  // this API does not ask who sent it
        fn(message, version, r);
      }
    };
    if (should_forward(*ctx, request)) {
      return forward_to_controller(*ctx, std::move(request), std::move(responder),
                                   std::move(serve));
    }
    run_on_controller(*ctx, request.frame.size(), std::move(responder), std::move(serve));
  });
}

// Registers the handler of an API answered at once on the network thread: the body is decoded
// into Message (a malformed body closes the connection) and answer(message, version) returns the
// response struct, encoded at the request's version. `spec` is api_spec(key), possibly narrowed.
template <typename Message, typename Fn>
void add_immediate_handler(HandlerRegistry& registry, const ApiSpec& spec, Fn answer) {
  registry.add(spec, [answer](Request request, Responder responder) {
    auto message = decode_or_close<Message>(request, responder);
    if (!message) return;
    int16_t version = request.api_version();
    responder.respond(encode_response(answer(*message, version), version));
  });
}

// For each of `items`, whether key(item) occurs more than once: Kafka answers every copy of a
// topic or resource named twice in one admin request with INVALID_REQUEST and serves the rest.
template <typename Items, typename Key>
std::vector<bool> repeated_entries(const Items& items, Key key) {
  std::map<std::decay_t<decltype(key(*std::begin(items)))>, int> counts;
  for (const auto& item : items) ++counts[key(item)];
  std::vector<bool> out;
  for (const auto& item : items) out.push_back(counts[key(item)] > 1);
  return out;
}

// Answers each topic of a CreateTopics or CreatePartitions request: answer(topic) for a topic
// named once, INVALID_REQUEST with `duplicate_message` for every copy of one named twice.
template <typename Result, typename Topics, typename Answer>
std::vector<Result> answer_each_topic_once(const Topics& topics, const char* duplicate_message,
                                           Answer answer) {
  std::vector<bool> repeated = repeated_entries(topics, [](const auto& t) { return t.name; });
  std::vector<Result> out;
  for (size_t i = 0; i < topics.size(); ++i) {
    if (!repeated[i]) {
      out.push_back(answer(topics[i]));
      continue;
    }
    Result dup;
    dup.name = topics[i].name;
    dup.error_code = protocol::to_int(protocol::ErrorCode::kInvalidRequest);
    dup.error_message = duplicate_message;
    out.push_back(std::move(dup));
  }
  return out;
}

// Each live (unfenced) registered broker at its first endpoint, as the broker entries of Metadata
// or DescribeCluster; `id` names that struct's broker id field (node_id, broker_id). Clients are
// not told about fenced brokers, as Kafka's metadata cache leaves them out.
template <typename WireBroker>
std::vector<WireBroker> wire_brokers(const metadata::MetadataImage& image,
                                     int32_t WireBroker::*id) {
  std::vector<WireBroker> out;
  for (const auto& [node, b] : image.brokers()) {
    if (b.endpoints.empty() || b.fenced) continue;
    WireBroker w;
    w.*id = b.id;
    w.host = b.endpoints.front().host;
    w.port = b.endpoints.front().port;
    w.rack = b.rack;
    out.push_back(std::move(w));
  }
  return out;
}

// The controller id a client is told (Metadata, DescribeCluster): the active controller while
// it is a broker those answers list (registered, unfenced, with an endpoint); else this node when
// listed, else the first listed broker (any node forwards admin requests to the active
// controller, and Kafka's KRaft brokers name a live broker too); -1 when none is listed. Clients
// send admin requests to the broker named and wait for it: librdkafka waited for an active
// controller that was fenced in its controlled shutdown until its next periodic metadata refresh
// (5 minutes), every admin request timing out meanwhile.
int32_t client_controller_id(const BrokerContext& ctx, const metadata::MetadataImage& image);

inline int16_t error_code(protocol::ErrorCode e) { return protocol::to_int(e); }

// Registers the handler of a broker-to-controller API (AlterPartition, BrokerHeartbeat,
// AllocateProducerIds): like add_controller_handler, but only a registered broker of the cluster
// (its principal, ControllerChannel) is served, and no node forwards one for a client, since a
// node forwards with its own broker principal, which the controller trusts. Anyone else gets
// CLUSTER_AUTHORIZATION_FAILED in Response's top-level error code, and nothing changes.
template <typename Message, typename Response, typename Fn>
void add_broker_to_controller_handler(HandlerRegistry& registry, const BrokerContext& context,
                                      protocol::ApiKey key, Fn fn) {
  const BrokerContext* ctx = &context;
  registry.add(api_spec(key), [ctx, fn](Request request, Responder responder) {
    auto message = decode_or_close<Message>(request, responder);
    if (!message) return;
    const int16_t version = request.api_version();
    if (!is_from_broker(*ctx, request)) {
      Response resp;
      resp.error_code = error_code(protocol::ErrorCode::kClusterAuthorizationFailed);
      return responder.respond(encode_response(resp, version));
    }
    run_on_controller(
        *ctx, request.frame.size(), std::move(responder),
        [fn, message = std::move(*message), version](Responder& r) { fn(message, version, r); });
  });
}

}  // namespace eddy::broker
