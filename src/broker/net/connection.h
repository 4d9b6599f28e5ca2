#pragma once
// One client connection. It lives on one io_context thread for its whole life, so its state needs
// no locks; answers computed on other threads are posted back to it.
//
// Reading: bytes go through a FrameAssembler (size prefix checked before allocation; the bulk of a
// large frame is received straight into it); each frame is routed to its handler at once, so a
// client can pipeline. With `max_inflight` requests awaiting responses the connection stops
// reading until one is written (back-pressure).
// Writing: responses go out strictly in request order, each as the 4-byte size, the response
// header and the body's chunks; file slices go with sendfile(2).
// Closing: on EOF or an error, on a frame it cannot route, when a handler answers kClose, after
// connections.max.idle.ms without bytes read while nothing is in flight, or on drain() once
// everything in flight is written.

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>

#include "broker/net/handler_registry.h"
#include "broker/net/request_router.h"

namespace eddy::broker {

struct ConnectionOptions {
  int32_t max_frame_bytes = 100 << 20;  // socket.request.max.bytes
  size_t max_inflight = 64;             // connection.max.inflight.requests
  int64_t idle_timeout_ms = 600'000;    // connections.max.idle.ms
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  using OnClosed = std::function<void(uint64_t id)>;

  Connection(boost::asio::io_context& io, boost::asio::ip::tcp::socket socket, uint64_t id,
             const HandlerRegistry& registry, const ConnectionOptions& options, OnClosed on_closed);

  void start();
  // Stop reading new requests; close once every in-flight response is written. Call on the
  // connection's thread.
  void drain();
  // Close now. Call on the connection's thread.
  void close(const std::string& reason);
  uint64_t id() const { return id_; }

 private:
  struct Slot {
    RequestHeader header;
    bool flexible_response = false;
    std::optional<Response> response;
    // Monotonic µs of the request's stages (request_metrics.h): frame complete, handler
    // returned, answer ready.
    int64_t received_us = 0;
    int64_t handled_us = 0;
    int64_t ready_us = 0;
  };

  void read_more();
  void on_read(const boost::system::error_code& ec, size_t n);
  // Sends the TCP ACK of what was just read at once instead of with the (later) answer.
  void acknowledge_now();
  void process_buffer();
  void dispatch(UninitBytes frame);
  // Logs why a frame closes the connection, rate limited across connections.
  void log_refused(const std::string& why);
  void deliver(uint64_t seq, Response response, int64_t ready_us);
  void write_next();
  void write_chunks(size_t index);
  void send_file(size_t index, uint64_t sent);
  void on_written();
  // TCP_CORK on or off (no system call when it is already so).
  void set_cork(bool on);
  void arm_idle_timer();
  bool reading_paused() const;

  boost::asio::io_context& io_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer idle_timer_;
  uint64_t id_;
  std::string peer_;
  const HandlerRegistry& registry_;
  ConnectionOptions options_;
  OnClosed on_closed_;

  FrameAssembler assembler_;
  std::array<uint8_t, 64 * 1024> read_buf_{};
  size_t read_have_ = 0;  // unconsumed bytes at the front of read_buf_
  bool reading_ = false;
  bool reading_direct_ = false;  // the pending read fills the assembler's frame body
  bool draining_ = false;
  // Written on the connection's thread only; atomic because a Responder asks it from others.
  std::atomic<bool> closed_{false};
  std::chrono::steady_clock::time_point last_read_;

  std::deque<Slot> slots_;  // in request order; front is the next response to write
  uint64_t first_seq_ = 0;  // sequence number of slots_.front()
  uint64_t next_seq_ = 0;
  bool writing_ = false;
  bool corked_ = false;               // TCP_CORK is on while a response with file slices is written
  std::vector<protocol::Chunk> out_;  // the response being written
  // The response being written: its api key and when its frame was complete and its write began.
  int16_t out_api_key_ = -1;
  int64_t out_received_us_ = 0;
  int64_t out_write_us_ = 0;
};

}  // namespace eddy::broker
