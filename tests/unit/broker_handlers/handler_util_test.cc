// The shared plumbing of the Kafka API handlers (handler_util.h, group_handlers.h): how requests
// are decoded and answered, duplicate detection in admin requests, the broker list.
#include "broker/handlers/handler_util.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "broker/handlers/group_handlers.h"
#include "protocol/generated/metadata.h"
#include "protocol/generated/sasl_handshake.h"

namespace eddy::broker {
namespace {

using protocol::SaslHandshakeRequest;
using protocol::SaslHandshakeResponse;

// A request as route_request hands it over: the body alone, at `version`.
Request request_with_body(int16_t api_key, int16_t version, Bytes body) {
  Request r;
  r.header.api_key = api_key;
  r.header.api_version = version;
  r.frame.assign(body.begin(), body.end());
  r.body_offset = 0;
  return r;
}

Bytes sasl_body(const std::string& mechanism) {
  Bytes b{static_cast<uint8_t>(mechanism.size() >> 8), static_cast<uint8_t>(mechanism.size())};
  for (char c : mechanism) b.push_back(static_cast<uint8_t>(c));
  return b;
}

// Dispatches `request` to the handler registered for its key and returns what it answered.
std::vector<Response> dispatch(const HandlerRegistry& registry, Request request) {
  std::vector<Response> answers;
  const HandlerRegistry::Entry* e = registry.find(request.api_key());
  e->handler(std::move(request), Responder([&](Response r) { answers.push_back(std::move(r)); }));
  return answers;
}

HandlerRegistry echo_mechanism_registry() {
  HandlerRegistry registry;
  add_immediate_handler<SaslHandshakeRequest>(registry, api_spec(protocol::ApiKey::kSaslHandshake),
                                              [](const SaslHandshakeRequest& req, int16_t version) {
                                                SaslHandshakeResponse resp;
                                                resp.error_code = version;
                                                resp.mechanisms.push_back(req.mechanism);
                                                return resp;
                                              });
  return registry;
}

TEST(AddImmediateHandler, AnswersWithTheResponseEncodedAtTheRequestVersion) {
  HandlerRegistry registry = echo_mechanism_registry();
  auto answers = dispatch(registry, request_with_body(17, 1, sasl_body("PLAIN")));
  ASSERT_EQ(answers.size(), 1u);
  ASSERT_EQ(answers[0].kind, Response::Kind::kSend);
  ASSERT_EQ(answers[0].body.size(), 1u);
  const Bytes& bytes = std::get<Bytes>(answers[0].body[0]);
  protocol::Reader reader{ByteSpan(bytes)};
  SaslHandshakeResponse resp;
  resp.decode(reader, 1);
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ(resp.error_code, 1);
  EXPECT_EQ(resp.mechanisms, std::vector<std::string>{"PLAIN"});
}

TEST(AddImmediateHandler, MalformedBodyClosesTheConnection) {
  HandlerRegistry registry = echo_mechanism_registry();
  Bytes truncated{0x00, 0x64, 'a', 'b'};  // a 100-byte string with 2 bytes present
  auto answers = dispatch(registry, request_with_body(17, 1, truncated));
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_EQ(answers[0].kind, Response::Kind::kClose);
}

TEST(GroupReply, CopiesShareOneResponderThatAnswersOnce) {
  std::vector<Response> answers;
  GroupReply reply(0, Responder([&](Response r) { answers.push_back(std::move(r)); }));
  GroupReply copy = reply;
  SaslHandshakeResponse resp;
  copy(resp);
  reply(resp);
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_EQ(answers[0].kind, Response::Kind::kSend);
}

TEST(GroupReply, DroppedUnansweredClosesTheConnection) {
  std::vector<Response> answers;
  {
    GroupReply reply(0, Responder([&](Response r) { answers.push_back(std::move(r)); }));
    GroupReply copy = reply;
  }
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_EQ(answers[0].kind, Response::Kind::kClose);
}

TEST(RepeatedEntries, MarksEveryCopyOfANameGivenTwice) {
  std::vector<std::string> names{"a", "b", "a", "c"};
  EXPECT_EQ(repeated_entries(names, [](const std::string& n) { return n; }),
            (std::vector<bool>{true, false, true, false}));
}

TEST(RepeatedEntries, ComparesTheWholeCompositeKey) {
  std::vector<std::pair<int8_t, std::string>> resources{{2, "t"}, {4, "t"}, {2, "u"}, {2, "t"}};
  EXPECT_EQ(repeated_entries(resources, [](const auto& r) { return r; }),
            (std::vector<bool>{true, false, false, true}));
}

TEST(WireBrokers, ListsEachBrokerAtItsFirstEndpointAndSkipsThoseWithout) {
  metadata::MetadataImage image;
  metadata::BrokerRegistration b1;
  b1.id = 1;
  b1.endpoints = {{"PLAINTEXT", "h1", 9092, 0}, {"OTHER", "h1b", 9093, 0}};
  b1.rack = "r1";
  metadata::BrokerRegistration b2;
  b2.id = 2;
  for (const auto& b : {b1, b2}) {
    metadata::pb::MetadataRecord record;
    metadata::to_record(b, record.mutable_register_broker());
    ASSERT_TRUE(image.apply(record).ok());
  }
  using WireBroker = protocol::MetadataResponse::MetadataResponseBroker;
  std::vector<WireBroker> brokers = wire_brokers(image, &WireBroker::node_id);
  ASSERT_EQ(brokers.size(), 1u);
  EXPECT_EQ(brokers[0].node_id, 1);
  EXPECT_EQ(brokers[0].host, "h1");
  EXPECT_EQ(brokers[0].port, 9092);
  EXPECT_EQ(brokers[0].rack, std::optional<std::string>("r1"));
}

}  // namespace
}  // namespace eddy::broker
