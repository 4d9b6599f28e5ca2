#include "broker/replica/producer_state.h"

#include <algorithm>
#include <limits>
#include <vector>

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

// Body layout, big-endian: int32 producer count, then per producer (least recently written
// first) int64 producer id, int16 epoch, int32 batch count, then per batch (oldest first) int32
// first sequence, int32 last sequence, int64 first offset, int64 last offset, int64 timestamp.
namespace {
constexpr size_t kProducerBytes = 8 + 2 + 4;
constexpr size_t kBatchBytes = 4 + 4 + 8 + 8 + 8;
}  // namespace

Bytes ProducerStateTable::serialize() const {
  std::vector<std::pair<int64_t, const ProducerEntry*>> order;
  order.reserve(producers_.size());
  size_t size = 4;
  for (const auto& [pid, e] : producers_) {
    order.emplace_back(pid, &e);
    size += kProducerBytes + e.batches.size() * kBatchBytes;
  }
  std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
    return a.second->last_write_seq < b.second->last_write_seq;
  });
  Bytes out(size);
  uint8_t* p = out.data();
  store_be32(p, static_cast<uint32_t>(order.size()));
  p += 4;
  for (const auto& [pid, e] : order) {
    store_be64(p, static_cast<uint64_t>(pid));
    store_be16(p + 8, static_cast<uint16_t>(e->epoch));
    store_be32(p + 10, static_cast<uint32_t>(e->batches.size()));
    p += kProducerBytes;
    for (const BatchMetadata& b : e->batches) {
      store_be32(p, static_cast<uint32_t>(b.first_sequence));
      store_be32(p + 4, static_cast<uint32_t>(b.last_sequence));
      store_be64(p + 8, static_cast<uint64_t>(b.first_offset.value()));
      store_be64(p + 16, static_cast<uint64_t>(b.last_offset.value()));
      store_be64(p + 24, static_cast<uint64_t>(b.timestamp_ms));
      p += kBatchBytes;
    }
  }
  return out;
}

Status ProducerStateTable::parse(ByteSpan data, ProducerStateTable* out) {
  auto bad = [](const std::string& why) { return corruption("producer-state snapshot: " + why); };
  if (data.size() < 4) return bad("shorter than its producer count");
  const uint32_t count = load_be32(data.data());
  if (count > kMaxProducersPerPartition) return bad("more producers than a partition keeps");
  ProducerStateTable t;
  size_t pos = 4;
  for (uint32_t i = 0; i < count; ++i) {
    if (data.size() - pos < kProducerBytes) return bad("a producer entry is cut short");
    const uint8_t* p = data.data() + pos;
    const auto pid = load_be_i64(p);
    ProducerEntry e;
    e.epoch = load_be_i16(p + 8);
    const uint32_t batches = load_be32(p + 10);
    pos += kProducerBytes;
    if (pid < 0 || batches == 0 || batches > kBatchesPerProducer)
      return bad("a bad producer entry");
    if ((data.size() - pos) / kBatchBytes < batches) return bad("a batch entry is cut short");
    for (uint32_t j = 0; j < batches; ++j, pos += kBatchBytes) {
      const uint8_t* b = data.data() + pos;
      e.batches.push_back(BatchMetadata{load_be_i32(b), load_be_i32(b + 4),
                                        Offset(load_be_i64(b + 8)), Offset(load_be_i64(b + 16)),
                                        load_be_i64(b + 24)});
    }
    e.last_write_seq = ++t.write_seq_;
    if (!t.producers_.emplace(pid, std::move(e)).second) return bad("a producer appears twice");
  }
  if (pos != data.size()) return bad("bytes after the last producer");
  *out = std::move(t);
  return Status::ok();
}

}  // namespace eddy::broker
