#include "broker/replica/partition_metadata_file.h"

#include <string_view>

#include "log/file.h"

namespace eddy::broker {

namespace {
constexpr std::string_view kVersionLine = "version: 0\n";
constexpr std::string_view kTopicIdPrefix = "topic_id: ";
constexpr uint64_t kMaxBytes = 4096;
}  // namespace

Result<std::optional<Uuid>> read_partition_topic_id(const std::string& partition_dir) {
  const std::string path = partition_dir + "/" + kPartitionMetadataFile;
  auto raw = log::read_whole_file(path, kMaxBytes);
  if (!raw.is_ok()) {
    if (raw.status().code() == StatusCode::kNotFound) return std::optional<Uuid>();
    return raw.status();
  }
  std::string_view text = as_string_view(raw.value());
  if (!text.starts_with(kVersionLine)) return corruption(path + ": bad version line");
  text.remove_prefix(kVersionLine.size());
  if (!text.starts_with(kTopicIdPrefix)) return corruption(path + ": no topic_id line");
  text.remove_prefix(kTopicIdPrefix.size());
  if (text.ends_with('\n')) text.remove_suffix(1);
  auto id = Uuid::from_base64(text);
  if (!id || id->is_zero()) return corruption(path + ": bad topic id");
  return std::optional<Uuid>(*id);
}

Status write_partition_topic_id(const std::string& partition_dir, const Uuid& id) {
  std::string text =
      std::string(kVersionLine) + std::string(kTopicIdPrefix) + id.to_base64() + "\n";
  return log::write_file_atomically(partition_dir, kPartitionMetadataFile, as_bytes(text));
}

}  // namespace eddy::broker
