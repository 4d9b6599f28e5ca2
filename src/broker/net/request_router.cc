#include "broker/net/request_router.h"

#include <algorithm>
#include <cstring>

namespace eddy::broker {

// A frame body up to this size is allocated whole when its size prefix arrives: that covers the
// requests clients send by default (producers cap requests at 1 MiB) in one allocation. A larger
// frame's buffer grows with the bytes that actually arrive, never beyond twice them, so a size
// prefix alone (a peer that announces 100 MiB and stalls) cannot make the broker reserve it.
static constexpr size_t kUpfrontBodyBytes = 1 << 20;

size_t FrameAssembler::feed(ByteSpan data) {
  size_t used = 0;
  while (used < data.size() && !complete_ && !error_) {
    if (want_ == 0) {
      prefix_[prefix_have_++] = data[used++];
      if (prefix_have_ < 4) continue;
      prefix_have_ = 0;
      int32_t size = load_be_i32(prefix_);
      if (size < static_cast<int32_t>(kMinRequestBytes)) {
        error_ = "frame size " + std::to_string(size) + " is below the request header size";
      } else if (size > max_frame_bytes_) {
        error_ = "frame size " + std::to_string(size) + " exceeds socket.request.max.bytes (" +
                 std::to_string(max_frame_bytes_) + ")";
      } else {
        want_ = static_cast<size_t>(size);
        body_ = UninitBytes();
        body_have_ = 0;
      }
      continue;
    }
    MutableByteSpan space = body_space();
    size_t n = std::min(space.size(), data.size() - used);
    std::memcpy(space.data(), data.data() + used, n);
    used += n;
    body_received(n);
  }
  return used;
}

void FrameAssembler::grow_body() {
  size_t total = body_have_ + want_;
  size_t target = total <= kUpfrontBodyBytes ? total : std::max(body_have_ * 2, kUpfrontBodyBytes);
  body_.resize(std::min(target, total));
}

MutableByteSpan FrameAssembler::body_space() {
  if (want_ == 0) return {};
  if (body_have_ == body_.size()) grow_body();
  return MutableByteSpan(body_.data() + body_have_, std::min(want_, body_.size() - body_have_));
}

void FrameAssembler::body_received(size_t n) {
  n = std::min(n, want_);
  body_have_ += n;
  want_ -= n;
  if (want_ == 0) complete_ = true;
}

UninitBytes FrameAssembler::take_frame() {
  complete_ = false;
  body_.resize(body_have_);
  body_have_ = 0;
  return std::exchange(body_, UninitBytes{});
}

Routed route_request(const HandlerRegistry& registry, UninitBytes frame) {
  Routed out;
  auto peek = peek_request_header(frame);
  if (!peek) {
    out.reason = peek.status().message();
    return out;
  }
  const HandlerRegistry::Entry* entry = registry.find(peek->api_key);
  if (entry == nullptr) {
    out.reason = "unknown api key " + std::to_string(peek->api_key);
    return out;
  }
  bool supported = entry->spec.supports(peek->api_version);
  if (!supported && !entry->spec.handles_unsupported_versions) {
    out.reason = std::string(entry->spec.name) + " version " + std::to_string(peek->api_version) +
                 " is not supported";
    return out;
  }
  // An unsupported version's header layout is unknown beyond client_id; read it as v1.
  bool flexible = supported && entry->spec.is_flexible(peek->api_version);
  size_t body_offset = 0;
  auto header = parse_request_header(frame, flexible, &body_offset);
  if (!header) {
    out.reason = header.status().message();
    return out;
  }
  out.action = Routed::Action::kDispatch;
  out.entry = entry;
  out.request.header = std::move(*header);
  out.request.frame = std::move(frame);
  out.request.body_offset = body_offset;
  return out;
}

}  // namespace eddy::broker
