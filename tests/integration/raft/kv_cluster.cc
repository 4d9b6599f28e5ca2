#include "kv_cluster.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <fstream>
#include <sstream>
#include <thread>

namespace eddy::raft::testing {

namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kMaxReplyBytes = 1 << 20;

sockaddr_in loopback(uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

}  // namespace

uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr = loopback(0);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

KvConnection::~KvConnection() { close(); }

KvConnection::KvConnection(KvConnection&& o) noexcept
    : fd_(o.fd_), pending_(std::move(o.pending_)) {
  o.fd_ = -1;
}

KvConnection& KvConnection::operator=(KvConnection&& o) noexcept {
  if (this != &o) {
    close();
    fd_ = o.fd_;
    pending_ = std::move(o.pending_);
    o.fd_ = -1;
  }
  return *this;
}

void KvConnection::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  pending_.clear();
}

bool KvConnection::connect(uint16_t port, int timeout_ms) {
  close();
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd_ < 0) return false;
  sockaddr_in addr = loopback(port);
  int rc = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  if (rc != 0 && errno == EINPROGRESS) {
    pollfd p{fd_, POLLOUT, 0};
    int err = 0;
    socklen_t len = sizeof(err);
    if (::poll(&p, 1, timeout_ms) == 1 &&
        ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0) {
      rc = 0;
    }
  }
  if (rc != 0) {
    close();
    return false;
  }
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return true;
}

std::optional<std::string> KvConnection::request(const std::string& line, int timeout_ms) {
  if (fd_ < 0) return std::nullopt;
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  auto remaining_ms = [&] {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    return static_cast<int>(std::max<int64_t>(0, left.count()));
  };
  std::string out = line + "\n";
  size_t sent = 0;
  while (sent < out.size()) {
    ssize_t n = ::send(fd_, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      pollfd p{fd_, POLLOUT, 0};
      if (::poll(&p, 1, remaining_ms()) == 1) continue;
    }
    close();
    return std::nullopt;
  }
  while (true) {
    size_t nl = pending_.find('\n');
    if (nl != std::string::npos) {
      std::string reply = pending_.substr(0, nl);
      pending_.erase(0, nl + 1);
      return reply;
    }
    if (pending_.size() > kMaxReplyBytes) break;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, remaining_ms()) != 1) break;
    char buf[4096];
    ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n > 0) {
      pending_.append(buf, static_cast<size_t>(n));
    } else if (!(n < 0 && (errno == EAGAIN || errno == EINTR))) {
      break;
    }
  }
  close();
  return std::nullopt;
}

std::optional<std::string> kv_request(uint16_t port, const std::string& line, int timeout_ms) {
  KvConnection c;
  if (!c.connect(port, timeout_ms)) return std::nullopt;
  return c.request(line, timeout_ms);
}

std::optional<NodeStatusLine> parse_status(const std::string& line) {
  NodeStatusLine st;
  std::istringstream in(line);
  std::string field;
  int seen = 0;
  while (in >> field) {
    size_t eq = field.find('=');
    if (eq == std::string::npos) return std::nullopt;
    std::string k = field.substr(0, eq);
    std::string v = field.substr(eq + 1);
    try {
      if (k == "role")
        st.role = v;
      else if (k == "term")
        st.term = std::stoull(v);
      else if (k == "leader")
        st.leader = std::stoi(v);
      else if (k == "commit")
        st.commit = std::stoull(v);
      else if (k == "applied")
        st.applied = std::stoull(v);
      else if (k == "last")
        st.last = std::stoull(v);
      else if (k == "snapshot")
        st.snapshot = std::stoull(v);
      else
        continue;
    } catch (const std::exception&) {
      return std::nullopt;
    }
    ++seen;
  }
  if (seen != 7) return std::nullopt;
  return st;
}

KvCluster::KvCluster(KvClusterOptions options) : options_(std::move(options)) {
  for (int id = 1; id <= options_.nodes; ++id) nodes_[id] = Node{};
}

KvCluster::~KvCluster() {
  for (auto& [id, node] : nodes_) kill(id);
}

std::vector<int> KvCluster::ids() const {
  std::vector<int> out;
  for (const auto& [id, node] : nodes_) out.push_back(id);
  return out;
}

std::string KvCluster::voters() const {
  std::string out;
  for (const auto& [id, node] : nodes_) {
    if (!out.empty()) out += ',';
    out += std::to_string(id) + "@127.0.0.1:" + std::to_string(node.raft_port);
  }
  return out;
}

bool KvCluster::start_all() {
  for (auto& [id, node] : nodes_) {
    node.raft_port = free_port();
    node.client_port = free_port();
  }
  for (const auto& [id, node] : nodes_) {
    if (!start(id)) return false;
  }
  return true;
}

bool KvCluster::start(int id) {
  Node& node = nodes_.at(id);
  if (node.pid > 0) return true;
  std::filesystem::path dir = options_.root / ("node" + std::to_string(id));
  std::filesystem::create_directories(dir);
  std::vector<std::string> args = {options_.binary.string(),
                                   "--id",
                                   std::to_string(id),
                                   "--voters",
                                   voters(),
                                   "--client-port",
                                   std::to_string(node.client_port),
                                   "--data-dir",
                                   (dir / "raft").string(),
                                   "--tick-ms",
                                   std::to_string(options_.tick_ms),
                                   "--election-ticks",
                                   std::to_string(options_.election_ticks),
                                   "--snapshot-interval",
                                   std::to_string(options_.snapshot_interval),
                                   "--snapshot-catchup",
                                   std::to_string(options_.snapshot_catchup)};
  std::string log = (dir / "node.log").string();
  pid_t pid = ::fork();
  if (pid < 0) return false;
  if (pid == 0) {
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  node.pid = pid;
  // Ready once the client port answers (bounded).
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (Clock::now() < deadline) {
    if (kv_request(node.client_port, "STATUS", 500)) return true;
    int wstatus = 0;
    if (::waitpid(pid, &wstatus, WNOHANG) == pid) {
      node.pid = -1;
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

void KvCluster::kill(int id) {
  Node& node = nodes_.at(id);
  if (node.pid <= 0) return;
  ::kill(node.pid, SIGKILL);
  int wstatus = 0;
  ::waitpid(node.pid, &wstatus, 0);
  node.pid = -1;
}

bool KvCluster::running(int id) const { return nodes_.at(id).pid > 0; }

std::optional<NodeStatusLine> KvCluster::status(int id, int timeout_ms) {
  if (!running(id)) return std::nullopt;
  auto reply = kv_request(client_port(id), "STATUS", timeout_ms);
  if (!reply) return std::nullopt;
  return parse_status(*reply);
}

std::optional<int> KvCluster::wait_for_leader(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    int leader = -1;
    uint64_t term = 0;
    bool agreed = true;
    for (int id : ids()) {
      if (!running(id)) continue;
      auto st = status(id, 500);
      if (!st) {
        agreed = false;
        break;
      }
      if (st->role == "leader") {
        leader = id;
        term = st->term;
      }
    }
    if (agreed && leader > 0) {
      for (int id : ids()) {
        if (!running(id) || id == leader) continue;
        auto st = status(id, 500);
        if (!st || st->leader != leader || st->term != term) agreed = false;
      }
      if (agreed) {
        last_leader_ = leader;
        return leader;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return std::nullopt;
}

bool KvCluster::put(const std::string& key, const std::string& value,
                    std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  int target = last_leader_ > 0 && running(last_leader_) ? last_leader_ : ids().front();
  while (Clock::now() < deadline) {
    if (!running(target)) target = ids()[(target) % ids().size()];
    auto reply = kv_request(client_port(target), "PUT " + key + " " + value, 3000);
    if (reply && reply->rfind("OK ", 0) == 0) {
      last_leader_ = target;
      return true;
    }
    int hint = -1;
    if (reply && reply->rfind("ERR NOT_LEADER ", 0) == 0) {
      hint = std::atoi(reply->c_str() + 15);
    }
    if (hint > 0 && nodes_.contains(hint) && running(hint) && hint != target) {
      target = hint;
    } else {
      // No usable hint (election under way): try the next node after a short pause.
      target = ids()[target % ids().size()];
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  return false;
}

std::optional<std::string> KvCluster::dump(int id) {
  if (!running(id)) return std::nullopt;
  return kv_request(client_port(id), "DUMP", 2000);
}

std::string KvCluster::describe() {
  std::string out;
  for (int id : ids()) {
    out += "node " + std::to_string(id) + (running(id) ? "" : " (not running)") + ": ";
    auto reply = running(id) ? kv_request(client_port(id), "STATUS", 1000) : std::nullopt;
    out += reply.value_or("no STATUS answer") + "\n";
    std::ifstream log(options_.root / ("node" + std::to_string(id)) / "node.log");
    std::deque<std::string> tail;
    for (std::string line; std::getline(log, line);) {
      tail.push_back(std::move(line));
      if (tail.size() > 30) tail.pop_front();
    }
    for (const std::string& line : tail) out += "  " + line + "\n";
  }
  return out;
}

}  // namespace eddy::raft::testing
