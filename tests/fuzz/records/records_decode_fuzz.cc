// Feeds arbitrary bytes to every decoding path of a record batch: the five decompressors directly,
// BatchReader (CRC not checked, so mutations reach the codecs and the record decoder) over every
// record, and BatchIterator. Byte 0 picks the codec for the direct decompression; the rest is the
// batch. Any crash, sanitizer report or allocation past libFuzzer's limit is a bug.

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "protocol/records/batch_reader.h"
#include "protocol/records/compression.h"

namespace {

// Small, so a bomb is caught quickly and memory stays far below -rss_limit_mb.
constexpr size_t kCap = size_t{1} << 20;
constexpr size_t kMaxRecordsVisited = 100'000;

size_t touch(const std::optional<eddy::ByteSpan>& b) {
  size_t sum = 0;
  if (b && !b->empty()) sum += (*b)[0] + (*b)[b->size() - 1];
  return sum;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  using namespace eddy;
  using namespace eddy::records;
  auto codec = static_cast<Compression>(data[0] % 5);
  ByteSpan batch(data + 1, size - 1);

  auto raw = decompress(codec, batch, kCap);
  if (raw.is_ok() && raw->size() > kCap) __builtin_trap();

  CompressOptions framing;
  framing.snappy_framing = (data[0] & 0x80) != 0 ? SnappyFraming::kRaw : SnappyFraming::kXerial;
  auto packed = compress(codec, batch, framing);
  if (!packed.is_ok()) __builtin_trap();
  auto unpacked = decompress(codec, *packed, kCap);
  if (!unpacked.is_ok() ||
      !std::equal(unpacked->begin(), unpacked->end(), batch.begin(), batch.end())) {
    __builtin_trap();
  }

  ReadOptions options;
  options.max_decompressed_bytes = kCap;
  options.verify_crc = false;
  auto reader = BatchReader::open(batch, options);
  if (reader.is_ok()) {
    Record r;
    size_t sink = 0;
    for (size_t i = 0; i < kMaxRecordsVisited; ++i) {
      auto more = reader->next(r);
      if (!more.is_ok() || !*more) break;
      sink += touch(r.key) + touch(r.value);
      for (const RecordHeader& h : r.headers) sink += h.key.size() + touch(h.value);
    }
    if (sink == 1) return 0;  // keeps the reads from being optimized away
  }

  BatchIterator it(batch, kCap);
  ByteSpan one;
  for (size_t i = 0; i < kMaxRecordsVisited; ++i) {
    auto more = it.next(one);
    if (!more.is_ok() || !*more) break;
  }
  return 0;
}
