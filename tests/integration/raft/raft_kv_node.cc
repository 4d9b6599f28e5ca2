// raft_kv_node: a replicated key-value store on RaftNode, for integration tests and benchmarks.
//
//   raft_kv_node --id 1 --voters 1@127.0.0.1:7001,2@127.0.0.1:7002,3@127.0.0.1:7003
//                --client-port 8001 --data-dir DIR [--tick-ms 20] [--election-ticks 10]
//                [--snapshot-interval 10000] [--snapshot-catchup 1000]
//
// Line protocol on 127.0.0.1:<client-port>, one request per line, one reply line each:
//   PUT <key> <value>  -> OK <index>            replicated and applied (value: rest of the line)
//   GET <key>          -> VALUE <value> | NONE  linearizable (ReadIndex)
//   STATUS             -> role=<leader|follower|...> term=<t> leader=<id> commit=<i> applied=<i>
//                         last=<i> snapshot=<i>
//   DUMP               -> DUMP <applied> <key>=<value> ...   local state, sorted, not linearizable
// Failures: ERR NOT_LEADER <leader id or -1> | ERR <StatusCode> <message>.

#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <charconv>
#include <cstdio>
#include <deque>
#include <iostream>
#include <memory>
#include <string>

#include "kv_state_machine.h"
#include "raft/node/raft_node.h"

namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using eddy::Result;
using eddy::Status;
using eddy::StatusCode;
namespace raft = eddy::raft;

constexpr size_t kMaxLineBytes = 64 * 1024;
constexpr size_t kMaxQueuedReplies = 1024;

using KvStateMachine = raft::testing::KvStateMachine;

std::string error_reply(raft::RaftNode& node, const Status& s) {
  if (s.code() == StatusCode::kUnavailable && node.status().role != raft::Role::kLeader) {
    return "ERR NOT_LEADER " + std::to_string(node.status().leader.value());
  }
  return std::string("ERR ") + eddy::status_code_name(s.code()) + " " + s.message();
}

// One client connection: reads lines, hands each to the node, writes replies in request order.
class ClientSession : public std::enable_shared_from_this<ClientSession> {
 public:
  ClientSession(tcp::socket socket, raft::RaftNode& node, KvStateMachine& sm)
      : socket_(std::move(socket)), node_(node), sm_(sm), buf_(kMaxLineBytes) {}

  void start() { read(); }

 private:
  struct Slot {
    bool ready = false;
    std::string reply;
  };

  void read() {
    auto self = shared_from_this();
    asio::async_read_until(socket_, buf_, '\n',
                           [self](const boost::system::error_code& ec, size_t n) {
                             if (ec) return self->close();
                             std::string line(asio::buffers_begin(self->buf_.data()),
                                              asio::buffers_begin(self->buf_.data()) + n - 1);
                             self->buf_.consume(n);
                             if (!line.empty() && line.back() == '\r') line.pop_back();
                             self->handle(line);
                           });
  }

  // Replies complete on the node's thread; they are re-posted here and sent in request order.
  void complete(std::shared_ptr<Slot> slot, std::string reply) {
    auto self = shared_from_this();
    asio::post(socket_.get_executor(), [self, slot, reply = std::move(reply)]() mutable {
      slot->ready = true;
      slot->reply = std::move(reply);
      self->flush();
    });
  }

  void handle(const std::string& line) {
    if (slots_.size() >= kMaxQueuedReplies) return close();
    auto slot = std::make_shared<Slot>();
    slots_.push_back(slot);
    auto self = shared_from_this();
    if (line.rfind("PUT ", 0) == 0) {
      std::string kv = line.substr(4);
      if (kv.find(' ') == std::string::npos || kv.front() == ' ') {
        complete(slot, "ERR InvalidArgument PUT needs a key and a value");
      } else {
        node_.propose(kv, [self, slot](Result<raft::ProposalResult> r) {
          self->complete(slot, r.is_ok() ? "OK " + std::to_string(r->index.value())
                                         : error_reply(self->node_, r.status()));
        });
      }
    } else if (line.rfind("GET ", 0) == 0) {
      std::string key = line.substr(4);
      node_.read_index([self, slot, key](Result<eddy::RaftIndex> r) {
        if (!r.is_ok()) return self->complete(slot, error_reply(self->node_, r.status()));
        auto v = self->sm_.get(key);
        self->complete(slot, v ? "VALUE " + *v : "NONE");
      });
    } else if (line == "STATUS") {
      raft::RaftNodeStatus st = node_.status();
      complete(slot, std::string("role=") + raft::role_name(st.role) +
                         " term=" + std::to_string(st.term.value()) +
                         " leader=" + std::to_string(st.leader.value()) +
                         " commit=" + std::to_string(st.commit.value()) +
                         " applied=" + std::to_string(st.applied.value()) +
                         " last=" + std::to_string(st.last_index.value()) +
                         " snapshot=" + std::to_string(st.snapshot_index.value()));
    } else if (line == "DUMP") {
      complete(slot, sm_.dump(node_.status().applied.value()));
    } else {
      complete(slot, "ERR InvalidArgument unknown command");
    }
    read();
  }

  void flush() {
    if (writing_ || closed_) return;
    std::string out;
    while (!slots_.empty() && slots_.front()->ready) {
      out += slots_.front()->reply;
      out += '\n';
      slots_.pop_front();
    }
    if (out.empty()) return;
    writing_ = true;
    auto self = shared_from_this();
    auto data = std::make_shared<std::string>(std::move(out));
    asio::async_write(socket_, asio::buffer(*data),
                      [self, data](const boost::system::error_code& ec, size_t) {
                        self->writing_ = false;
                        if (ec) return self->close();
                        self->flush();
                      });
  }

  void close() {
    closed_ = true;
    boost::system::error_code ignored;
    socket_.close(ignored);
  }

  tcp::socket socket_;
  raft::RaftNode& node_;
  KvStateMachine& sm_;
  asio::streambuf buf_;
  std::deque<std::shared_ptr<Slot>> slots_;
  bool writing_ = false;
  bool closed_ = false;
};

void accept_loop(tcp::acceptor& acceptor, raft::RaftNode& node, KvStateMachine& sm) {
  acceptor.async_accept([&](const boost::system::error_code& ec, tcp::socket socket) {
    if (!ec) std::make_shared<ClientSession>(std::move(socket), node, sm)->start();
    if (acceptor.is_open()) accept_loop(acceptor, node, sm);
  });
}

template <typename T>
bool parse_number(const std::string& s, T* out) {
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

int usage(const std::string& why) {
  std::cerr << "raft_kv_node: " << why << "\n"
            << "usage: raft_kv_node --id N --voters ID@HOST:PORT,... --client-port P --data-dir D"
               " [--tick-ms T] [--election-ticks E] [--snapshot-interval S]"
               " [--snapshot-catchup C]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  raft::RaftNodeConfig config;
  uint16_t client_port = 0;
  std::string voters;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    std::string value = argv[i + 1];
    int32_t id = 0;
    bool ok = true;
    if (flag == "--id") {
      ok = parse_number(value, &id);
      config.id = eddy::NodeId(id);
    } else if (flag == "--voters") {
      voters = value;
    } else if (flag == "--client-port") {
      ok = parse_number(value, &client_port);
    } else if (flag == "--data-dir") {
      config.data_dir = value;
    } else if (flag == "--tick-ms") {
      ok = parse_number(value, &config.tick_ms);
    } else if (flag == "--election-ticks") {
      ok = parse_number(value, &config.election_ticks);
    } else if (flag == "--snapshot-interval") {
      ok = parse_number(value, &config.snapshot_interval);
    } else if (flag == "--snapshot-catchup") {
      ok = parse_number(value, &config.snapshot_catchup_entries);
    } else {
      return usage("unknown flag " + flag);
    }
    if (!ok) return usage("bad value for " + flag + ": " + value);
  }
  auto parsed = raft::parse_quorum_voters(voters);
  if (!parsed.is_ok()) return usage(parsed.status().to_string());
  config.voters = *parsed;
  if (client_port == 0) return usage("--client-port is required");

  KvStateMachine sm;
  raft::RaftNode node(config, sm);
  Status s = node.start();
  if (!s.is_ok()) {
    std::cerr << "raft_kv_node: " << s.to_string() << "\n";
    return 1;
  }
  asio::io_context io;
  tcp::acceptor acceptor(io);
  boost::system::error_code ec;
  tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), client_port);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    std::cerr << "raft_kv_node: client port " << client_port << ": " << ec.message() << "\n";
    return 1;
  }
  accept_loop(acceptor, node, sm);
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) {
    acceptor.close();
    io.stop();
  });
  spdlog::info("raft_kv_node {}: clients on 127.0.0.1:{}", config.id.value(), client_port);
  io.run();
  node.stop();
  return 0;
}
