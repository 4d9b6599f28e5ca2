#pragma once
// Transport: carries pb::Message between Raft peers over TCP (framing in frame.h).
//
// Each node listens on one port for inbound connections, which only ever receive, and keeps one
// outbound connection per peer, which only ever sends. Outbound messages wait in a bounded
// per-peer queue; when it is full the new message is dropped (Raft retries: heartbeats, append
// probes and votes are all re-sent on the next tick). Queued frames go out in one write of up to
// max_batch_bytes. A broken or refused connection is retried with exponential back-off from
// reconnect_initial_ms, doubling up to reconnect_max_ms; messages in flight on a broken
// connection are lost, again by design.
//
// Inbound frames longer than max_frame_bytes, bodies that are not a Message, and messages not
// addressed to this node close that one connection; every other connection carries on.
//
// Threading: every method must be called on the io_context's thread, and the handler runs there.
// Call stop() before destroying the Transport; after stop() no handler is invoked.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "common/ids.h"
#include "common/status.h"
#include "raft/raft.pb.h"
#include "raft/transport/frame.h"
#include "raft/transport/peer_address.h"

namespace eddy::raft {

struct TransportConfig {
  NodeId self = kNoNode;
  // Stamped on every message sent; a message received with another non-empty cluster id is
  // dropped and its connection closed (INCONSISTENT_CLUSTER_ID, logged at most every 10 s per
  // sender). Empty: neither stamped nor checked.
  std::string cluster_id;
  // The address to listen on; port 0 picks a free one (see Transport::listen_port()).
  std::string listen_host = "127.0.0.1";
  uint16_t listen_port = 0;
  // Every other voter; messages to an unknown id are dropped.
  std::map<NodeId, PeerAddress> peers;
  uint32_t max_frame_bytes = frame::kDefaultMaxFrameBytes;
  // Per peer: at most this many messages and bytes wait to be sent.
  size_t max_queued_messages = 4096;
  size_t max_queued_bytes = 64u << 20;
  // One write carries at most this many bytes of queued frames (at least one frame).
  size_t max_batch_bytes = 4u << 20;
  int reconnect_initial_ms = 20;
  int reconnect_max_ms = 1000;
  // TCP_USER_TIMEOUT of the outbound connections: sent bytes unacknowledged this long close the
  // connection (0: the kernel's default, many minutes). Twice an election timeout by default.
  int unacked_timeout_ms = 2000;
  // Inbound connections beyond this are closed on accept.
  size_t max_inbound_connections = 64;
};

struct TransportStats {
  uint64_t sent = 0;             // messages written to a socket
  uint64_t dropped = 0;          // messages dropped: queue full, unknown peer, broken connection
  uint64_t received = 0;         // messages handed to the handler
  uint64_t connects = 0;         // outbound connections established
  uint64_t bad_connections = 0;  // inbound connections closed for a bad frame
  uint64_t foreign = 0;          // messages dropped for another cluster id
};

class PeerConnection;
class InboundConnection;

class Transport {
 public:
  using Handler = std::function<void(pb::Message)>;

  Transport(boost::asio::io_context& io, TransportConfig config, Handler handler);
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  // Binds and listens; fails when the address is taken.
  Status start();
  uint16_t listen_port() const { return listen_port_; }
  // Adds or replaces the address of a peer (a new member, or a port learnt after start-up).
  void set_peer(NodeId id, PeerAddress address);
  // Queues `msg` for msg.to().
  void send(pb::Message msg);
  void stop();
  TransportStats stats() const;

 private:
  struct Listener;
  void accept();
  void adopt(boost::asio::ip::tcp::socket socket);

  boost::asio::io_context& io_;
  TransportConfig config_;
  std::shared_ptr<Listener> listener_;
  std::map<NodeId, std::shared_ptr<PeerConnection>> peers_;
  uint16_t listen_port_ = 0;
  uint64_t dropped_unknown_peer_ = 0;
};

}  // namespace eddy::raft
