#pragma once
// Producer-state snapshot files (Kafka's ProducerStateManager snapshots). `<offset>.snapshot`
// (the offset in 20 digits, like a segment's name) in a partition's log directory holds the
// idempotent-producer state of every batch below that offset:
//   int16 version (1), uint32 CRC-32C of the body, body (ProducerStateTable::serialize).
// The partition writes one at each segment roll and at clean shutdown; at start it loads the
// newest one at or below the log end offset and replays the log from there (docs/storage.md).

#include <optional>
#include <string>
#include <vector>

#include "broker/replica/producer_state.h"
#include "common/ids.h"
#include "common/status.h"

namespace eddy::broker {

// The newest ones are kept: when the newest is unreadable (or lies past a log end that a crash
// took back) the next one is replayed from, a few segments at most.
inline constexpr size_t kProducerSnapshotsKept = 3;

std::string producer_snapshot_name(Offset offset);
// The offsets of the snapshot files in `dir`, ascending.
Result<std::vector<Offset>> list_producer_snapshots(const std::string& dir);
// Writes the snapshot at `offset` atomically and durably (temp file, fsync, rename, directory
// fsync), then deletes all but the newest kProducerSnapshotsKept.
Status write_producer_snapshot(const std::string& dir, Offset offset,
                               const ProducerStateTable& table);
// Reads the snapshot at `offset` into *table; kCorruption when the file does not parse or fails
// its CRC (*table untouched).
Status read_producer_snapshot(const std::string& dir, Offset offset, ProducerStateTable* table);
// At load: deletes the snapshots past `log_end` (offsets a crash took back or a truncation
// removed), then reads the newest readable one into *table and returns its offset; unreadable
// ones are logged and deleted. nullopt when none was readable (*table untouched).
Result<std::optional<Offset>> load_producer_snapshot(const std::string& dir, Offset log_end,
                                                     ProducerStateTable* table);
// Deletes the snapshots past `offset` (the log was truncated there, or lost those offsets).
Status delete_producer_snapshots_after(const std::string& dir, Offset offset);

}  // namespace eddy::broker
