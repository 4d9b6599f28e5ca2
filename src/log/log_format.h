#pragma once
// On-disk format constants of a partition log. docs/storage.md describes the files in prose; this
// header is the single place their sizes and names are defined.

#include <cstddef>
#include <cstdint>

#include "protocol/records/batch_header.h"

namespace eddy::log {

// Segment files are named by their base offset, zero-padded to 20 digits (Kafka's
// LogFileUtils.filenamePrefixFromOffset): 20 digits hold any non-negative int64.
inline constexpr int kFileNameDigits = 20;
inline constexpr const char* kLogSuffix = ".log";
inline constexpr const char* kIndexSuffix = ".index";
inline constexpr const char* kTimeIndexSuffix = ".timeindex";
inline constexpr const char* kCheckpointFile = "partition.checkpoint";
inline constexpr const char* kLeaderEpochCheckpointFile = "leader-epoch-checkpoint";
inline constexpr const char* kCleanShutdownFile = ".clean_shutdown";
inline constexpr const char* kDeleteDirSuffix = "-delete";
inline constexpr const char* kTempSuffix = ".tmp";
// Log compaction (docs/storage.md, "Compaction"): the cleaner's checkpoint of where the dirty
// section starts, and the suffixes of its swap protocol.
inline constexpr const char* kCleanerCheckpointFile = "cleaner-offset-checkpoint";
inline constexpr const char* kCleanedSuffix = ".cleaned";
inline constexpr const char* kSwapSuffix = ".swap";
inline constexpr const char* kDeletedSuffix = ".deleted";
// Damaged offset ranges of a partition (checkpoint format, "from"/"to" pairs), and the
// directories, "quarantine-<20-digit damaged offset>", that hold the segments recovery kept aside.
inline constexpr const char* kDamageFile = "partition.damage";
inline constexpr const char* kQuarantineDirPrefix = "quarantine-";
// Idempotent-producer state at an offset, "<20-digit offset>.snapshot" (written by the broker's
// partition, src/broker/replica/producer_snapshot.h).
inline constexpr const char* kProducerSnapshotSuffix = ".snapshot";

// .index entry: relative offset u32 (the batch's last offset minus the segment base offset), then
// the file position u32 of the batch, both big-endian.
inline constexpr size_t kOffsetIndexEntrySize = 8;
// .timeindex entry: timestamp i64 (the segment's max timestamp so far), then the relative offset
// u32 of the batch that carried it, both big-endian.
inline constexpr size_t kTimeIndexEntrySize = 12;
static_assert(kOffsetIndexEntrySize == sizeof(uint32_t) + sizeof(uint32_t));
static_assert(kTimeIndexEntrySize == sizeof(int64_t) + sizeof(uint32_t));

// Positions in a segment are u32 in the index, so a segment never exceeds INT32_MAX bytes and a
// relative offset never exceeds UINT32_MAX (a roll happens first).
inline constexpr int64_t kMaxSegmentBytes = INT32_MAX;
inline constexpr int64_t kMaxRelativeOffset = UINT32_MAX;
// The smallest segment that holds a batch header.
inline constexpr int64_t kMinSegmentBytes = records::kBatchHeaderSize;

// The checkpoint files are text, a few hundred bytes; anything bigger is not ours.
inline constexpr uint64_t kMaxCheckpointBytes = 1 << 20;
inline constexpr int kCheckpointVersion = 0;

// Reads that walk batch headers do so through a buffer of this size, so that a fetch of many
// small batches costs one pread per window rather than one per batch.
inline constexpr size_t kScanWindowBytes = 64 * 1024;
// Finding the batch that holds an offset walks at most about index.interval.bytes from the index
// entry before it, so that walk reads smaller windows.
inline constexpr size_t kLocateWindowBytes = 8 * 1024;
// Preallocation (docs/storage.md, "Preallocation"): the zero-filled tail is written in pieces of
// this size, each under the segment's tail lock, so that an append that outruns the tail waits
// for one piece at most.
inline constexpr size_t kZeroFillPieceBytes = 256 * 1024;
// Zero-filling stops while the group commits average more than this: the zeros are a second write
// of every byte, which costs more than the journal commit it saves once a group is this big
// (measured: docs/benchmarks/storage.md, "Preallocation").
inline constexpr uint64_t kPreallocateMaxGroupBytes = 256 * 1024;
// The smallest preallocate.ahead.bytes: one page.
inline constexpr int64_t kMinPreallocateAheadBytes = 4096;
// Recovery reads a suspected zero tail through windows of this size.
inline constexpr size_t kZeroCheckWindowBytes = 1 << 20;

// From this batch size on, header walks read headers one by one instead (see BatchScanner).
inline constexpr size_t kLargeBatchBytes = 4 * 1024;

}  // namespace eddy::log
