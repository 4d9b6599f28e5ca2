#include "broker/meta_properties.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>

#include "common/uuid.h"
#include "metadata/config_def.h"

namespace eddy::broker {
namespace {

constexpr const char* kFileName = "meta.properties";

Status write_file_synced(const std::string& path, const std::string& data) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return errno_status(errno, "open " + tmp);
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return errno_status(err, "write " + tmp);
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    int err = errno;
    ::close(fd);
    return errno_status(err, "fsync " + tmp);
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) return errno_status(errno, "rename " + tmp);
  std::string dir = std::filesystem::path(path).parent_path().string();
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return Status::ok();
}

}  // namespace

Result<MetaProperties> read_meta_properties(const std::string& log_dir) {
  std::string path = log_dir + "/" + kFileName;
  std::ifstream in(path);
  if (!in) return not_found(path + " does not exist");
  std::map<std::string, std::string> kv;
  std::string line;
  int lines = 0;
  while (std::getline(in, line) && ++lines < 1000) {
    if (line.empty() || line[0] == '#') continue;
    size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    kv[line.substr(0, eq)] = line.substr(eq + 1);
  }
  MetaProperties meta;
  meta.cluster_id = kv["cluster.id"];
  auto node = metadata::parse_config_long(kv["node.id"]);
  if (meta.cluster_id.empty() || !node) {
    return corruption(path + " lacks cluster.id or node.id");
  }
  meta.node_id = static_cast<int32_t>(*node);
  return meta;
}

Status write_meta_properties(const std::string& log_dir, const MetaProperties& meta) {
  std::string text =
      "#\n# Written by eddyd; identifies the cluster and node this directory "
      "belongs to.\nversion=1\ncluster.id=" +
      meta.cluster_id + "\nnode.id=" + std::to_string(meta.node_id) + "\n";
  return write_file_synced(log_dir + "/" + kFileName, text);
}

Result<MetaProperties> ensure_meta_properties(const std::vector<std::string>& log_dirs,
                                              int32_t node_id, bool create_missing) {
  std::optional<std::string> cluster_id;
  std::vector<std::string> missing;
  for (const auto& dir : log_dirs) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return io_error("cannot create log dir " + dir + ": " + ec.message());
    auto meta = read_meta_properties(dir);
    if (!meta) {
      if (meta.status().code() != StatusCode::kNotFound) return meta.status();
      missing.push_back(dir);
      continue;
    }
    if (meta->node_id != node_id) {
      return failed_precondition(dir +
                                 "/meta.properties has node.id=" + std::to_string(meta->node_id) +
                                 " but the config says node.id=" + std::to_string(node_id));
    }
    if (cluster_id && *cluster_id != meta->cluster_id) {
      return failed_precondition("log dirs belong to different clusters (" + *cluster_id + " and " +
                                 meta->cluster_id + ")");
    }
    cluster_id = meta->cluster_id;
  }
  if (!cluster_id && !create_missing) {
    return failed_precondition(
        "the log dirs are not formatted for a cluster: give every node the same cluster id with "
        "`eddyd format --cluster-id ID --config FILE` (`eddyd random-uuid` makes one)");
  }
  MetaProperties out{cluster_id.value_or(Uuid::random().to_base64()), node_id};
  for (const auto& dir : missing) EDDY_RETURN_IF_ERROR(write_meta_properties(dir, out));
  return out;
}

Status format_storage(const std::vector<std::string>& dirs, int32_t node_id,
                      const std::string& cluster_id) {
  auto parsed = Uuid::from_base64(cluster_id);
  if (!parsed || parsed->is_zero()) {
    return invalid_argument(
        "cluster id '" + cluster_id +
        "' is not a base64 UUID (22 characters, as `eddyd random-uuid` prints)");
  }
  for (const auto& dir : dirs) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return io_error("cannot create " + dir + ": " + ec.message());
    auto meta = read_meta_properties(dir);
    if (meta) {
      if (meta->cluster_id != cluster_id || meta->node_id != node_id) {
        return failed_precondition(dir + " is already formatted for cluster " + meta->cluster_id +
                                   ", node " + std::to_string(meta->node_id));
      }
      continue;
    }
    if (meta.status().code() != StatusCode::kNotFound) return meta.status();
    EDDY_RETURN_IF_ERROR(write_meta_properties(dir, {cluster_id, node_id}));
  }
  return Status::ok();
}

}  // namespace eddy::broker
