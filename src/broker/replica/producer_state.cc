#include "broker/replica/producer_state.h"

#include <limits>

#include "protocol/errors.h"

namespace eddy::broker {

using protocol::ErrorCode;
using protocol::to_int;

namespace {

// Sequences wrap from INT32_MAX to 0 (Kafka's DefaultRecordBatch.incrementSequence).
int32_t next_sequence(int32_t seq) {
  return seq == std::numeric_limits<int32_t>::max() ? 0 : seq + 1;
}

int32_t last_sequence_of(const records::BatchHeader& h) {
  const int64_t last = static_cast<int64_t>(h.base_sequence) + h.last_offset_delta;
  return static_cast<int32_t>(last > std::numeric_limits<int32_t>::max()
                                  ? last - std::numeric_limits<int32_t>::max() - 1
                                  : last);
}

}  // namespace

const ProducerEntry* ProducerStateTable::find(int64_t producer_id) const {
  auto it = producers_.find(producer_id);
  return it == producers_.end() ? nullptr : &it->second;
}

SequenceCheck ProducerStateTable::check(const records::BatchHeader& h) const {
  if (h.producer_id == records::kNoProducerId) return {};
  auto it = producers_.find(h.producer_id);
  if (it == producers_.end()) return {};  // unknown producer: any sequence starts its state
  const ProducerEntry& e = it->second;
  if (h.producer_epoch < e.epoch) return {to_int(ErrorCode::kInvalidProducerEpoch), std::nullopt};
  if (h.producer_epoch > e.epoch) {
    // A new epoch restarts the sequence at 0.
    if (h.base_sequence != 0) return {to_int(ErrorCode::kOutOfOrderSequenceNumber), std::nullopt};
    return {};
  }
  const int32_t last_seq = last_sequence_of(h);
  for (const BatchMetadata& b : e.batches) {
    if (b.first_sequence == h.base_sequence && b.last_sequence == last_seq) {
      return {to_int(ErrorCode::kNone), b};
    }
  }
  if (e.batches.empty()) return {};
  if (h.base_sequence != next_sequence(e.batches.back().last_sequence)) {
    return {to_int(ErrorCode::kOutOfOrderSequenceNumber), std::nullopt};
  }
  return {};
}

void ProducerStateTable::record(const records::BatchHeader& h, Offset first_offset,
                                Offset last_offset) {
  if (h.producer_id == records::kNoProducerId) return;
  auto it = producers_.find(h.producer_id);
  if (it == producers_.end()) {
    if (producers_.size() >= kMaxProducersPerPartition) evict_oldest();
    it = producers_.emplace(h.producer_id, ProducerEntry{}).first;
  }
  ProducerEntry& e = it->second;
  if (h.producer_epoch != e.epoch) {
    e.batches.clear();
    e.epoch = h.producer_epoch;
  }
  e.batches.push_back(BatchMetadata{h.base_sequence, last_sequence_of(h), first_offset, last_offset,
                                    h.max_timestamp});
  while (e.batches.size() > kBatchesPerProducer) e.batches.pop_front();
  e.last_write_seq = ++write_seq_;
}

void ProducerStateTable::truncate_from(Offset offset) {
  for (auto it = producers_.begin(); it != producers_.end();) {
    auto& batches = it->second.batches;
    while (!batches.empty() && batches.back().last_offset >= offset) batches.pop_back();
    it = batches.empty() ? producers_.erase(it) : std::next(it);
  }
}

void ProducerStateTable::evict_oldest() {
  auto oldest = producers_.begin();
  for (auto it = producers_.begin(); it != producers_.end(); ++it) {
    if (it->second.last_write_seq < oldest->second.last_write_seq) oldest = it;
  }
  if (oldest != producers_.end()) producers_.erase(oldest);
}

}  // namespace eddy::broker
