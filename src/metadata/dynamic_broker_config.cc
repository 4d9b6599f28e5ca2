#include "metadata/dynamic_broker_config.h"

#include "metadata/replication_throttle_config.h"

namespace eddy::metadata {

const std::vector<ConfigDef>& dynamic_broker_only_config_defs() {
  using T = ConfigType;
  static const std::vector<ConfigDef> defs = [] {
    std::vector<ConfigDef> d = {
        // The log cleaner (docs/storage.md, "Compaction"): a change restarts its threads, as
        // Kafka's LogCleaner.reconfigure does; a pass in progress ends and is repeated.
        {"log.cleaner.threads", T::kInt, "1", "Log cleaner threads.", 1},
        {"log.cleaner.dedupe.buffer.size", T::kLong, "134217728",
         "Memory for the cleaners' key maps, all threads together (24 bytes a key); a map takes "
         "only what its pass's keys need, up to its share.",
         1024},
        {"log.cleaner.io.buffer.load.factor", T::kDouble, "0.9",
         "Share of a cleaner's key map that may fill before its pass stops reading new keys.", 0,
         1},
        {"log.cleaner.io.buffer.size", T::kInt, "2097152",
         "Memory for the cleaners' read windows and write buffers, all threads together (half "
         "each). Kafka's default is 524288; Eddy's keeps the 1 MiB window and buffer its cleaner "
         "had before the key.",
         8192},
        {"log.cleaner.io.max.bytes.per.second", T::kLong, "9223372036854775807",
         "Bytes per second the cleaners may read and write, all threads together.", 1},
        {"log.cleaner.backoff.ms", T::kLong, "15000",
         "How long a cleaner with nothing to clean waits before it looks again.", 0},
    };
    // The replication throttle rates (Kafka's DynamicConfig.Broker), defined with their topic
    // keys in replication_throttle_config.h.
    for (const ConfigDef& r : replication_throttle_rate_defs()) d.push_back(r);
    return d;
  }();
  return defs;
}

const ConfigDef* find_dynamic_broker_only_config(std::string_view name) {
  return find_config_def(dynamic_broker_only_config_defs(), name);
}

}  // namespace eddy::metadata
