#pragma once
// Group-level configs (a GROUP config resource, type 32) under Kafka 4.4's names (GroupConfig):
// consumer.session.timeout.ms, share.*, streams.*, errors.deadletterqueue.*. They belong to the
// KIP-848 consumer, share and streams group protocols; Eddy serves classic groups only, for which
// Kafka too stores these configs without applying them. They live in the cluster metadata as
// ConfigRecords of the group id (an unknown group id included), as topic overrides do.
//
// Most keys take their default from a broker key, "group." + the key (Kafka's
// ALL_GROUP_CONFIG_SYNONYMS): group.consumer.session.timeout.ms for consumer.session.timeout.ms;
// streams.assignor.name takes group.streams.assignors. Which keys are internal (listed by
// DescribeConfigs only when set) was read off a real Kafka 4.4.0 broker by the differential test.
// Those broker keys, and the min/max keys that bound what a group may set, are defined here too
// (group_coordinator_config_defs()), so each default is written once.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "metadata/config_def.h"

namespace eddy::metadata {

struct GroupConfigDef {
  ConfigDef def;
  // The broker key that supplies the default; empty: none (the key's own default applies).
  std::string_view broker_synonym;
  // Kafka's internal keys: DescribeConfigs lists them only where a group overrides them.
  bool internal = false;
};

const std::vector<GroupConfigDef>& group_config_defs();
const GroupConfigDef* find_group_config(std::string_view name);

// The broker keys of Kafka's group coordinator that group configs refer to: the synonyms
// (group.consumer.session.timeout.ms, ...) and the bounds (group.consumer.min.session.timeout.ms,
// ...). Static (read-only) broker keys with Kafka's defaults.
const std::vector<ConfigDef>& group_coordinator_config_defs();

// The value in effect of a group coordinator broker key (the broker's config file or the key's
// default).
using GroupCoordinatorValue = std::function<std::string(std::string_view)>;

// Validates the full set of a group's overrides after a change, as Kafka's GroupConfig.validate:
// each key known, each value of its type, the broker's min/max bounds, a session timeout above the
// heartbeat interval, a streams assignor the broker registers. The message is Kafka's; the first
// problem wins.
Status validate_group_configs(const std::map<std::string, std::string>& overrides,
                              const GroupCoordinatorValue& broker);

}  // namespace eddy::metadata
