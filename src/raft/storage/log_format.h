#pragma once
// On-disk layout of the Raft log segments and the checkpoint files (hard state, snapshot). The
// prose description lives in docs/raft-operations.md; the constants live here, once.
//
// A log segment `<data dir>/log/<20-digit first index>.log` is a sequence of records:
//
//   offset  size  field
//        0     4  header_crc   CRC-32C of bytes [4, 28) of this header
//        4     4  body_length  bytes of body that follow the header
//        8     8  index        Raft log index of the entry
//       16     8  term         Raft term of the entry
//       24     4  body_crc     CRC-32C of the body
//       28     n  body         the entry (type and data), opaque to the segment layer
//
// All integers are big-endian. The header has its own checksum so a flipped length is never
// mistaken for a record that runs past the end of the file (a torn tail).
//
// A checkpoint file (`hard_state`, `snapshot`) is one framed blob, replaced atomically:
//
//        0     4  magic        kHardStateMagic or kSnapshotMagic
//        4     4  length       bytes of body
//        8     4  body_crc     CRC-32C of the body
//       12     n  body

#include <cstddef>
#include <cstdint>

namespace eddy::raft::log_format {

inline constexpr size_t kRecordHeaderBytes = 28;
inline constexpr size_t kHeaderCrcOffset = 0;
inline constexpr size_t kBodyLengthOffset = 4;
inline constexpr size_t kIndexOffset = 8;
inline constexpr size_t kTermOffset = 16;
inline constexpr size_t kBodyCrcOffset = 24;
static_assert(kBodyCrcOffset + 4 == kRecordHeaderBytes, "header fields cover the header exactly");

// One entry body may not exceed this (a Raft proposal is small metadata, not a Kafka batch).
inline constexpr uint32_t kDefaultMaxBodyBytes = 16u << 20;
// Segments roll once they reach this size; old ones are deleted whole after compaction.
inline constexpr uint64_t kDefaultSegmentBytes = 64u << 20;

inline constexpr size_t kCheckpointHeaderBytes = 12;
inline constexpr uint32_t kHardStateMagic = 0x45525348;  // "ERSH": Eddy Raft hard State
inline constexpr uint32_t kSnapshotMagic = 0x45525350;   // "ERSP": Eddy Raft SnaPshot
// A snapshot of the controller metadata is bounded; a larger file is refused before allocation.
inline constexpr uint64_t kMaxSnapshotBytes = 1ull << 30;

inline constexpr char kSegmentSuffix[] = ".log";
inline constexpr int kSegmentNameDigits = 20;

}  // namespace eddy::raft::log_format
