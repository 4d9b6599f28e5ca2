#pragma once
// KvCluster: three (or n) raft_kv_node processes on free loopback ports, for the integration test
// and the cluster benchmark. Start, kill -9, restart, and talk to nodes over their line protocol.
// Every wait is bounded by a deadline.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace eddy::raft::testing {

// One persistent connection to a node's client port; request() sends a line and waits (bounded)
// for the reply line.
class KvConnection {
 public:
  KvConnection() = default;
  ~KvConnection();
  KvConnection(KvConnection&& o) noexcept;
  KvConnection& operator=(KvConnection&& o) noexcept;
  KvConnection(const KvConnection&) = delete;
  KvConnection& operator=(const KvConnection&) = delete;

  bool connect(uint16_t port, int timeout_ms);
  // nullopt on a closed connection or timeout (the connection is then closed).
  std::optional<std::string> request(const std::string& line, int timeout_ms);
  bool connected() const { return fd_ >= 0; }
  void close();

 private:
  int fd_ = -1;
  std::string pending_;
};

// One request on a fresh connection.
std::optional<std::string> kv_request(uint16_t port, const std::string& line, int timeout_ms);

struct NodeStatusLine {
  std::string role;
  uint64_t term = 0;
  int32_t leader = -1;
  uint64_t commit = 0;
  uint64_t applied = 0;
  uint64_t last = 0;
  uint64_t snapshot = 0;
};
std::optional<NodeStatusLine> parse_status(const std::string& line);

struct KvClusterOptions {
  std::filesystem::path binary;
  std::filesystem::path root;  // each node's data dir and log go under here
  int nodes = 3;
  int tick_ms = 20;
  int election_ticks = 10;
  uint64_t snapshot_interval = 10000;
  uint64_t snapshot_catchup = 1000;
};

class KvCluster {
 public:
  explicit KvCluster(KvClusterOptions options);
  ~KvCluster();  // kills every node still running

  // Picks free ports and starts every node. False when a process could not be started.
  bool start_all();
  bool start(int id);
  // SIGKILL and reap.
  void kill(int id);
  bool running(int id) const;
  uint16_t client_port(int id) const { return nodes_.at(id).client_port; }
  std::vector<int> ids() const;

  std::optional<NodeStatusLine> status(int id, int timeout_ms = 1000);
  // The id of a leader that every running node agrees on, waiting at most `timeout`.
  std::optional<int> wait_for_leader(std::chrono::milliseconds timeout);
  // PUT through whichever node leads, following NOT_LEADER hints; true once acknowledged.
  bool put(const std::string& key, const std::string& value, std::chrono::milliseconds timeout);
  // The DUMP line of a node (its applied state).
  std::optional<std::string> dump(int id);
  // Each node's STATUS line and the tail of its log: what a failed wait prints, since the
  // logs go away with the test's temporary directory.
  std::string describe();

 private:
  struct Node {
    uint16_t raft_port = 0;
    uint16_t client_port = 0;
    pid_t pid = -1;
  };
  std::string voters() const;

  KvClusterOptions options_;
  std::map<int, Node> nodes_;
  int last_leader_ = -1;
};

// A free TCP port on 127.0.0.1 (bound, then released).
uint16_t free_port();

}  // namespace eddy::raft::testing
