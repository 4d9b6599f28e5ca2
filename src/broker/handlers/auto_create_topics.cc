#include "broker/handlers/auto_create_topics.h"

#include <set>

#include "metadata/topic_name.h"

namespace eddy::broker {

void auto_create_topics(const BrokerContext& ctx, const std::vector<std::string>& names,
                        std::function<void()> then) {
  std::set<std::string> create;
  if (ctx.config->get_bool("auto.create.topics.enable")) {
    auto image = ctx.metadata->image();
    for (const std::string& name : names) {
      if (image->topic(name) != nullptr) continue;
      if (!metadata::validate_topic_name(name) || metadata::is_reserved_topic_name(name)) continue;
      create.insert(name);
    }
  }
  if (create.empty()) {
    then();
    return;
  }
  const BrokerContext* c = &ctx;
  ctx.commit(
      [c, create = std::move(create)](const metadata::MetadataImage& image,
                                      metadata::pb::MetadataBatch* out) {
        for (const auto& name : create) {
          metadata::CreateTopicSpec spec;
          spec.name = name;
          // Partitions and replication factor stay -1: the controller applies num.partitions
          // and default.replication.factor. A failure leaves that name to the caller's lookup.
          (void)c->controller->create_topic(image, spec, out);
        }
        return metadata::ControllerResult{};
      },
      /*validate_only=*/false,
      [then = std::move(then)](const metadata::ControllerResult&) { then(); });
}

}  // namespace eddy::broker
