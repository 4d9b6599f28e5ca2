#include "broker/replica/stray_logs.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "broker/replica/partition_metadata_file.h"

namespace eddy::broker {

std::optional<std::string> stray_reason(int32_t node_id, const metadata::MetadataImage& image,
                                        const TopicPartition& tp,
                                        const std::optional<Uuid>& topic_id) {
  const metadata::TopicImage* topic = image.topic(tp.topic);
  if (topic == nullptr) return std::string("its topic no longer exists");
  if (topic_id && *topic_id != topic->id) {
    return fmt::format(
        "its topic id {} is not the id of topic {} now ({}): the topic was deleted "
        "and re-created",
        topic_id->to_base64(), tp.topic, topic->id.to_base64());
  }
  if (tp.partition < 0 || static_cast<size_t>(tp.partition) >= topic->partitions.size()) {
    return fmt::format("topic {} has {} partitions", tp.topic, topic->partitions.size());
  }
  const auto& replicas = topic->partitions[tp.partition].replicas;
  if (std::find(replicas.begin(), replicas.end(), node_id) == replicas.end()) {
    return fmt::format("its replicas are {} now, without this node", fmt::join(replicas, ","));
  }
  return std::nullopt;
}

std::vector<TopicPartition> delete_stray_logs(log::LogManager& logs, int32_t node_id,
                                              const metadata::MetadataImage& image) {
  std::vector<TopicPartition> deleted;
  for (const TopicPartition& tp : logs.partitions()) {
    auto log = logs.get(tp);
    if (log == nullptr) continue;
    auto id = read_partition_topic_id(log->dir());
    if (!id.is_ok()) {
      spdlog::error("partition {}-{}: keeping its log, whose topic id cannot be read: {}", tp.topic,
                    tp.partition, id.status().to_string());
      continue;
    }
    auto why = stray_reason(node_id, image, tp, id.value());
    if (!why) continue;
    spdlog::warn("partition {}-{}: deleting its stray log {}: {}", tp.topic, tp.partition,
                 log->dir(), *why);
    log.reset();
    Status s = logs.remove(tp);
    if (!s) {
      spdlog::error("partition {}-{}: deleting its stray log: {}", tp.topic, tp.partition,
                    s.to_string());
      continue;
    }
    deleted.push_back(tp);
  }
  return deleted;
}

}  // namespace eddy::broker
