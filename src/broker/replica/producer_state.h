#pragma once
// Idempotent-producer state of one partition (Kafka's ProducerStateManager, without
// transactions). For each producer id the leader remembers its epoch and the metadata of its last
// kBatchesPerProducer batches. A retried batch whose sequence range matches a remembered one is a
// duplicate: the leader answers with the offsets it was first written at and appends nothing. A
// batch that does not continue the last sequence is out of order and rejected.
//
// Where the state comes from after a restart: the partition writes it to a snapshot file at each
// segment roll and at clean shutdown (producer_snapshot.h), loads the newest valid one at start
// and replays the log's batch headers from the snapshot's offset, so a producer retrying across a
// restart is deduplicated however old its last batch is (Kafka's ProducerStateManager). An
// unknown producer (none in the state) may start at any sequence, as in Kafka.
//
// Not thread-safe: the owning Partition calls it under its append lock, so that the check and the
// append that follows are one step.

#include <cstdint>
#include <deque>
#include <optional>
#include <unordered_map>

#include "common/bytes.h"
#include "common/ids.h"
#include "common/status.h"
#include "protocol/records/batch_header.h"

namespace eddy::broker {

// Kafka keeps 5: librdkafka and the Java client allow at most 5 requests in flight per
// connection with idempotence on, so a retry always finds its batch among the last 5.
inline constexpr size_t kBatchesPerProducer = 5;
// Bound on remembered producers per partition; the least recently written is forgotten first.
inline constexpr size_t kMaxProducersPerPartition = 10'000;

struct BatchMetadata {
  int32_t first_sequence = 0;
  int32_t last_sequence = 0;
  Offset first_offset{0};
  Offset last_offset{0};
  int64_t timestamp_ms = -1;
};

struct ProducerEntry {
  int16_t epoch = records::kNoProducerEpoch;
  std::deque<BatchMetadata> batches;  // oldest first, at most kBatchesPerProducer
  uint64_t last_write_seq = 0;        // for eviction (larger is more recent)
};

// What check() decided for one incoming batch.
struct SequenceCheck {
  int16_t error = 0;                       // a Kafka error code, 0 when the batch may be appended
  std::optional<BatchMetadata> duplicate;  // set when the batch was already written
};

class ProducerStateTable {
 public:
  // Decides whether a batch with this header may be appended. Batches without a producer id are
  // always accepted.
  SequenceCheck check(const records::BatchHeader& h) const;
  // Records a batch that was appended (by the leader, or read back from the log at load) at
  // [first_offset, last_offset].
  void record(const records::BatchHeader& h, Offset first_offset, Offset last_offset);
  // Forgets every batch at or after `offset` (the log was truncated there).
  void truncate_from(Offset offset);

  // The table as the bytes of a snapshot file's body, and back into *out (kCorruption when they
  // do not parse, *out untouched). Producers keep their eviction order.
  Bytes serialize() const;
  static Status parse(ByteSpan data, ProducerStateTable* out);

  size_t producer_count() const { return producers_.size(); }
  const ProducerEntry* find(int64_t producer_id) const;

 private:
  void evict_oldest();

  std::unordered_map<int64_t, ProducerEntry> producers_;
  uint64_t write_seq_ = 0;
};

}  // namespace eddy::broker
