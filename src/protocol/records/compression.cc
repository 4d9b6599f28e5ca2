#include "protocol/records/compression.h"

#include <lz4frame.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <string>

namespace eddy::records {
namespace {

// Batches are int32-sized, so no records section can legitimately decompress past this; it also
// keeps cap + 1 from overflowing.
constexpr size_t kHardMaxBytes = size_t{1} << 31;
constexpr size_t kMinGrowBytes = size_t{64} << 10;

constexpr uint8_t kXerialMagic[8] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};
constexpr size_t kXerialHeaderSize = 16;  // magic, int32 version, int32 compatible version
constexpr int32_t kXerialVersion = 1;
// xerial's SnappyOutputStream default block size; chunk boundaries carry no meaning to readers.
constexpr size_t kXerialBlockSize = size_t{32} << 10;

constexpr int kGzipDefaultLevel = 6;
constexpr int kZstdDefaultLevel = 3;
// zstd window buffers come from the frame header, so they are bounded too: at most the larger of
// the cap and 8 MiB (what zstd levels up to 9 use when streaming), never zstd's 128 MiB limit.
constexpr int kZstdMinWindowLog = 23;
constexpr int kZstdMaxWindowLog = 27;

// Output buffer that never holds more than cap + 1 bytes: reaching cap + 1 proves the stream is
// over the cap without decoding any further.
class BoundedBuffer {
 public:
  BoundedBuffer(size_t cap, size_t initial) : cap_(cap) {
    buf_.resize(std::min(std::max<size_t>(initial, 1), cap_ + 1));
  }
  uint8_t* tail() { return buf_.data() + used_; }
  size_t free_bytes() const { return buf_.size() - used_; }
  void commit(size_t n) { used_ += n; }
  bool over_cap() const { return used_ > cap_; }
  // Makes room for more output; false once cap + 1 bytes are already there.
  bool grow() {
    if (buf_.size() > cap_) return false;
    buf_.resize(std::min(std::max(buf_.size() * 2, kMinGrowBytes), cap_ + 1));
    return true;
  }
  // Ensures free space, or reports that the output passed the cap.
  Status reserve_some() {
    if (free_bytes() == 0 && !grow()) return over_cap_status();
    return Status::ok();
  }
  Status over_cap_status() const {
    return too_large("decompressed records exceed the " + std::to_string(cap_) + " byte cap");
  }
  Result<Bytes> finish() {
    if (over_cap()) return over_cap_status();
    buf_.resize(used_);
    return std::move(buf_);
  }

 private:
  size_t cap_;
  size_t used_ = 0;
  Bytes buf_;
};

Status declared_too_large(size_t declared, size_t cap) {
  return too_large("declared decompressed size " + std::to_string(declared) + " exceeds the " +
                   std::to_string(cap) + " byte cap");
}

size_t initial_guess(ByteSpan in) { return std::max(in.size() * 4, kMinGrowBytes); }

// ---- gzip ----

Result<Bytes> gzip_compress(ByteSpan in, int level) {
  z_stream zs{};
  if (deflateInit2(&zs, level == 0 ? kGzipDefaultLevel : level, Z_DEFLATED, 15 + 16, 8,
                   Z_DEFAULT_STRATEGY) != Z_OK) {
    return internal_error("deflateInit2 failed");
  }
  Bytes out(deflateBound(&zs, static_cast<uLong>(in.size())));
  zs.next_in = const_cast<Bytef*>(in.data());
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&zs, Z_FINISH);
  size_t produced = zs.total_out;
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) return internal_error("gzip compression failed");
  out.resize(produced);
  return out;
}

Result<Bytes> gzip_decompress(ByteSpan in, size_t cap) {
  if (in.size() > UINT_MAX) return corruption("gzip input too large");
  z_stream zs{};
  // 15 + 32: accept a gzip or a zlib header, as librdkafka does.
  if (inflateInit2(&zs, 15 + 32) != Z_OK) return internal_error("inflateInit2 failed");
  struct Guard {
    z_stream* z;
    ~Guard() { inflateEnd(z); }
  } guard{&zs};
  BoundedBuffer out(cap, initial_guess(in));
  zs.next_in = const_cast<Bytef*>(in.data());
  zs.avail_in = static_cast<uInt>(in.size());
  for (;;) {
    EDDY_RETURN_IF_ERROR(out.reserve_some());
    size_t room = std::min<size_t>(out.free_bytes(), UINT_MAX);
    zs.next_out = out.tail();
    zs.avail_out = static_cast<uInt>(room);
    uInt in_before = zs.avail_in;
    int rc = inflate(&zs, Z_NO_FLUSH);
    size_t produced = room - zs.avail_out;
    out.commit(produced);
    if (rc == Z_STREAM_END) {
      if (zs.avail_in == 0) break;
      // Concatenated gzip members decode as one stream, like Java's GZIPInputStream.
      if (zs.avail_in < 2 || zs.next_in[0] != 0x1f || zs.next_in[1] != 0x8b) {
        return corruption("trailing bytes after the gzip stream");
      }
      if (inflateReset(&zs) != Z_OK) return internal_error("inflateReset failed");
      continue;
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      return corruption(std::string("gzip: ") + (zs.msg != nullptr ? zs.msg : "invalid stream"));
    }
    if (zs.avail_out != 0 && (zs.avail_in == 0 || (produced == 0 && zs.avail_in == in_before))) {
      return corruption("gzip stream is truncated");
    }
  }
  return out.finish();
}

// ---- snappy ----

Result<Bytes> snappy_compress(ByteSpan in, SnappyFraming framing) {
  const char* src = reinterpret_cast<const char*>(in.data());
  if (framing == SnappyFraming::kRaw) {
    Bytes out(snappy::MaxCompressedLength(in.size()));
    size_t n = 0;
    snappy::RawCompress(src, in.size(), reinterpret_cast<char*>(out.data()), &n);
    out.resize(n);
    return out;
  }
  Bytes out;
  out.reserve(kXerialHeaderSize + snappy::MaxCompressedLength(in.size()) +
              4 * (in.size() / kXerialBlockSize + 1));
  out.insert(out.end(), std::begin(kXerialMagic), std::end(kXerialMagic));
  append_be32(out, kXerialVersion);
  append_be32(out, kXerialVersion);
  for (size_t pos = 0; pos < in.size(); pos += kXerialBlockSize) {
    size_t len = std::min(kXerialBlockSize, in.size() - pos);
    size_t at = out.size();
    out.resize(at + 4 + snappy::MaxCompressedLength(len));
    size_t n = 0;
    snappy::RawCompress(src + pos, len, reinterpret_cast<char*>(out.data() + at + 4), &n);
    store_be32(out.data() + at, static_cast<uint32_t>(n));
    out.resize(at + 4 + n);
  }
  return out;
}

// Uncompressed length from a raw snappy buffer's preamble, checked against what remains of the cap.
Result<size_t> snappy_declared_length(const uint8_t* p, size_t n, size_t cap_left) {
  size_t len = 0;
  if (!snappy::GetUncompressedLength(reinterpret_cast<const char*>(p), n, &len)) {
    return corruption("snappy: invalid length preamble");
  }
  if (len > cap_left) return declared_too_large(len, cap_left);
  return len;
}

Status snappy_raw_into(const uint8_t* p, size_t n, uint8_t* out) {
  if (!snappy::RawUncompress(reinterpret_cast<const char*>(p), n, reinterpret_cast<char*>(out))) {
    return corruption("snappy: invalid compressed data");
  }
  return Status::ok();
}

Result<Bytes> snappy_decompress(ByteSpan in, size_t cap) {
  bool xerial = in.size() >= sizeof(kXerialMagic) &&
                std::memcmp(in.data(), kXerialMagic, sizeof(kXerialMagic)) == 0;
  if (!xerial) {
    EDDY_ASSIGN_OR_RETURN(size_t len, snappy_declared_length(in.data(), in.size(), cap));
    Bytes out(len);
    EDDY_RETURN_IF_ERROR(snappy_raw_into(in.data(), in.size(), out.data()));
    return out;
  }
  if (in.size() < kXerialHeaderSize) return corruption("snappy: truncated xerial header");
  // First pass: every chunk length against the bytes left, and the sum of the declared sizes
  // against the cap, so a hostile chunk (CVE-2023-34455) allocates nothing.
  size_t total = 0;
  for (size_t pos = kXerialHeaderSize; pos < in.size();) {
    if (in.size() - pos < 4) return corruption("snappy: truncated xerial chunk length");
    int32_t chunk = load_be_i32(in.data() + pos);
    pos += 4;
    if (chunk < 0 || static_cast<size_t>(chunk) > in.size() - pos) {
      return corruption("snappy: xerial chunk length " + std::to_string(chunk) +
                        " exceeds the bytes left");
    }
    EDDY_ASSIGN_OR_RETURN(
        size_t len,
        snappy_declared_length(in.data() + pos, static_cast<size_t>(chunk), cap - total));
    total += len;
    pos += static_cast<size_t>(chunk);
  }
  Bytes out(total);
  size_t written = 0;
  for (size_t pos = kXerialHeaderSize; pos < in.size();) {
    size_t chunk = static_cast<size_t>(load_be_i32(in.data() + pos));
    pos += 4;
    size_t len = 0;
    snappy::GetUncompressedLength(reinterpret_cast<const char*>(in.data() + pos), chunk, &len);
    EDDY_RETURN_IF_ERROR(snappy_raw_into(in.data() + pos, chunk, out.data() + written));
    written += len;
    pos += chunk;
  }
  return out;
}

// ---- lz4 ----

Result<Bytes> lz4_compress(ByteSpan in, int level) {
  LZ4F_preferences_t prefs;
  std::memset(&prefs, 0, sizeof(prefs));
  prefs.frameInfo.blockSizeID = LZ4F_max64KB;
  prefs.frameInfo.blockMode = LZ4F_blockIndependent;
  prefs.frameInfo.contentChecksumFlag = LZ4F_noContentChecksum;
  prefs.frameInfo.blockChecksumFlag = LZ4F_noBlockChecksum;
  prefs.frameInfo.contentSize = 0;
  prefs.compressionLevel = level;
  Bytes out(LZ4F_compressFrameBound(in.size(), &prefs));
  size_t n = LZ4F_compressFrame(out.data(), out.size(), in.data(), in.size(), &prefs);
  if (LZ4F_isError(n)) return internal_error(std::string("lz4: ") + LZ4F_getErrorName(n));
  out.resize(n);
  return out;
}

Result<Bytes> lz4_decompress(ByteSpan in, size_t cap) {
  LZ4F_dctx* ctx = nullptr;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&ctx, LZ4F_VERSION))) {
    return internal_error("lz4: cannot create a decompression context");
  }
  struct Guard {
    LZ4F_dctx* c;
    ~Guard() { LZ4F_freeDecompressionContext(c); }
  } guard{ctx};
  LZ4F_frameInfo_t info;
  std::memset(&info, 0, sizeof(info));
  size_t pos = in.size();
  size_t rc = LZ4F_getFrameInfo(ctx, &info, in.data(), &pos);
  if (LZ4F_isError(rc)) return corruption(std::string("lz4: ") + LZ4F_getErrorName(rc));
  if (info.contentSize > cap) return declared_too_large(info.contentSize, cap);
  BoundedBuffer out(cap, info.contentSize != 0 ? info.contentSize : initial_guess(in));
  while (pos < in.size() || rc != 0) {
    EDDY_RETURN_IF_ERROR(out.reserve_some());
    size_t dst = out.free_bytes();
    size_t src = in.size() - pos;
    rc = LZ4F_decompress(ctx, out.tail(), &dst, in.data() + pos, &src, nullptr);
    if (LZ4F_isError(rc)) return corruption(std::string("lz4: ") + LZ4F_getErrorName(rc));
    pos += src;
    out.commit(dst);
    if (rc != 0 && src == 0 && dst == 0) return corruption("lz4 frame is truncated");
  }
  return out.finish();
}

// ---- zstd ----

Result<Bytes> zstd_compress(ByteSpan in, int level) {
  Bytes out(ZSTD_compressBound(in.size()));
  size_t n = ZSTD_compress(out.data(), out.size(), in.data(), in.size(),
                           level == 0 ? kZstdDefaultLevel : level);
  if (ZSTD_isError(n)) return internal_error(std::string("zstd: ") + ZSTD_getErrorName(n));
  out.resize(n);
  return out;
}

int zstd_window_log_max(size_t cap) {
  int log = kZstdMinWindowLog;
  while (log < kZstdMaxWindowLog && (size_t{1} << log) < cap) ++log;
  return log;
}

Result<Bytes> zstd_decompress(ByteSpan in, size_t cap) {
  unsigned long long declared = ZSTD_getFrameContentSize(in.data(), in.size());
  if (declared == ZSTD_CONTENTSIZE_ERROR) return corruption("zstd: not a zstd frame");
  bool known = declared != ZSTD_CONTENTSIZE_UNKNOWN;
  if (known && declared > cap) return declared_too_large(declared, cap);
  ZSTD_DCtx* dctx = ZSTD_createDCtx();
  if (dctx == nullptr) return internal_error("zstd: cannot create a decompression context");
  struct Guard {
    ZSTD_DCtx* d;
    ~Guard() { ZSTD_freeDCtx(d); }
  } guard{dctx};
  ZSTD_DCtx_setParameter(dctx, ZSTD_d_windowLogMax, zstd_window_log_max(cap));
  // Unknown content size (a streaming writer): decode in bounded steps and stop at the cap.
  BoundedBuffer out(cap, known ? static_cast<size_t>(declared) : initial_guess(in));
  ZSTD_inBuffer input{in.data(), in.size(), 0};
  for (;;) {
    EDDY_RETURN_IF_ERROR(out.reserve_some());
    ZSTD_outBuffer output{out.tail(), out.free_bytes(), 0};
    size_t in_before = input.pos;
    size_t rc = ZSTD_decompressStream(dctx, &output, &input);
    if (ZSTD_isError(rc)) return corruption(std::string("zstd: ") + ZSTD_getErrorName(rc));
    out.commit(output.pos);
    if (rc == 0 && input.pos == input.size) break;
    bool starved = input.pos == input.size && output.pos < output.size;
    bool stuck = input.pos == in_before && output.pos == 0;
    if (starved || stuck) return corruption("zstd frame is truncated");
  }
  return out.finish();
}

}  // namespace

const char* compression_name(Compression codec) {
  switch (codec) {
    case Compression::kNone:
      return "none";
    case Compression::kGzip:
      return "gzip";
    case Compression::kSnappy:
      return "snappy";
    case Compression::kLz4:
      return "lz4";
    case Compression::kZstd:
      return "zstd";
  }
  return "unknown";
}

bool is_known_compression(int attribute_codec) {
  return attribute_codec >= 0 && attribute_codec <= 4;
}

Result<Bytes> compress(Compression codec, ByteSpan input, const CompressOptions& options) {
  if (input.size() > kHardMaxBytes) return too_large("records section too large to compress");
  switch (codec) {
    case Compression::kNone:
      return Bytes(input.begin(), input.end());
    case Compression::kGzip:
      return gzip_compress(input, options.level);
    case Compression::kSnappy:
      return snappy_compress(input, options.snappy_framing);
    case Compression::kLz4:
      return lz4_compress(input, options.level);
    case Compression::kZstd:
      return zstd_compress(input, options.level);
  }
  return unsupported("unknown compression codec " + std::to_string(static_cast<int>(codec)));
}

Result<Bytes> decompress(Compression codec, ByteSpan input, size_t max_bytes) {
  size_t cap = std::min(max_bytes, kHardMaxBytes);
  switch (codec) {
    case Compression::kNone:
      if (input.size() > cap) return declared_too_large(input.size(), cap);
      return Bytes(input.begin(), input.end());
    case Compression::kGzip:
      return gzip_decompress(input, cap);
    case Compression::kSnappy:
      return snappy_decompress(input, cap);
    case Compression::kLz4:
      return lz4_decompress(input, cap);
    case Compression::kZstd:
      return zstd_decompress(input, cap);
  }
  return unsupported("unknown compression codec " + std::to_string(static_cast<int>(codec)));
}

}  // namespace eddy::records
