#pragma once
// Kafka's checkpoint file format, used for partition.checkpoint and leader-epoch-checkpoint:
//   <version>\n
//   <entry count>\n
//   <key> <value>\n      (entry count times)
// Written atomically (temp file, fsync, rename, and for Durability::kContentAndName an fsync of the
// directory), so a reader sees the old or the new file whole. A file that does not parse is
// kCorruption and its owner falls back to what the log itself says (see docs/storage.md).

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "log/file.h"

namespace eddy::log {

using CheckpointEntries = std::vector<std::pair<std::string, int64_t>>;

Status write_checkpoint_file(const std::string& dir, const std::string& name,
                             const CheckpointEntries& entries,
                             Durability durability = Durability::kContentAndName,
                             FaultInjector* faults = nullptr);
// kNotFound when the file does not exist.
Result<CheckpointEntries> read_checkpoint_file(const std::string& dir, const std::string& name);

}  // namespace eddy::log
