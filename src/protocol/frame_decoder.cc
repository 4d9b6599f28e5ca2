#include "protocol/frame_decoder.h"

#include <string>

namespace eddy::protocol {

Result<std::optional<uint32_t>> peek_frame_size(ByteSpan buffered, uint32_t max_frame_bytes) {
  if (buffered.size() < kFrameSizeBytes) return std::optional<uint32_t>();
  int32_t size = load_be_i32(buffered.data());
  if (size < 0) return invalid_argument("negative frame size " + std::to_string(size));
  if (static_cast<uint32_t>(size) > max_frame_bytes) {
    return too_large("frame of " + std::to_string(size) + " bytes exceeds the limit of " +
                     std::to_string(max_frame_bytes));
  }
  return std::optional<uint32_t>(static_cast<uint32_t>(size));
}

Status FrameDecoder::feed(ByteSpan data) {
  if (!status_.is_ok()) return status_;
  // Compact before growing so the buffer holds at most one partial frame plus this read.
  if (start_ > 0 && start_ == buffer_.size()) {
    buffer_.clear();
    start_ = 0;
  } else if (start_ > buffer_.size() / 2) {
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<ptrdiff_t>(start_));
    start_ = 0;
  }
  buffer_.insert(buffer_.end(), data.begin(), data.end());
  auto size = peek_frame_size(ByteSpan(buffer_).subspan(start_), max_frame_bytes_);
  if (!size.is_ok()) status_ = size.status();
  return status_;
}

std::optional<Bytes> FrameDecoder::next_frame() {
  if (!status_.is_ok()) return std::nullopt;
  ByteSpan rest = ByteSpan(buffer_).subspan(start_);
  auto size = peek_frame_size(rest, max_frame_bytes_);
  if (!size.is_ok()) {
    status_ = size.status();
    return std::nullopt;
  }
  if (!size->has_value() || rest.size() - kFrameSizeBytes < **size) return std::nullopt;
  ByteSpan body = rest.subspan(kFrameSizeBytes, **size);
  Bytes frame(body.begin(), body.end());
  start_ += kFrameSizeBytes + **size;
  return frame;
}

}  // namespace eddy::protocol
