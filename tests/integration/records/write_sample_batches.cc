// Writes one record batch per codec and framing, built by BatchBuilder, into a directory:
// none.bin, gzip.bin, snappy-xerial.bin, snappy-raw.bin, lz4.bin, zstd.bin. The records are the
// ones tests/data/records/capture.py sends, so one expectation serves both directions.
//
//   write_sample_batches OUTDIR

#include <cstdio>
#include <string>

#include "protocol/records/batch_builder.h"

namespace {

using eddy::as_bytes;
using eddy::Bytes;
using namespace eddy::records;

constexpr int64_t kBaseTimestamp = 1'700'000'000'000;

Bytes sample_batch(Compression codec, SnappyFraming framing) {
  BatchOptions options;
  options.compression = codec;
  options.compress_options.snappy_framing = framing;
  BatchBuilder b(options);
  std::string lorem;
  for (int i = 0; i < 80; ++i) lorem += "lorem ipsum dolor sit amet ";
  RecordHeader headers[] = {{"h1", as_bytes("hv")}, {"h2", std::nullopt}};
  b.append(kBaseTimestamp, as_bytes("key-0"), as_bytes("value-0"), headers);
  b.append(kBaseTimestamp + 1, std::nullopt, as_bytes("value-1"));
  b.append(kBaseTimestamp + 2, as_bytes("key-2"), std::nullopt);
  b.append(kBaseTimestamp + 3, as_bytes("key-3"), as_bytes(""));
  b.append(kBaseTimestamp + 4, as_bytes("key-4"), as_bytes(lorem));
  return std::move(b.build()).value();
}

bool write_file(const std::string& path, const Bytes& data) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return false;
  bool ok = std::fwrite(data.data(), 1, data.size(), f) == data.size();
  return std::fclose(f) == 0 && ok;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUTDIR\n", argv[0]);
    return 2;
  }
  struct Sample {
    const char* name;
    Compression codec;
    SnappyFraming framing;
  };
  const Sample samples[] = {
      {"none", Compression::kNone, SnappyFraming::kXerial},
      {"gzip", Compression::kGzip, SnappyFraming::kXerial},
      {"snappy-xerial", Compression::kSnappy, SnappyFraming::kXerial},
      {"snappy-raw", Compression::kSnappy, SnappyFraming::kRaw},
      {"lz4", Compression::kLz4, SnappyFraming::kXerial},
      {"zstd", Compression::kZstd, SnappyFraming::kXerial},
  };
  for (const Sample& s : samples) {
    std::string path = std::string(argv[1]) + "/" + s.name + ".bin";
    if (!write_file(path, sample_batch(s.codec, s.framing))) {
      std::fprintf(stderr, "cannot write %s\n", path.c_str());
      return 1;
    }
  }
  return 0;
}
