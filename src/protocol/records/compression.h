#pragma once
// Compression of the records section of a v2 batch (everything after the 61-byte header), in the
// framings Kafka clients write:
//   gzip    an RFC 1952 gzip stream (Java's GZIPOutputStream, librdkafka's zlib with windowBits
//           15+16). The decoder also takes a zlib stream and concatenated gzip members.
//   snappy  two framings. The Java client (xerial SnappyOutputStream) writes the 16-byte header
//           "\x82SNAPPY\0", int32 version, int32 compatible version, then blocks of int32
//           big-endian compressed length + raw snappy. librdkafka writes one raw snappy buffer.
//           The decoder tells them apart by the magic, as librdkafka does; the encoder writes
//           xerial by default because every client reads it.
//   lz4     the LZ4 frame format with independent 64 KiB blocks and no content size, which is what
//           Java's KafkaLZ4BlockOutputStream writes (its reader rejects dependent blocks).
//   zstd    one or more zstd frames.
//
// Decompression is bounded by `max_bytes`: a declared size over the cap (snappy's preamble and
// every xerial chunk, a zstd or lz4 frame content size) fails before anything is allocated, and a
// stream that keeps producing output (a gzip bomb, a zstd frame without a content size) fails as
// soon as it passes the cap. Memory used is at most the cap plus a small constant.

#include <cstddef>

#include "common/bytes.h"
#include "common/status.h"
#include "protocol/records/batch_header.h"

namespace eddy::records {

// Default bound on a batch's decompressed records section.
inline constexpr size_t kDefaultMaxDecompressedBytes = size_t{64} << 20;

enum class SnappyFraming { kXerial, kRaw };

struct CompressOptions {
  // Codec level; 0 means the codec's default (gzip 6, lz4 fast, zstd 3), Kafka's defaults.
  int level = 0;
  SnappyFraming snappy_framing = SnappyFraming::kXerial;
};

// "none", "gzip", "snappy", "lz4", "zstd"; "unknown" for the reserved values 5-7.
const char* compression_name(Compression codec);
// True for the five codecs Kafka defines (attribute values 0-4).
bool is_known_compression(int attribute_codec);

// Compresses `input` with `codec` (kNone copies). Fails only when the codec library does.
Result<Bytes> compress(Compression codec, ByteSpan input, const CompressOptions& options = {});

// Decompresses `input`. Errors: kTooLarge when the output would pass `max_bytes`, kCorruption when
// the input is malformed or truncated, kUnsupported for an unknown codec.
Result<Bytes> decompress(Compression codec, ByteSpan input, size_t max_bytes);

}  // namespace eddy::records
