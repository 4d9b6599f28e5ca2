#include "client/admin_client.h"

#include <sstream>

#include "client/kafka_error.h"
#include "protocol/generated/find_coordinator.h"
#include "protocol/generated/list_offsets.h"
#include "protocol/generated/offset_fetch.h"

namespace eddy::client {

using namespace protocol;

Result<std::unique_ptr<AdminClient>> AdminClient::connect(const Options& options) {
  std::stringstream list(options.bootstrap);
  std::string item;
  Status last = invalid_argument("empty bootstrap list");
  for (int n = 0; n < 64 && std::getline(list, item, ','); ++n) {
    if (item.empty()) continue;
    EDDY_ASSIGN_OR_RETURN(HostPort address, parse_host_port(item));
    auto conn = Connection::open(address, options.timeout_ms, options.client_id);
    if (conn.is_ok()) {
      return std::unique_ptr<AdminClient>(new AdminClient(options, std::move(conn).value()));
    }
    last = conn.status();
  }
  return last;
}

Result<MetadataResponse> AdminClient::metadata(
    const std::optional<std::vector<std::string>>& topics) {
  MetadataRequest req;
  req.allow_auto_topic_creation = false;
  req.topics = std::nullopt;  // null: every topic (the generated default is an empty list)
  if (topics.has_value()) {
    req.topics.emplace();
    for (const auto& t : *topics) {
      MetadataRequest::MetadataRequestTopic rt;
      rt.name = t;
      req.topics->push_back(std::move(rt));
    }
  }
  EDDY_ASSIGN_OR_RETURN(auto resp, bootstrap_->call<MetadataResponse>(req));
  for (const auto& b : resp.brokers) brokers_[b.node_id] = HostPort{b.host, b.port};
  return resp;
}

Result<MetadataResponse::MetadataResponseTopic> AdminClient::topic_metadata(
    const std::string& topic) {
  EDDY_ASSIGN_OR_RETURN(auto resp, metadata(std::vector<std::string>{topic}));
  for (auto& t : resp.topics) {
    if (t.name.value_or("") != topic) continue;
    EDDY_RETURN_IF_ERROR(kafka_error(t.error_code, "topic '" + topic + "'"));
    return std::move(t);
  }
  return kafka_error(3, "topic '" + topic + "'");
}

Result<Connection*> AdminClient::connect_to(const std::string& key, const HostPort& address) {
  const HostPort& boot = bootstrap_->address();
  if (address.host == boot.host && address.port == boot.port) return bootstrap_.get();
  auto it = others_.find(key);
  if (it != others_.end()) return it->second.get();
  EDDY_ASSIGN_OR_RETURN(auto conn,
                        Connection::open(address, options_.timeout_ms, options_.client_id));
  Connection* raw = conn.get();
  others_[key] = std::move(conn);
  return raw;
}

Result<Connection*> AdminClient::broker(int32_t node_id) {
  if (!brokers_.contains(node_id))
    EDDY_RETURN_IF_ERROR(metadata(std::vector<std::string>{}).status());
  auto it = brokers_.find(node_id);
  if (it == brokers_.end()) {
    return unavailable("broker " + std::to_string(node_id) + " is not in the cluster metadata");
  }
  return connect_to(it->second.host + ":" + std::to_string(it->second.port), it->second);
}

Result<Connection*> AdminClient::coordinator(const std::string& group_id) {
  FindCoordinatorRequest req;
  req.key = group_id;
  req.key_type = 0;
  req.coordinator_keys = {group_id};
  EDDY_ASSIGN_OR_RETURN(auto resp, bootstrap_->call<FindCoordinatorResponse>(req));
  HostPort address;
  if (!resp.coordinators.empty()) {
    const auto& c = resp.coordinators.front();
    EDDY_RETURN_IF_ERROR(
        kafka_error(c.error_code, "find coordinator of group '" + group_id + "'", c.error_message));
    address = {c.host, c.port};
  } else {
    EDDY_RETURN_IF_ERROR(kafka_error(
        resp.error_code, "find coordinator of group '" + group_id + "'", resp.error_message));
    address = {resp.host, resp.port};
  }
  return connect_to(address.host + ":" + std::to_string(address.port), address);
}

Result<std::map<TopicPartition, int64_t>> AdminClient::list_offsets(
    const std::vector<TopicPartition>& partitions, int64_t timestamp) {
  std::vector<std::string> topics;
  for (const auto& tp : partitions) {
    if (topics.empty() || topics.back() != tp.topic) topics.push_back(tp.topic);
  }
  EDDY_ASSIGN_OR_RETURN(auto md, metadata(topics));
  std::map<TopicPartition, int32_t> leader_of;
  for (const auto& t : md.topics) {
    for (const auto& p : t.partitions)
      leader_of[{t.name.value_or(""), p.partition_index}] = p.leader_id;
  }
  // One request per leader, each carrying every partition that broker leads.
  std::map<int32_t, ListOffsetsRequest> by_leader;
  for (const auto& tp : partitions) {
    auto it = leader_of.find(tp);
    if (it == leader_of.end()) {
      return kafka_error(3, "partition " + tp.topic + "/" + std::to_string(tp.partition));
    }
    if (it->second < 0) {
      return kafka_error(5, "partition " + tp.topic + "/" + std::to_string(tp.partition));
    }
    auto& req = by_leader[it->second];
    if (req.topics.empty() || req.topics.back().name != tp.topic) {
      ListOffsetsRequest::ListOffsetsTopic t;
      t.name = tp.topic;
      req.topics.push_back(std::move(t));
    }
    ListOffsetsRequest::ListOffsetsPartition p;
    p.partition_index = tp.partition;
    p.timestamp = timestamp;
    req.topics.back().partitions.push_back(p);
  }
  std::map<TopicPartition, int64_t> out;
  for (auto& [leader, req] : by_leader) {
    req.timeout_ms = options_.timeout_ms;
    EDDY_ASSIGN_OR_RETURN(Connection * conn, broker(leader));
    // v1 is the first version with a single offset per partition; every later one keeps it.
    EDDY_ASSIGN_OR_RETURN(auto resp, conn->call<ListOffsetsResponse>(req));
    for (const auto& t : resp.topics) {
      for (const auto& p : t.partitions) {
        EDDY_RETURN_IF_ERROR(kafka_error(
            p.error_code, "list offsets of " + t.name + "/" + std::to_string(p.partition_index)));
        out[{t.name, p.partition_index}] = p.offset;
      }
    }
  }
  return out;
}

Result<std::map<TopicPartition, int64_t>> AdminClient::committed_offsets(
    const std::string& group_id, const std::optional<std::vector<TopicPartition>>& partitions) {
  EDDY_ASSIGN_OR_RETURN(Connection * conn, coordinator(group_id));
  OffsetFetchRequest req;
  req.group_id = group_id;
  OffsetFetchRequest::OffsetFetchRequestGroup g;
  g.group_id = group_id;
  // null: every partition the group committed (the generated default is an empty list).
  req.topics = std::nullopt;
  g.topics = std::nullopt;
  if (partitions.has_value()) {
    req.topics.emplace();
    g.topics.emplace();
    for (const auto& tp : *partitions) {
      if (req.topics->empty() || req.topics->back().name != tp.topic) {
        req.topics->push_back({});
        req.topics->back().name = tp.topic;
        g.topics->push_back({});
        g.topics->back().name = tp.topic;
      }
      req.topics->back().partition_indexes.push_back(tp.partition);
      g.topics->back().partition_indexes.push_back(tp.partition);
    }
  }
  req.groups.push_back(std::move(g));
  // v8 batches groups; older versions carry the one group at the top level. v2 is the first to
  // take a null topic list for "every partition".
  EDDY_ASSIGN_OR_RETURN(int16_t version, conn->version_for(ApiKey::kOffsetFetch, 2, 8));
  EDDY_ASSIGN_OR_RETURN(auto resp, conn->call_at<OffsetFetchResponse>(req, version));
  std::map<TopicPartition, int64_t> out;
  std::string context = "fetch committed offsets of group '" + group_id + "'";
  auto add = [&](const std::string& topic, int32_t partition, int64_t offset, int16_t error) {
    EDDY_RETURN_IF_ERROR(kafka_error(error, context));
    if (offset >= 0) out[{topic, partition}] = offset;
    return Status::ok();
  };
  if (version >= 8) {
    for (const auto& rg : resp.groups) {
      EDDY_RETURN_IF_ERROR(kafka_error(rg.error_code, context));
      for (const auto& t : rg.topics) {
        for (const auto& p : t.partitions) {
          EDDY_RETURN_IF_ERROR(add(t.name, p.partition_index, p.committed_offset, p.error_code));
        }
      }
    }
  } else {
    EDDY_RETURN_IF_ERROR(kafka_error(resp.error_code, context));
    for (const auto& t : resp.topics) {
      for (const auto& p : t.partitions) {
        EDDY_RETURN_IF_ERROR(add(t.name, p.partition_index, p.committed_offset, p.error_code));
      }
    }
  }
  return out;
}

}  // namespace eddy::client
