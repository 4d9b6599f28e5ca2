#pragma once
// PeerConnection: the outbound half of the link to one peer. Owns a bounded queue of encoded
// frames, one TCP connection that it re-establishes with exponential back-off, and writes queued
// frames in batches. It never reads application data; it only watches the socket so that a
// peer's restart (EOF or reset) is noticed before the next write. See transport.h for the policy.

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <memory>
#include <vector>

#include "common/bytes.h"
#include "raft/transport/transport.h"

namespace eddy::raft {

class PeerConnection : public std::enable_shared_from_this<PeerConnection> {
 public:
  PeerConnection(boost::asio::io_context& io, PeerAddress address, const TransportConfig& config);

  void send(const pb::Message& msg);
  void stop();

  uint64_t sent() const { return sent_; }
  uint64_t dropped() const { return dropped_; }
  uint64_t connects() const { return connects_; }

 private:
  enum class State { kIdle, kConnecting, kConnected, kBackoff, kStopped };

  void connect();
  void on_resolved(uint64_t gen, const boost::system::error_code& ec,
                   const boost::asio::ip::tcp::resolver::results_type& endpoints);
  void on_connected(uint64_t gen, const boost::system::error_code& ec);
  void watch();
  void write();
  void on_written(uint64_t gen, const boost::system::error_code& ec);
  // Drops the connection and whatever was being written, then waits before reconnecting.
  void fail();

  PeerAddress address_;
  const TransportConfig& config_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::ip::tcp::resolver resolver_;
  boost::asio::steady_timer backoff_timer_;
  State state_ = State::kIdle;
  // Bumped whenever the socket is closed, so completions of an older socket are ignored.
  uint64_t generation_ = 0;
  int backoff_ms_;
  std::deque<Bytes> queue_;
  size_t queued_bytes_ = 0;
  std::vector<Bytes> writing_;
  bool write_in_flight_ = false;
  uint8_t watch_byte_ = 0;
  uint64_t sent_ = 0;
  uint64_t dropped_ = 0;
  uint64_t connects_ = 0;
};

}  // namespace eddy::raft
