// DescribeLogDirs (key 35): every log dir with the partitions it holds and their sizes (null
// topics = all). Offset lag is Kafka's (ReplicaManager.getLogEndOffsetLag): how far the log end is
// behind the partition's high watermark, never below 0, or -1 when the replica is not online.
#include "protocol/generated/describe_log_dirs.h"

#include <sys/statvfs.h>

#include <algorithm>
#include <map>
#include <set>

#include "broker/handlers/all_handlers.h"
#include "broker/handlers/handler_util.h"
#include "broker/replica/replica_manager.h"
#include "log/log_manager.h"

namespace eddy::broker {

namespace {

using protocol::DescribeLogDirsRequest;
using protocol::DescribeLogDirsResponse;

bool starts_with_dir(const std::string& path, const std::string& dir) {
  return path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 &&
         path[dir.size()] == '/';
}

DescribeLogDirsResponse describe(const BrokerContext& ctx, const DescribeLogDirsRequest& req) {
  std::set<std::pair<std::string, int32_t>> wanted;
  if (req.topics) {
    for (const auto& t : *req.topics) {
      for (int32_t p : t.partitions) wanted.insert({t.topic, p});
    }
  }
  DescribeLogDirsResponse resp;
  for (const auto& dir : ctx.config->log_dirs()) {
    DescribeLogDirsResponse::DescribeLogDirsResult result;
    result.log_dir = dir;
    std::map<std::string, DescribeLogDirsResponse::DescribeLogDirsTopic> topics;
    for (const auto& tp : ctx.logs->partitions()) {
      if (req.topics && wanted.count({tp.topic, tp.partition}) == 0) continue;
      auto log = ctx.logs->get(tp);
      if (!log || !starts_with_dir(log->dir(), dir)) continue;
      auto& t = topics[tp.topic];
      t.name = tp.topic;
      DescribeLogDirsResponse::DescribeLogDirsPartition p;
      p.partition_index = tp.partition;
      p.partition_size = static_cast<int64_t>(log->size_bytes());
      auto partition = ctx.replicas != nullptr ? ctx.replicas->get_partition(tp) : nullptr;
      p.offset_lag =
          partition == nullptr
              ? -1
              : std::max<int64_t>(
                    partition->high_watermark().value() - partition->log_end_offset().value(), 0);
      t.partitions.push_back(p);
    }
    for (auto& [name, t] : topics) result.topics.push_back(std::move(t));
    struct statvfs vfs {};
    if (::statvfs(dir.c_str(), &vfs) == 0) {
      result.total_bytes = static_cast<int64_t>(vfs.f_blocks * vfs.f_frsize);
      result.usable_bytes = static_cast<int64_t>(vfs.f_bavail * vfs.f_frsize);
    } else {
      result.error_code = error_code(protocol::ErrorCode::kKafkaStorageError);
    }
    resp.results.push_back(std::move(result));
  }
  return resp;
}

}  // namespace

void register_describe_log_dirs(HandlerRegistry& registry, const BrokerContext& context) {
  const BrokerContext* ctx = &context;
  add_immediate_handler<DescribeLogDirsRequest>(
      registry, api_spec(protocol::ApiKey::kDescribeLogDirs),
      [ctx](const DescribeLogDirsRequest& req, int16_t) { return describe(*ctx, req); });
}

}  // namespace eddy::broker
