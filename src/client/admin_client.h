#pragma once
// A small blocking Kafka admin client for eddyctl. It holds one Connection to a bootstrap broker
// and opens connections to other brokers on demand (partition leaders for ListOffsets and
// DeleteRecords, the group coordinator for group APIs). Requests are the generated protocol
// structs; the helpers here are the ones that need routing or several round trips.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "client/connection.h"
#include "common/status.h"
#include "protocol/generated/metadata.h"

namespace eddy::client {

struct TopicPartition {
  std::string topic;
  int32_t partition = 0;
  auto operator<=>(const TopicPartition&) const = default;
};

// ListOffsets' special timestamps.
inline constexpr int64_t kLatestTimestamp = -1;
inline constexpr int64_t kEarliestTimestamp = -2;

class AdminClient {
 public:
  struct Options {
    std::string bootstrap = "127.0.0.1:9092";  // comma-separated host:port list
    int timeout_ms = 10000;                    // bound on connect and on each request
    std::string client_id = "eddyctl";
  };

  // Connects to the first reachable bootstrap broker.
  static Result<std::unique_ptr<AdminClient>> connect(const Options& options);

  Connection& bootstrap() { return *bootstrap_; }
  int timeout_ms() const { return options_.timeout_ms; }

  // Metadata for `topics` (nullopt: every topic). Never auto-creates.
  Result<protocol::MetadataResponse> metadata(
      const std::optional<std::vector<std::string>>& topics);
  // The metadata of one existing topic; kNotFound when it does not exist.
  Result<protocol::MetadataResponse::MetadataResponseTopic> topic_metadata(
      const std::string& topic);

  // A connection to broker `node_id` (learned from the last metadata response).
  Result<Connection*> broker(int32_t node_id);
  // The coordinator of consumer group `group_id`.
  Result<Connection*> coordinator(const std::string& group_id);

  // Offsets for `timestamp` (or kLatestTimestamp / kEarliestTimestamp) of each partition, asked
  // of each partition's leader. A partition whose timestamp is past its last record maps to -1.
  Result<std::map<TopicPartition, int64_t>> list_offsets(
      const std::vector<TopicPartition>& partitions, int64_t timestamp);

  // Committed offsets of a group (every partition it has committed when `partitions` is
  // nullopt). Partitions with no committed offset are absent.
  Result<std::map<TopicPartition, int64_t>> committed_offsets(
      const std::string& group_id, const std::optional<std::vector<TopicPartition>>& partitions);

 private:
  AdminClient(Options options, std::unique_ptr<Connection> bootstrap)
      : options_(std::move(options)), bootstrap_(std::move(bootstrap)) {}
  Result<Connection*> connect_to(const std::string& key, const HostPort& address);

  Options options_;
  std::unique_ptr<Connection> bootstrap_;
  std::map<int32_t, HostPort> brokers_;  // node id -> address, from the last Metadata
  std::map<std::string, std::unique_ptr<Connection>> others_;  // "host:port" -> connection
};

}  // namespace eddy::client
