#pragma once
// What lets a Kafka broker configuration carry over to eddyd: Java .properties files, Kafka's
// time-unit variants of the log keys (log.retention.hours, log.roll.hours, ...), and the Kafka
// broker keys Eddy has no use for (num.network.threads, zookeeper.connect, ...), which are
// warned about and ignored instead of stopping start-up.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace eddy::broker {

// Parses a java.util.Properties text: '#' and '!' comments, "key=value", "key: value" or
// "key value", a trailing backslash continuing the line, and the escapes \t \n \r \f \uXXXX and
// \<char>. A later key wins, as in Java.
Result<std::map<std::string, std::string>> parse_properties(std::string_view text);

// Whether a config file's text is a .properties file rather than YAML: its first line that is
// neither blank nor a comment is "key=value" (YAML's "key: value" is a mapping).
bool looks_like_properties(std::string_view text);

// A Kafka key that says the same as another key in a coarser unit:
// log.retention.hours = log.retention.ms / 3,600,000.
struct TimeUnitVariant {
  std::string_view name;    // "log.retention.hours"
  std::string_view target;  // "log.retention.ms"
  int64_t millis_per_unit;  // 3'600'000
  // Rank among the variants of one target: the finer unit wins when several are set
  // (log.retention.ms over .minutes over .hours, as in Kafka).
  int rank;
};
const std::vector<TimeUnitVariant>& time_unit_variants();
const TimeUnitVariant* find_time_unit_variant(std::string_view name);

// Kafka broker keys that eddyd accepts and ignores, with why (the warning's text).
const std::map<std::string_view, std::string_view>& ignored_kafka_keys();

}  // namespace eddy::broker
