#pragma once
// InboundConnection: the receiving half of a link, accepted by the Transport's listener. Reads
// length-prefixed frames into one buffer (grown only after the length passed its limit), hands
// each Message addressed to this node to the listener's handler, and closes itself on the first
// bad frame.

#include <boost/asio/ip/tcp.hpp>
#include <functional>
#include <memory>

#include "common/bytes.h"
#include "raft/transport/transport.h"

namespace eddy::raft {

class InboundConnection : public std::enable_shared_from_this<InboundConnection> {
 public:
  // Called with each good message; returns false when the receiver has stopped.
  using Deliver = std::function<bool(pb::Message)>;
  // Called once when the connection closes; `bad` when a frame was rejected.
  using OnClose = std::function<void(InboundConnection*, bool bad)>;

  InboundConnection(boost::asio::ip::tcp::socket socket, const TransportConfig& config,
                    Deliver deliver, OnClose on_close);
  void start();
  void close();

 private:
  void read();
  void on_read(const boost::system::error_code& ec, size_t n);
  void close_with(bool bad);

  boost::asio::ip::tcp::socket socket_;
  const TransportConfig& config_;
  Deliver deliver_;
  OnClose on_close_;
  Bytes buf_;
  size_t have_ = 0;
  bool closed_ = false;
};

}  // namespace eddy::raft
