#include "broker/handlers/config_entries.h"

#include "metadata/controller.h"
#include "metadata/group_config.h"
#include "metadata/topic_config.h"

namespace eddy::broker {

using metadata::ConfigSource;

namespace {

// The broker-level chain for `key`: per-node dynamic, cluster-default dynamic, static file,
// built-in default.
std::vector<ConfigSynonym> broker_chain(const BrokerContext& ctx,
                                        const metadata::MetadataImage& image,
                                        const std::string& key,
                                        std::optional<std::string_view> fallback_default) {
  std::vector<ConfigSynonym> out;
  if (const auto* m = image.broker_configs(std::to_string(ctx.node_id))) {
    if (auto it = m->find(key); it != m->end()) {
      out.push_back({key, it->second, ConfigSource::kDynamicBroker});
    }
  }
  if (const auto* m = image.broker_configs("")) {
    if (auto it = m->find(key); it != m->end()) {
      out.push_back({key, it->second, ConfigSource::kDynamicDefaultBroker});
    }
  }
  if (ctx.config->is_explicit(key)) {
    out.push_back({key, ctx.config->value(key), ConfigSource::kStaticBroker});
  }
  std::optional<std::string> def;
  if (const ConfigDef* d = find_broker_config(key); d && d->default_value) {
    def = std::string(*d->default_value);
  } else if (fallback_default) {
    def = std::string(*fallback_default);
  }
  out.push_back({key, def, ConfigSource::kDefault});
  return out;
}

}  // namespace

std::vector<ConfigEntry> topic_config_entries(const BrokerContext& ctx,
                                              const metadata::MetadataImage& image,
                                              const metadata::TopicImage& topic,
                                              const std::set<std::string>& keys) {
  std::vector<ConfigEntry> out;
  auto lookup = ctx.broker_lookup(image);
  for (const auto& def : metadata::topic_config_defs()) {
    std::string name(def.def.name);
    if (!keys.empty() && keys.count(name) == 0) continue;
    metadata::ResolvedValue v = metadata::resolve_topic_value(def, topic.configs, lookup);
    std::optional<std::string> policy_default = ctx.policy_default(name);
    if (v.source == ConfigSource::kDefault && policy_default) v.value = policy_default;
    ConfigEntry e;
    e.name = name;
    e.value = v.value;
    e.source = v.source;
    e.type = def.def.type;
    e.documentation = std::string(def.def.doc);
    if (auto it = topic.configs.find(name); it != topic.configs.end()) {
      e.synonyms.push_back({name, it->second, ConfigSource::kDynamicTopic});
    }
    std::vector<ConfigSynonym> chain =
        broker_chain(ctx, image, std::string(def.broker_synonym), def.def.default_value);
    // The last level is the topic's own built-in default, reported under the topic key.
    chain.back().name = name;
    chain.back().value = policy_default ? policy_default
                         : def.def.default_value
                             ? std::optional<std::string>(*def.def.default_value)
                             : std::nullopt;
    for (auto& s : chain) e.synonyms.push_back(std::move(s));
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<ConfigEntry> group_config_entries(const BrokerContext& ctx,
                                              const metadata::MetadataImage& image,
                                              const std::string& group,
                                              const std::set<std::string>& keys) {
  std::vector<ConfigEntry> out;
  const auto* overrides = image.group_configs(group);
  for (const auto& def : metadata::group_config_defs()) {
    std::string name(def.def.name);
    if (!keys.empty() && keys.count(name) == 0) continue;
    std::optional<std::string> override_value;
    if (overrides != nullptr) {
      if (auto it = overrides->find(name); it != overrides->end()) override_value = it->second;
    }
    if (def.internal && !override_value) continue;
    ConfigEntry e;
    e.name = name;
    e.type = def.def.type;
    e.documentation = std::string(def.def.doc);
    if (override_value) e.synonyms.push_back({name, override_value, ConfigSource::kGroup});
    if (!def.broker_synonym.empty()) {
      for (auto& s : broker_chain(ctx, image, std::string(def.broker_synonym), std::nullopt)) {
        e.synonyms.push_back(std::move(s));
      }
    } else if (def.def.default_value) {
      e.synonyms.push_back({name, std::string(*def.def.default_value), ConfigSource::kDefault});
    }
    if (!e.synonyms.empty()) {
      e.value = e.synonyms.front().value;
      e.source = e.synonyms.front().source;
    }
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<ConfigEntry> broker_config_entries(const BrokerContext& ctx,
                                               const metadata::MetadataImage& image,
                                               const std::set<std::string>& keys, bool per_broker) {
  std::vector<ConfigEntry> out;
  const auto* cluster_defaults = image.broker_configs("");
  for (const auto& def : broker_config_defs()) {
    std::string name(def.name);
    if (!keys.empty() && keys.count(name) == 0) continue;
    if (!per_broker && (cluster_defaults == nullptr || cluster_defaults->count(name) == 0)) {
      continue;
    }
    ConfigEntry e;
    e.name = name;
    e.type = def.type;
    e.documentation = std::string(def.doc);
    e.read_only = metadata::dynamic_broker_config(name) == nullptr;
    e.synonyms = broker_chain(ctx, image, name, std::nullopt);
    if (!per_broker) {
      // The cluster-wide resource knows no per-broker value: its chain starts at the default.
      std::erase_if(e.synonyms, [](const ConfigSynonym& s) {
        return s.source == ConfigSource::kDynamicBroker;
      });
    }
    e.value = e.synonyms.front().value;
    e.source = e.synonyms.front().source;
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace eddy::broker
