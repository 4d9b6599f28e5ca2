#include "protocol/records/compression.h"

#include <gtest/gtest.h>
#include <lz4frame.h>
#include <zstd.h>

#include <string>

namespace eddy::records {
namespace {

Bytes sample(size_t n) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>("kafka-record-"[i % 13] + (i / 4096));
  return b;
}

const Compression kCodecs[] = {Compression::kGzip, Compression::kSnappy, Compression::kLz4,
                               Compression::kZstd};

class PerCodec : public ::testing::TestWithParam<Compression> {};

TEST_P(PerCodec, RoundTripsEmptySmallAndMultiBlockInputs) {
  for (size_t n : {size_t{0}, size_t{1}, size_t{1000}, size_t{300'000}}) {
    Bytes in = sample(n);
    auto packed = compress(GetParam(), in);
    ASSERT_TRUE(packed.is_ok());
    auto out = decompress(GetParam(), *packed, 1 << 20);
    ASSERT_TRUE(out.is_ok()) << n << ": " << out.status().to_string();
    EXPECT_EQ(*out, in) << n;
  }
}

TEST_P(PerCodec, OutputPastTheCapIsTooLarge) {
  Bytes in(200'000, 'z');
  auto packed = compress(GetParam(), in);
  ASSERT_TRUE(packed.is_ok());
  auto out = decompress(GetParam(), *packed, 199'999);
  ASSERT_FALSE(out.is_ok());
  EXPECT_EQ(out.status().code(), StatusCode::kTooLarge);
  EXPECT_TRUE(decompress(GetParam(), *packed, 200'000).is_ok());
}

TEST_P(PerCodec, EveryTruncationIsAnErrorNotACrash) {
  Bytes in = sample(5000);
  Bytes packed = std::move(compress(GetParam(), in)).value();
  for (size_t cut = 0; cut < packed.size(); ++cut) {
    auto out = decompress(GetParam(), ByteSpan(packed).first(cut), 1 << 20);
    if (out.is_ok()) {
      // A cut on a block boundary of a framing without an end marker can still decode; it must
      // then be a prefix of the input, never garbage.
      ASSERT_LE(out->size(), in.size());
      EXPECT_TRUE(std::equal(out->begin(), out->end(), in.begin())) << "cut " << cut;
    } else {
      EXPECT_NE(out.status().code(), StatusCode::kOk);
    }
  }
}

TEST_P(PerCodec, GarbageInputIsCorruption) {
  Bytes garbage = sample(64);
  auto out = decompress(GetParam(), garbage, 1 << 20);
  ASSERT_FALSE(out.is_ok());
  EXPECT_EQ(out.status().code(), StatusCode::kCorruption);
}

INSTANTIATE_TEST_SUITE_P(Codecs, PerCodec, ::testing::ValuesIn(kCodecs), [](const auto& info) {
  return std::string(compression_name(info.param));
});

TEST(Snappy, RawFramingAsLibrdkafkaWritesItDecodes) {
  Bytes in = sample(100'000);
  CompressOptions raw;
  raw.snappy_framing = SnappyFraming::kRaw;
  Bytes packed = std::move(compress(Compression::kSnappy, in, raw)).value();
  ASSERT_NE(packed[0], 0x82);
  auto out = decompress(Compression::kSnappy, packed, 1 << 20);
  ASSERT_TRUE(out.is_ok());
  EXPECT_EQ(*out, in);
}

TEST(Snappy, XerialFramingStartsWithTheJavaMagic) {
  Bytes packed = std::move(compress(Compression::kSnappy, sample(10))).value();
  const uint8_t magic[] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1};
  ASSERT_GE(packed.size(), sizeof(magic));
  EXPECT_TRUE(std::equal(std::begin(magic), std::end(magic), packed.begin()));
}

// CVE-2023-34455: a xerial chunk that declares a huge uncompressed size must fail before any
// allocation of that size.
TEST(Snappy, XerialChunkDeclaringAHugeSizeIsRejected) {
  Bytes bomb = std::move(compress(Compression::kSnappy, Bytes{})).value();
  const uint8_t chunk[] = {0, 0, 0, 6, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x00};
  bomb.insert(bomb.end(), std::begin(chunk), std::end(chunk));
  auto out = decompress(Compression::kSnappy, bomb, 1 << 20);
  ASSERT_FALSE(out.is_ok());
  EXPECT_EQ(out.status().code(), StatusCode::kTooLarge);
}

TEST(Snappy, XerialChunkLengthPastTheInputIsCorruption) {
  Bytes bad = std::move(compress(Compression::kSnappy, Bytes{})).value();
  const uint8_t chunk[] = {0x7F, 0xFF, 0xFF, 0xFF, 0x01, 0x00};
  bad.insert(bad.end(), std::begin(chunk), std::end(chunk));
  EXPECT_EQ(decompress(Compression::kSnappy, bad, 1 << 20).status().code(),
            StatusCode::kCorruption);
}

TEST(Snappy, ManySmallChunksAddUpAgainstTheCap) {
  Bytes in(40'000, 'q');
  Bytes packed = std::move(compress(Compression::kSnappy, in)).value();  // two 32 KiB chunks
  EXPECT_EQ(decompress(Compression::kSnappy, packed, 39'999).status().code(),
            StatusCode::kTooLarge);
}

TEST(Snappy, RawPreambleDeclaringAHugeSizeIsRejected) {
  const uint8_t bomb[] = {0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x00};
  EXPECT_EQ(decompress(Compression::kSnappy, bomb, 1 << 20).status().code(), StatusCode::kTooLarge);
}

TEST(Gzip, BombStopsAtTheCap) {
  Bytes zeros(64 << 20, 0);
  Bytes packed = std::move(compress(Compression::kGzip, zeros)).value();
  ASSERT_LT(packed.size(), 100'000u);
  auto out = decompress(Compression::kGzip, packed, 1 << 20);
  ASSERT_FALSE(out.is_ok());
  EXPECT_EQ(out.status().code(), StatusCode::kTooLarge);
}

TEST(Gzip, ConcatenatedMembersDecodeAsOneStream) {
  Bytes a = std::move(compress(Compression::kGzip, as_bytes("hello "))).value();
  Bytes b = std::move(compress(Compression::kGzip, as_bytes("world"))).value();
  a.insert(a.end(), b.begin(), b.end());
  auto out = decompress(Compression::kGzip, a, 1 << 20);
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  EXPECT_EQ(as_string_view(*out), "hello world");
}

TEST(Gzip, TrailingGarbageIsCorruption) {
  Bytes a = std::move(compress(Compression::kGzip, as_bytes("hello"))).value();
  a.push_back(0x42);
  a.push_back(0x42);
  EXPECT_EQ(decompress(Compression::kGzip, a, 1 << 20).status().code(), StatusCode::kCorruption);
}

TEST(Zstd, FrameDeclaringContentSizeOverTheCapIsRejectedUpFront) {
  Bytes packed = std::move(compress(Compression::kZstd, Bytes(300'000, 'a'))).value();
  EXPECT_EQ(decompress(Compression::kZstd, packed, 1000).status().code(), StatusCode::kTooLarge);
}

// Java's zstd-jni streams, so its frames carry no content size: the decoder must stream and stop at
// the cap rather than trust a size.
Bytes zstd_without_content_size(const Bytes& in) {
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 0);
  Bytes out(ZSTD_compressBound(in.size()));
  size_t n = ZSTD_compress2(cctx, out.data(), out.size(), in.data(), in.size());
  ZSTD_freeCCtx(cctx);
  out.resize(ZSTD_isError(n) ? 0 : n);
  return out;
}

TEST(Zstd, FrameWithoutContentSizeDecodes) {
  Bytes in = sample(300'000);
  Bytes packed = zstd_without_content_size(in);
  ASSERT_EQ(ZSTD_getFrameContentSize(packed.data(), packed.size()), ZSTD_CONTENTSIZE_UNKNOWN);
  auto out = decompress(Compression::kZstd, packed, 1 << 20);
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  EXPECT_EQ(*out, in);
}

TEST(Zstd, BombWithoutContentSizeStopsAtTheCap) {
  Bytes packed = zstd_without_content_size(Bytes(32 << 20, 0));
  ASSERT_LT(packed.size(), 10'000u);
  EXPECT_EQ(decompress(Compression::kZstd, packed, 1 << 20).status().code(), StatusCode::kTooLarge);
}

TEST(Lz4, FrameDeclaringContentSizeOverTheCapIsRejectedUpFront) {
  Bytes in(300'000, 'a');
  LZ4F_preferences_t prefs{};
  prefs.frameInfo.contentSize = in.size();
  Bytes packed(LZ4F_compressFrameBound(in.size(), &prefs));
  size_t n = LZ4F_compressFrame(packed.data(), packed.size(), in.data(), in.size(), &prefs);
  ASSERT_FALSE(LZ4F_isError(n));
  packed.resize(n);
  EXPECT_EQ(decompress(Compression::kLz4, packed, 1000).status().code(), StatusCode::kTooLarge);
  auto out = decompress(Compression::kLz4, packed, 1 << 20);
  ASSERT_TRUE(out.is_ok());
  EXPECT_EQ(*out, in);
}

TEST(Lz4, FrameHasIndependent64KiBBlocksAndNoContentSize) {
  Bytes packed = std::move(compress(Compression::kLz4, sample(1000))).value();
  ASSERT_GE(packed.size(), 7u);
  EXPECT_EQ(load_be32(packed.data()), 0x04224D18u);  // 0x184D2204 little-endian
  EXPECT_EQ(packed[4], 0x60);                        // version 1, block independence
  EXPECT_EQ(packed[5], 0x40);                        // 64 KiB maximum block size
}

}  // namespace
}  // namespace eddy::records
