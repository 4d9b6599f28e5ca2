#pragma once
// Framing of Raft messages on a TCP stream: a big-endian u32 body length, then a serialized
// pb::Message of exactly that many bytes. The length is checked against a limit before anything
// is allocated for the body, so a hostile or garbled length costs the reader nothing.

#include <cstddef>
#include <cstdint>

#include "common/bytes.h"
#include "common/status.h"
#include "raft/raft.pb.h"

namespace eddy::raft::frame {

inline constexpr size_t kLengthBytes = 4;
// The default frame limit: an append message carries at most Config::max_append_bytes (1 MiB) of
// entries and a snapshot chunk at most max_snapshot_chunk_bytes (1 MiB); leave generous room.
inline constexpr uint32_t kDefaultMaxFrameBytes = 32u << 20;

// Appends one frame holding `msg` to `out`.
Status encode(const pb::Message& msg, uint32_t max_frame_bytes, Bytes& out);

// Validates a frame's length prefix: kTooLarge over the limit, kCorruption for an empty body
// (every message carries at least its type).
Status check_length(uint32_t length, uint32_t max_frame_bytes);

// Parses a frame body; kCorruption when it is not a Message.
Result<pb::Message> decode_body(ByteSpan body);

}  // namespace eddy::raft::frame
