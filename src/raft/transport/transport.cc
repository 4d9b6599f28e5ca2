#include "raft/transport/transport.h"

#include <spdlog/spdlog.h>

#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <map>
#include <set>

#include "raft/transport/inbound_connection.h"
#include "raft/transport/peer_connection.h"

namespace eddy::raft {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// State shared with accept and inbound-read completions, which may outlive a call to stop().
struct Transport::Listener {
  explicit Listener(asio::io_context& io) : acceptor(io) {}
  tcp::acceptor acceptor;
  Handler handler;
  bool stopped = false;
  std::set<std::shared_ptr<InboundConnection>> connections;
  uint64_t received = 0;
  uint64_t bad_connections = 0;
  uint64_t foreign = 0;
  // Last time a foreign sender was logged, per sender id.
  std::map<int32_t, std::chrono::steady_clock::time_point> foreign_logged;
};

Transport::Transport(asio::io_context& io, TransportConfig config, Handler handler)
    : io_(io), config_(std::move(config)), listener_(std::make_shared<Listener>(io)) {
  listener_->handler = std::move(handler);
  for (const auto& [id, address] : config_.peers) {
    if (id == config_.self) continue;
    peers_.emplace(id, std::make_shared<PeerConnection>(io_, address, config_));
  }
}

Transport::~Transport() { stop(); }

Status Transport::start() {
  boost::system::error_code ec;
  tcp::endpoint endpoint(asio::ip::make_address(config_.listen_host, ec), config_.listen_port);
  if (ec)
    return invalid_argument("raft listen address " + config_.listen_host + ": " + ec.message());
  tcp::acceptor& acceptor = listener_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return unavailable("raft listener on " + config_.listen_host + ":" +
                       std::to_string(config_.listen_port) + ": " + ec.message());
  }
  listen_port_ = acceptor.local_endpoint().port();
  accept();
  return Status::ok();
}

void Transport::accept() {
  std::shared_ptr<Listener> l = listener_;
  // `this` is touched only while !l->stopped: stop() runs before the Transport goes away.
  l->acceptor.async_accept([this, l](const boost::system::error_code& ec, tcp::socket socket) {
    if (l->stopped) return;
    if (!ec) adopt(std::move(socket));
    // Accept errors (EMFILE, a reset before accept) are transient: keep accepting.
    accept();
  });
}

void Transport::adopt(tcp::socket socket) {
  if (listener_->connections.size() >= config_.max_inbound_connections) {
    boost::system::error_code ignored;
    socket.close(ignored);
    return;
  }
  std::weak_ptr<Listener> weak = listener_;
  auto deliver = [weak, cluster_id = config_.cluster_id, self = config_.self](pb::Message msg) {
    auto l = weak.lock();
    if (!l || l->stopped) return false;
    if (!cluster_id.empty() && !msg.cluster_id().empty() && msg.cluster_id() != cluster_id) {
      ++l->foreign;
      auto now = std::chrono::steady_clock::now();
      auto& last = l->foreign_logged[msg.from()];
      if (last == std::chrono::steady_clock::time_point{} ||
          now - last > std::chrono::seconds(10)) {
        last = now;
        spdlog::error(
            "raft node {}: dropping messages from node {} of cluster {}: this node is in cluster "
            "{} (INCONSISTENT_CLUSTER_ID); check meta.properties and controller.quorum.voters",
            self.value(), msg.from(), msg.cluster_id(), cluster_id);
      }
      return false;
    }
    ++l->received;
    l->handler(std::move(msg));
    return !l->stopped;
  };
  auto on_close = [weak](InboundConnection* c, bool bad) {
    auto l = weak.lock();
    if (!l) return;
    if (bad) ++l->bad_connections;
    std::erase_if(l->connections, [c](const auto& p) { return p.get() == c; });
  };
  auto conn = std::make_shared<InboundConnection>(std::move(socket), config_, std::move(deliver),
                                                  std::move(on_close));
  listener_->connections.insert(conn);
  conn->start();
}

void Transport::set_peer(NodeId id, PeerAddress address) {
  if (id == config_.self || listener_->stopped) return;
  config_.peers[id] = address;
  auto it = peers_.find(id);
  if (it != peers_.end()) it->second->stop();
  peers_[id] = std::make_shared<PeerConnection>(io_, std::move(address), config_);
}

void Transport::send(pb::Message msg) {
  auto it = peers_.find(NodeId(msg.to()));
  if (it == peers_.end() || listener_->stopped) {
    ++dropped_unknown_peer_;
    return;
  }
  if (!config_.cluster_id.empty()) msg.set_cluster_id(config_.cluster_id);
  it->second->send(msg);
}

void Transport::stop() {
  if (listener_->stopped) return;
  listener_->stopped = true;
  listener_->handler = nullptr;
  boost::system::error_code ignored;
  listener_->acceptor.close(ignored);
  for (const auto& c : listener_->connections) c->close();
  listener_->connections.clear();
  for (auto& [id, peer] : peers_) peer->stop();
}

TransportStats Transport::stats() const {
  TransportStats s;
  s.dropped = dropped_unknown_peer_;
  for (const auto& [id, peer] : peers_) {
    s.sent += peer->sent();
    s.dropped += peer->dropped();
    s.connects += peer->connects();
  }
  s.received = listener_->received;
  s.bad_connections = listener_->bad_connections;
  s.foreign = listener_->foreign;
  return s;
}

}  // namespace eddy::raft
