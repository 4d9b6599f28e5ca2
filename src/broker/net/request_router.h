#pragma once
// The socket-independent half of a connection: cuts the byte stream into frames (4-byte size
// prefix checked against socket.request.max.bytes before anything is allocated for the body),
// parses each frame's request header and routes it to its handler. Connection feeds it bytes
// from the socket; the frame+dispatch fuzz target feeds it arbitrary bytes.

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "broker/net/handler_registry.h"
#include "common/bytes.h"

namespace eddy::broker {

class FrameAssembler {
 public:
  explicit FrameAssembler(int32_t max_frame_bytes) : max_frame_bytes_(max_frame_bytes) {}

  // Consumes bytes from `data`; returns how many were used. Stops after completing one frame
  // (take it with take_frame()) or on a bad size prefix (error() is then set).
  size_t feed(ByteSpan data);
  bool has_frame() const { return complete_; }
  UninitBytes take_frame();
  // Set when a size prefix was negative, below the minimum header or above the cap.
  const std::optional<std::string>& error() const { return error_; }
  // True while part of a frame (or its prefix) has arrived but not all of it.
  bool mid_frame() const { return prefix_have_ > 0 || want_ > 0; }

  // Direct receive, so a large request is read from the socket straight into its frame instead
  // of through the connection's buffer (one copy less): while a body is expected (want_body()),
  // body_space() is where the next bytes go and body_received(n) accepts the n written there.
  bool want_body() const { return want_ > 0; }
  MutableByteSpan body_space();
  void body_received(size_t n);

 private:
  // Makes room for at least one more byte of body: the whole frame at once up to
  // kUpfrontBodyBytes, beyond that never more than twice what has arrived.
  void grow_body();

  int32_t max_frame_bytes_;
  uint8_t prefix_[4] = {};
  size_t prefix_have_ = 0;
  size_t want_ = 0;   // body bytes still expected; 0 when reading a prefix
  UninitBytes body_;  // allocated space; the first body_have_ bytes have arrived
  size_t body_have_ = 0;
  bool complete_ = false;
  std::optional<std::string> error_;
};

struct Routed {
  // What the connection must do with the frame.
  enum class Action : uint8_t { kDispatch, kClose } action = Action::kClose;
  const HandlerRegistry::Entry* entry = nullptr;
  Request request;
  std::string reason;  // why it closes
};

// Parses the header of `frame` and picks its handler. Unknown api key, a version outside the
// handler's range (unless it takes those), or a malformed header → kClose.
Routed route_request(const HandlerRegistry& registry, UninitBytes frame);

}  // namespace eddy::broker
