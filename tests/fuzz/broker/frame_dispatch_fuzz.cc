// libFuzzer target: arbitrary bytes as what a client writes on a connection. They go through the
// connection's socket-free path (FrameAssembler, route_request) into the broker's real admin
// handlers (ApiVersions, Metadata, DescribeConfigs, DescribeCluster, SaslHandshake) over a
// metadata image with one broker and one topic, and into the generated request decoder for every
// other API. Anything but a clean answer or a clean refusal (crash, sanitizer report, unbounded
// allocation) is a finding.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>

#include "broker/broker_context.h"
#include "broker/handlers/all_handlers.h"
#include "broker/handlers/handler_util.h"
#include "broker/net/request_router.h"
#include "metadata/metadata_store.h"
#include "protocol/api.h"
#include "protocol/generated/dispatch.h"

namespace {

using namespace eddy;
using namespace eddy::broker;

struct Fixture {
  BrokerConfig config;
  std::unique_ptr<metadata::MetadataStore> store;
  std::unique_ptr<metadata::Controller> controller;
  std::unique_ptr<ControllerQueue> queue;
  BrokerContext ctx;
  HandlerRegistry registry;

  Fixture() {
    auto c = BrokerConfig::from_yaml("auto.create.topics.enable: false\n", {});
    config = std::move(*c);
    std::string dir = "/tmp/eddy-frame-dispatch-fuzz-";
    dir += std::to_string(::getpid());
    std::filesystem::remove_all(dir);
    store = metadata::MetadataStore::open({dir, 1 << 20}).value();
    controller = std::make_unique<metadata::Controller>(metadata::ControllerDefaults{});
    queue = std::make_unique<ControllerQueue>();
    metadata::BrokerRegistration reg;
    reg.id = 1;
    reg.endpoints.push_back({"PLAINTEXT", "127.0.0.1", 9092, 0});
    (void)store->commit([&](const metadata::MetadataImage& image, metadata::pb::MetadataBatch* b) {
      auto r = controller->register_broker(reg, b);
      metadata::CreateTopicSpec spec;
      spec.name = "fuzz";
      spec.num_partitions = 2;
      return r.ok() ? controller->create_topic(image, spec, b) : r;
    });
    ctx.config = &config;
    ctx.node_id = 1;
    ctx.cluster_id = "fuzz-cluster";
    ctx.metadata = store.get();
    ctx.controller = controller.get();
    ctx.controller_queue = queue.get();
    ctx.registry = &registry;
    // Every API first gets a handler that only decodes; the real handlers replace theirs.
    for (const protocol::ApiInfo& api : protocol::all_apis()) {
      registry.add(api_spec(static_cast<protocol::ApiKey>(api.key)),
                   [](Request request, Responder responder) {
                     auto body = protocol::decode_request(request.api_key(), request.api_version(),
                                                          request.body());
                     responder.respond(body.is_ok() ? Response::none() : Response::close());
                   });
    }
    register_api_versions(registry, ctx);
    register_metadata(registry, ctx);
    register_describe_configs(registry, ctx);
    register_describe_cluster(registry, ctx);
    register_sasl_handshake(registry, ctx);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Fixture* fixture = new Fixture();
  FrameAssembler assembler(1 << 20);
  size_t pos = 0;
  while (pos < size) {
    pos += assembler.feed(ByteSpan(data + pos, size - pos));
    if (assembler.error()) break;
    if (!assembler.has_frame()) continue;
    Routed routed = route_request(fixture->registry, assembler.take_frame());
    if (routed.action == Routed::Action::kClose) break;
    routed.entry->handler(std::move(routed.request), Responder([](Response) {}));
  }
  return 0;
}
