#include "broker/config/broker_config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <thread>

#include "broker/config/kafka_compat.h"

namespace eddy::broker {
namespace {

constexpr int kMaxYamlDepth = 16;

// Flattens a YAML node into dotted keys: {log: {dirs: [a, b]}} -> "log.dirs" = "a,b".
Status flatten(const YAML::Node& node, const std::string& prefix, int depth,
               std::map<std::string, std::string>* out) {
  if (depth > kMaxYamlDepth) return invalid_argument("config nests deeper than 16 levels");
  switch (node.Type()) {
    case YAML::NodeType::Map:
      for (const auto& kv : node) {
        if (!kv.first.IsScalar()) return invalid_argument("config keys must be strings");
        std::string key = kv.first.as<std::string>();
        std::string full = prefix.empty() ? key : prefix + "." + key;
        EDDY_RETURN_IF_ERROR(flatten(kv.second, full, depth + 1, out));
      }
      return Status::ok();
    case YAML::NodeType::Sequence: {
      std::string joined;
      for (const auto& item : node) {
        if (!item.IsScalar()) {
          return invalid_argument("config key '" + prefix + "': list items must be scalars");
        }
        if (!joined.empty()) joined += ",";
        joined += item.as<std::string>();
      }
      (*out)[prefix] = joined;
      return Status::ok();
    }
    case YAML::NodeType::Scalar:
      (*out)[prefix] = node.as<std::string>();
      return Status::ok();
    case YAML::NodeType::Null:
      (*out)[prefix] = "";
      return Status::ok();
    case YAML::NodeType::Undefined:
      break;
  }
  return invalid_argument("config key '" + prefix + "' has an undefined value");
}

Result<uint16_t> parse_port(std::string_view key, std::string_view text) {
  auto port = metadata::parse_config_long(text);
  if (!port || *port < 0 || *port > 65535) {
    return invalid_argument("config key '" + std::string(key) + "': bad port '" +
                            std::string(text) + "'");
  }
  return static_cast<uint16_t>(*port);
}

}  // namespace

Result<std::vector<ListenerSpec>> parse_listeners(std::string_view key, std::string_view value,
                                                  std::string_view protocol) {
  std::vector<ListenerSpec> out;
  for (const auto& item : metadata::split_config_list(value)) {
    auto bad = [&](const std::string& why) {
      return invalid_argument("config key '" + std::string(key) + "': listener '" + item + "' " +
                              why + " (expected NAME://host:port)");
    };
    size_t sep = item.find("://");
    if (sep == std::string::npos || sep == 0) return bad("has no NAME://");
    size_t colon = item.rfind(':');
    if (colon == std::string::npos || colon < sep + 3) return bad("has no port");
    ListenerSpec l;
    l.name = item.substr(0, sep);
    l.host = item.substr(sep + 3, colon - sep - 3);
    if (l.host.size() >= 2 && l.host.front() == '[' && l.host.back() == ']') {
      l.host = l.host.substr(1, l.host.size() - 2);
    }
    auto port = parse_port(key, item.substr(colon + 1));
    if (!port) return port.status();
    l.port = *port;
    if (l.name != protocol) return bad("uses a protocol other than " + std::string(protocol));
    out.push_back(std::move(l));
  }
  if (out.empty() && protocol == "PLAINTEXT") {
    return invalid_argument("config key '" + std::string(key) + "' is empty");
  }
  return out;
}

namespace {

// Empty means a single node with a local metadata log; anything else is a Raft quorum.
Result<std::map<NodeId, raft::PeerAddress>> parse_voters_value(const std::string& value) {
  if (metadata::split_config_list(value).empty()) return std::map<NodeId, raft::PeerAddress>();
  return raft::parse_quorum_voters(value);
}

}  // namespace

Status BrokerConfig::set(std::string_view name, std::string value) {
  const ConfigDef* def = find_broker_config(name);
  if (def == nullptr) {
    const auto& ignored = ignored_kafka_keys();
    if (auto it = ignored.find(name); it != ignored.end()) {
      warnings_.push_back("config key '" + std::string(name) + "' is a Kafka key that does not " +
                          "apply to Eddy (" + std::string(it->second) + "): ignored");
      return Status::ok();
    }
    return invalid_argument("unknown config key '" + std::string(name) + "'");
  }
  EDDY_RETURN_IF_ERROR(metadata::validate_config_value(*def, value));
  values_[std::string(name)] = std::move(value);
  return Status::ok();
}

Status BrokerConfig::validate_all() const {
  EDDY_RETURN_IF_ERROR(parse_listeners("listeners", get_string("listeners")).status());
  if (auto adv = value("advertised.listeners"); adv && !adv->empty()) {
    EDDY_RETURN_IF_ERROR(parse_listeners("advertised.listeners", *adv).status());
  }
  EDDY_RETURN_IF_ERROR(
      parse_listeners("admin.listeners", get_string("admin.listeners"), "http").status());
  EDDY_ASSIGN_OR_RETURN(auto voters, parse_voters_value(get_string("controller.quorum.voters")));
  // A single voter must be this node; in a quorum this node must be one of the voters (broker-only
  // nodes, which follow the metadata without voting, are not served yet: process.roles).
  bool self_is_voter = voters.contains(NodeId(node_id()));
  {
    auto roles = get_list("process.roles");
    std::sort(roles.begin(), roles.end());
    if (roles != std::vector<std::string>{"broker", "controller"}) {
      return invalid_argument(
          "config key 'process.roles': an Eddy node is both broker and controller "
          "(broker,controller); separate broker-only and controller-only nodes are not served");
    }
  }
  if (!voters.empty() && !self_is_voter) {
    return invalid_argument("config key 'controller.quorum.voters': node.id " +
                            std::to_string(node_id()) +
                            " is not among the voters; every node of an Eddy cluster is a "
                            "combined broker and controller (process.roles=broker,controller)");
  }
  if (log_dirs().empty()) return invalid_argument("config key 'log.dirs' is empty");
  if (get_long("group.min.session.timeout.ms") > get_long("group.max.session.timeout.ms")) {
    return invalid_argument(
        "config key 'group.min.session.timeout.ms' is larger than group.max.session.timeout.ms");
  }
  return Status::ok();
}

Status BrokerConfig::apply_time_unit_variants() {
  std::map<std::string_view, const TimeUnitVariant*> finest;  // target -> finest variant given
  for (const auto& v : time_unit_variants()) {
    if (!is_explicit(v.name) || is_explicit(v.target)) continue;
    auto& best = finest[v.target];
    if (best == nullptr || v.rank > best->rank) best = &v;
  }
  for (const auto& [target, v] : finest) {
    int64_t units = get_long(v->name);
    // A negative retention (-1) means "forever" in every unit, as in Kafka.
    int64_t ms = units < 0 ? -1 : units * v->millis_per_unit;
    EDDY_RETURN_IF_ERROR(set(target, std::to_string(ms)));
  }
  return Status::ok();
}

Result<BrokerConfig> BrokerConfig::from_flat(std::map<std::string, std::string> flat,
                                             const std::vector<std::string>& overrides) {
  BrokerConfig config;
  for (auto& [k, v] : flat) EDDY_RETURN_IF_ERROR(config.set(k, std::move(v)));
  for (const auto& o : overrides) {
    size_t eq = o.find('=');
    if (eq == std::string::npos || eq == 0) {
      return invalid_argument("override '" + o + "' is not key=value");
    }
    EDDY_RETURN_IF_ERROR(config.set(o.substr(0, eq), o.substr(eq + 1)));
  }
  EDDY_RETURN_IF_ERROR(config.apply_time_unit_variants());
  EDDY_RETURN_IF_ERROR(config.validate_all());
  return config;
}

Result<BrokerConfig> BrokerConfig::from_yaml(std::string_view yaml,
                                             const std::vector<std::string>& overrides) {
  std::map<std::string, std::string> flat;
  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    if (root.IsDefined() && !root.IsNull()) {
      if (!root.IsMap()) return invalid_argument("config file must be a YAML mapping of keys");
      EDDY_RETURN_IF_ERROR(flatten(root, "", 0, &flat));
    }
  } catch (const YAML::Exception& e) {
    return invalid_argument(std::string("config file is not valid YAML: ") + e.what());
  }
  return from_flat(std::move(flat), overrides);
}

Result<BrokerConfig> BrokerConfig::from_properties(std::string_view text,
                                                   const std::vector<std::string>& overrides) {
  EDDY_ASSIGN_OR_RETURN(auto flat, parse_properties(text));
  return from_flat(std::move(flat), overrides);
}

Result<BrokerConfig> BrokerConfig::load(const std::string& path,
                                        const std::vector<std::string>& overrides) {
  std::ifstream in(path);
  if (!in) return not_found("cannot read config file " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  constexpr std::string_view kProperties = ".properties";
  bool properties =
      (path.size() >= kProperties.size() &&
       path.compare(path.size() - kProperties.size(), kProperties.size(), kProperties) == 0) ||
      looks_like_properties(text);
  return properties ? from_properties(text, overrides) : from_yaml(text, overrides);
}

BrokerConfig BrokerConfig::defaults() { return BrokerConfig(); }

std::optional<std::string> BrokerConfig::value(std::string_view name) const {
  if (auto it = values_.find(name); it != values_.end()) return it->second;
  const ConfigDef* def = find_broker_config(name);
  if (def == nullptr || !def->default_value) return std::nullopt;
  return std::string(*def->default_value);
}

bool BrokerConfig::is_explicit(std::string_view name) const { return values_.count(name) > 0; }

int64_t BrokerConfig::get_long(std::string_view name) const {
  auto v = metadata::parse_config_long(value(name).value_or("0"));
  return v ? *v : 0;
}

bool BrokerConfig::get_bool(std::string_view name) const {
  auto v = metadata::parse_config_bool(value(name).value_or("false"));
  return v && *v;
}

std::string BrokerConfig::get_string(std::string_view name) const {
  return value(name).value_or("");
}

std::vector<std::string> BrokerConfig::get_list(std::string_view name) const {
  return metadata::split_config_list(value(name).value_or(""));
}

std::vector<ListenerSpec> BrokerConfig::listeners() const {
  auto l = parse_listeners("listeners", get_string("listeners"));
  return l ? *l : std::vector<ListenerSpec>{};
}

std::vector<ListenerSpec> BrokerConfig::advertised_listeners() const {
  auto adv = value("advertised.listeners");
  if (!adv || adv->empty()) return listeners();
  auto l = parse_listeners("advertised.listeners", *adv);
  return l ? *l : std::vector<ListenerSpec>{};
}

std::map<NodeId, raft::PeerAddress> BrokerConfig::quorum_voters() const {
  auto v = parse_voters_value(get_string("controller.quorum.voters"));
  return v ? *v : std::map<NodeId, raft::PeerAddress>{};
}

std::vector<ListenerSpec> BrokerConfig::admin_listeners() const {
  auto l = parse_listeners("admin.listeners", get_string("admin.listeners"), "http");
  return l ? *l : std::vector<ListenerSpec>{};
}

std::string BrokerConfig::metadata_log_dir() const {
  auto dir = value("metadata.log.dir");
  if (dir && !dir->empty()) return *dir;
  auto dirs = log_dirs();
  return dirs.empty() ? std::string("./data") : dirs.front();
}

int BrokerConfig::io_threads() const {
  int64_t n = get_long("num.io.threads");
  if (n > 0) return static_cast<int>(n);
  unsigned cores = std::thread::hardware_concurrency();
  return cores == 0 ? 1 : static_cast<int>(cores);
}

}  // namespace eddy::broker
