#include "raft/transport/frame.h"

#include <string>

namespace eddy::raft::frame {

Status encode(const pb::Message& msg, uint32_t max_frame_bytes, Bytes& out) {
  const size_t size = msg.ByteSizeLong();
  EDDY_RETURN_IF_ERROR(
      check_length(size > UINT32_MAX ? UINT32_MAX : static_cast<uint32_t>(size), max_frame_bytes));
  const size_t at = out.size();
  out.resize(at + kLengthBytes + size);
  store_be32(out.data() + at, static_cast<uint32_t>(size));
  msg.SerializeWithCachedSizesToArray(out.data() + at + kLengthBytes);
  return Status::ok();
}

Status check_length(uint32_t length, uint32_t max_frame_bytes) {
  if (length > max_frame_bytes) {
    return too_large("raft frame of " + std::to_string(length) + " bytes, limit " +
                     std::to_string(max_frame_bytes));
  }
  if (length == 0) return corruption("empty raft frame");
  return Status::ok();
}

Result<pb::Message> decode_body(ByteSpan body) {
  pb::Message msg;
  if (!msg.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    return corruption("raft frame is not a Message");
  }
  if (msg.type() == pb::MSG_UNSPECIFIED || !pb::MessageType_IsValid(msg.type())) {
    return corruption("raft frame has no valid message type");
  }
  return msg;
}

}  // namespace eddy::raft::frame
