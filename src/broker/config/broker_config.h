#pragma once
// The broker's static configuration: config/eddy.yaml (or a Kafka server.properties file) plus
// --override key=value, under Kafka's property names. Every key is declared in
// broker_config_defs() with its type, default, range and documentation; an unknown key or a bad
// value stops start-up with a message naming the key. Kafka broker keys that do not apply to
// Eddy (kafka_compat.h) are ignored with a warning, and Kafka's time-unit variants
// (log.retention.hours, ...) set the key they stand for.
// docs/operations.md is generated from the same table (`eddyd --print-config-docs`).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "metadata/config_def.h"
#include "raft/transport/peer_address.h"

namespace eddy::broker {

using metadata::ConfigDef;

const std::vector<ConfigDef>& broker_config_defs();
const ConfigDef* find_broker_config(std::string_view name);

// A listener URI "NAME://host:port" (host may be empty = all interfaces).
struct ListenerSpec {
  std::string name;
  std::string host;
  uint16_t port = 0;
};
// Kafka listeners name PLAINTEXT (and must not be empty); admin listeners name http (empty: off).
Result<std::vector<ListenerSpec>> parse_listeners(std::string_view key, std::string_view value,
                                                  std::string_view protocol = "PLAINTEXT");

class BrokerConfig {
 public:
  // Parses YAML text (a mapping; nested mappings join their keys with '.', sequences become
  // comma lists), then applies overrides ("key=value"), then validates everything.
  static Result<BrokerConfig> from_yaml(std::string_view yaml,
                                        const std::vector<std::string>& overrides);
  // The same from a Java .properties text (Kafka's server.properties).
  static Result<BrokerConfig> from_properties(std::string_view text,
                                              const std::vector<std::string>& overrides);
  // Reads `path`: a .properties file when its name ends in ".properties" or its first setting is
  // "key=value", YAML otherwise.
  static Result<BrokerConfig> load(const std::string& path,
                                   const std::vector<std::string>& overrides);
  // Defaults only (tests).
  static BrokerConfig defaults();

  // The value in effect for `name`: explicit if set, else the default (nullopt: no default).
  std::optional<std::string> value(std::string_view name) const;
  // True when the file or an override set the key.
  bool is_explicit(std::string_view name) const;
  const std::map<std::string, std::string, std::less<>>& explicit_values() const { return values_; }
  // What loading ignored (Kafka keys without an Eddy meaning), one message each, for the log.
  const std::vector<std::string>& warnings() const { return warnings_; }

  int64_t get_long(std::string_view name) const;
  bool get_bool(std::string_view name) const;
  std::string get_string(std::string_view name) const;
  std::vector<std::string> get_list(std::string_view name) const;

  // Typed accessors for keys the broker reads often.
  int32_t node_id() const { return static_cast<int32_t>(get_long("node.id")); }
  std::vector<ListenerSpec> listeners() const;
  // advertised.listeners, or listeners when unset (host 0.0.0.0/empty → 127.0.0.1... is not
  // guessed: an empty host advertises the machine's host name, as Kafka does).
  std::vector<ListenerSpec> advertised_listeners() const;
  // admin.listeners: the HTTP endpoints of /metrics, /health and /ready (none when empty).
  std::vector<ListenerSpec> admin_listeners() const;
  // controller.quorum.voters (raft::parse_quorum_voters); empty when unset: a single node.
  std::map<NodeId, raft::PeerAddress> quorum_voters() const;
  std::vector<std::string> log_dirs() const { return get_list("log.dirs"); }
  // metadata.log.dir, or the first log dir.
  std::string metadata_log_dir() const;
  // num.io.threads, with 0 meaning one per core.
  int io_threads() const;

 private:
  static Result<BrokerConfig> from_flat(std::map<std::string, std::string> flat,
                                        const std::vector<std::string>& overrides);
  Status set(std::string_view name, std::string value);
  // Sets each time-unit variant's target (log.retention.ms from log.retention.hours) unless the
  // target itself, or a finer variant, was given.
  Status apply_time_unit_variants();
  Status validate_all() const;

  std::map<std::string, std::string, std::less<>> values_;
  std::vector<std::string> warnings_;
};

}  // namespace eddy::broker
