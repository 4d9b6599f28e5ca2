#pragma once
// Splits a TCP byte stream into Kafka frames: a 4-byte big-endian size, then that many bytes (a
// request header and body). The size is checked against a maximum (Kafka's
// socket.request.max.bytes, 100 MiB by default) before any buffer is sized for the frame, so a
// hostile prefix costs nothing; a negative or oversized prefix is an error after which the
// connection must be closed, since the stream can no longer be resynchronised.

#include <cstddef>
#include <cstdint>
#include <optional>

#include "common/bytes.h"
#include "common/status.h"

namespace eddy::protocol {

inline constexpr uint32_t kDefaultMaxFrameBytes = 100 * 1024 * 1024;
inline constexpr size_t kFrameSizeBytes = 4;

// The body length announced by the first four bytes of `buffered`; nullopt while fewer than four
// bytes are there. Fails when the length is negative or above max_frame_bytes.
Result<std::optional<uint32_t>> peek_frame_size(ByteSpan buffered, uint32_t max_frame_bytes);

class FrameDecoder {
 public:
  explicit FrameDecoder(uint32_t max_frame_bytes = kDefaultMaxFrameBytes)
      : max_frame_bytes_(max_frame_bytes) {}

  // Takes bytes from the socket. Fails (and stays failed) on a bad size prefix.
  Status feed(ByteSpan data);
  // The next complete frame body (without its size prefix), if one is buffered.
  std::optional<Bytes> next_frame();
  // Bytes held that do not yet form a frame.
  size_t buffered_bytes() const { return buffer_.size() - start_; }

 private:
  uint32_t max_frame_bytes_;
  Bytes buffer_;
  size_t start_ = 0;  // consumed prefix of buffer_, compacted lazily
  Status status_;
};

}  // namespace eddy::protocol
