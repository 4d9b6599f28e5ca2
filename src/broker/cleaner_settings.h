#pragma once
// The log cleaner's settings as this broker runs with them (docs/storage.md, "Compaction"): each
// log.cleaner.* key's per-broker dynamic value, else the cluster default (IncrementalAlterConfigs
// on a BROKER resource), else config/eddy.yaml, else the built-in default. Applied at start and
// again after every metadata change that alters one (LogManager::reconfigure_cleaner).

#include "broker/config/broker_config.h"
#include "log/cleaner_options.h"
#include "metadata/topic_config.h"

namespace eddy::broker {

// `base` supplies what the keys do not (enable, the callbacks); `dynamic` may be empty (start-up,
// before the metadata is loaded).
log::CleanerOptions cleaner_settings(const BrokerConfig& config,
                                     const metadata::BrokerValueLookup& dynamic,
                                     log::CleanerOptions base);

}  // namespace eddy::broker
