// Feeds arbitrary bytes to the log cleaner as the batches of a segment (log/log_cleaner.h).
// Input layout: byte 0 picks the offset map's size (1 + byte0 % 64 keys at most, so that full
// maps are common), byte 1 the clock (whether delete horizons have passed), then the segment's
// bytes. The framed prefix (whole v2 batches with contiguous offsets from the first one's base)
// is what a sealed segment can hold; the cleaner's map is built from it as Cleaner::clean does,
// and every batch rewritten through SegmentRewriter.
// Invariants: the output is whole, CRC-valid batches whose offsets are contiguous and cover
// exactly the framed input's offsets; every record decodes; the record a key's map entry names
// (in a batch that was intact) is kept; the output is no bigger than the input plus one filler
// per input batch.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "log/log_cleaner.h"
#include "log/offset_map.h"
#include "protocol/records/batch_header.h"
#include "protocol/records/batch_reader.h"

namespace {

using namespace eddy;
using namespace eddy::log;

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "invariant failed: %s\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const size_t max_keys = 1 + data[0] % 64;
  const int64_t now_ms = data[1] % 2 == 0 ? 0 : INT64_MAX / 2;
  ByteSpan in(data + 2, size - 2);

  // The framed prefix, as a sealed segment's header walk accepts it.
  std::vector<ByteSpan> batches;
  size_t pos = 0;
  int64_t next = -1;
  while (pos + records::kBatchHeaderSize <= in.size()) {
    records::BatchHeader h = records::read_batch_header(in.data() + pos);
    if (h.magic != records::kMagicV2 ||
        h.batch_length < static_cast<int32_t>(records::kBatchHeaderSize - records::kLogOverhead) ||
        h.size_bytes() > in.size() - pos || h.last_offset_delta < 0 || h.base_offset < 0 ||
        h.base_offset > (INT64_MAX >> 2) || (next >= 0 && h.base_offset != next)) {
      break;
    }
    batches.push_back(in.subspan(pos, h.size_bytes()));
    next = h.next_offset();
    pos += h.size_bytes();
  }
  if (batches.empty()) return 0;
  const int64_t first = records::read_batch_header(batches.front().data()).base_offset;

  // The map, as the cleaner fills it: whole batches while they fit.
  OffsetMap map((max_keys + 1) * OffsetMap::kSlotBytes, 1.0);
  std::unordered_map<int64_t, int64_t> producer_last;
  std::map<int64_t, std::string> must_keep;  // offset -> key, for intact batches in the map
  for (ByteSpan b : batches) {
    records::BatchHeader h = records::read_batch_header(b.data());
    if (h.producer_id != records::kNoProducerId) producer_last[h.producer_id] = h.base_offset;
    if (h.is_control()) continue;
    auto d = decode_cleanable(b);
    if (!d.is_ok()) continue;
    if (!map.has_room_for(static_cast<size_t>(std::max(h.records_count, 0)))) break;
    for (const records::Record& r : d->records) {
      if (r.key) map.put(*r.key, r.offset);
    }
  }

  CleanStats stats;
  SegmentRewriter rw(map, {now_ms, 1000}, &stats);
  Bytes out;
  for (ByteSpan b : batches) {
    records::BatchHeader h = records::read_batch_header(b.data());
    auto pl = producer_last.find(h.producer_id);
    Status s = rw.add(b, pl != producer_last.end() && pl->second == h.base_offset, out);
    check(s.is_ok() || s.code() == StatusCode::kCorruption, "add fails only for corruption");
  }
  check(rw.finish(out).is_ok(), "finish");
  check(out.size() <= in.size() + batches.size() * records::kBatchHeaderSize, "output bounded");

  // The output: whole, valid batches covering exactly [first, next).
  size_t p = 0;
  int64_t expect = first;
  std::map<int64_t, std::string> kept;
  while (p < out.size()) {
    auto c = records::check_batch(ByteSpan(out.data() + p, out.size() - p), out.size());
    check(c.check == records::BatchCheck::kValid, "output batch valid");
    check(c.header.base_offset == expect, "output offsets contiguous");
    auto d = records::decode_batch(ByteSpan(out.data() + p, c.header.size_bytes()));
    check(d.is_ok(), "output records decode");
    for (const records::Record& r : d->records) {
      if (r.key) kept[r.offset] = std::string(r.key->begin(), r.key->end());
    }
    expect = c.header.next_offset();
    p += c.header.size_bytes();
  }
  check(expect == next, "output ends where the input did");
  // Every key's latest offset in the map is kept, unless it was a tombstone past its horizon or
  // its batch was transactional... (those are kept whole anyway).
  for (ByteSpan b : batches) {
    auto d = decode_cleanable(b);
    if (!d.is_ok()) continue;
    for (const records::Record& r : d->records) {
      if (!r.key || !r.value) continue;
      auto latest = map.get(*r.key);
      if (latest && *latest == r.offset) check(kept.count(r.offset) == 1, "latest value kept");
    }
  }
  return 0;
}
