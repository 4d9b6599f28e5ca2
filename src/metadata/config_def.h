#pragma once
// A typed config key: its type, default, range or allowed values, and documentation. Broker keys
// (config/eddy.yaml) and topic keys (CreateTopics, AlterConfigs) are both described by tables of
// these, so validation, DescribeConfigs and docs/operations.md come from one source.

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace eddy::metadata {

// Kafka's DescribeConfigs config_type numbers (ConfigEntry.ConfigType).
enum class ConfigType : int8_t {
  kBoolean = 1,
  kString = 2,
  kInt = 3,
  kShort = 4,
  kLong = 5,
  kDouble = 6,
  kList = 7,
  kPassword = 9,
};

const char* config_type_name(ConfigType type);

struct ConfigDef {
  std::string_view name;
  ConfigType type;
  // nullopt: the key has no default (shown as null by DescribeConfigs).
  std::optional<std::string_view> default_value;
  std::string_view doc;
  int64_t min = std::numeric_limits<int64_t>::min();
  int64_t max = std::numeric_limits<int64_t>::max();
  // For strings: the value must be one of these; for lists: every element must be.
  std::vector<std::string_view> allowed = {};
  // A key whose values have a grammar of their own (Kafka's custom validators, e.g. the
  // throttled-replica lists): it replaces the type's element checks; the message names the key.
  Status (*check)(const ConfigDef& def, std::string_view value) = nullptr;
};

// Checks `value` against the key's type, range and allowed values. The message names the key.
Status validate_config_value(const ConfigDef& def, std::string_view value);

// The integers a numeric key accepts: its min and max, narrowed to what its type holds (an int
// key is at most INT32_MAX whatever its max says).
struct NumericRange {
  int64_t min;
  int64_t max;
};
NumericRange numeric_range(const ConfigDef& def);

// A human description of what the validator accepts, e.g. "[-1, 9223372036854775807]" or
// "one of [delete, compact]"; empty when anything of the type goes.
std::string describe_valid_values(const ConfigDef& def);

// Typed parsing of a value that already passed validate_config_value.
Result<int64_t> parse_config_long(std::string_view value);
Result<bool> parse_config_bool(std::string_view value);
Result<double> parse_config_double(std::string_view value);
// "a, b,c" -> {"a", "b", "c"}; an empty or all-blank value is the empty list.
std::vector<std::string> split_config_list(std::string_view value);

// The definition named `name` in the table `defs`, nullptr when it has none.
const ConfigDef* find_config_def(const std::vector<ConfigDef>& defs, std::string_view name);

}  // namespace eddy::metadata
