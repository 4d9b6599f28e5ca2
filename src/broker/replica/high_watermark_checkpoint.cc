#include "broker/replica/high_watermark_checkpoint.h"

#include <algorithm>

#include "log/checkpoint_file.h"

namespace eddy::broker {

Result<HighWatermarks> read_high_watermarks(const std::string& log_dir) {
  auto read = log::read_checkpoint_file(log_dir, kHighWatermarkCheckpointFile);
  if (!read.is_ok()) {
    if (read.status().code() == StatusCode::kNotFound) return HighWatermarks{};
    return read.status();
  }
  HighWatermarks out;
  for (const auto& [key, hw] : read.value()) {
    auto tp = TopicPartition::parse_dir_name(key);
    if (!tp || hw < 0) {
      return corruption(log_dir + "/" + kHighWatermarkCheckpointFile + ": bad entry " + key);
    }
    out[*tp] = hw;
  }
  return out;
}

Status write_high_watermarks(const std::string& log_dir, const HighWatermarks& hws) {
  log::CheckpointEntries entries;
  entries.reserve(hws.size());
  for (const auto& [tp, hw] : hws) entries.emplace_back(tp.dir_name(), hw);
  return log::write_checkpoint_file(log_dir, kHighWatermarkCheckpointFile, entries);
}

int64_t clamp_high_watermark(int64_t checkpointed, int64_t log_start, int64_t log_end) {
  return std::clamp(checkpointed, log_start, std::max(log_start, log_end));
}

}  // namespace eddy::broker
