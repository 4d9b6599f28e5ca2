#pragma once
// Helpers for the log tests: v2 record batches with valid CRCs (the log reads headers only, so the
// record bytes are filler of the requested size), temp directories, and file surgery.

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "../../testing/temp_dir.h"
#include "common/bytes.h"
#include "protocol/records/batch_header.h"

namespace eddy::log::testing {

struct BatchSpec {
  int32_t records = 1;
  size_t payload_bytes = 100;  // bytes after the 61-byte header
  int64_t base_timestamp = 1'700'000'000'000;
  int64_t max_timestamp = 1'700'000'000'000;
  int32_t leader_epoch = 0;
  int64_t base_offset = 0;
  uint8_t fill = 0xab;
};

inline Bytes make_batch(const BatchSpec& s) {
  Bytes b(records::kBatchHeaderSize + s.payload_bytes, s.fill);
  records::BatchHeader h;
  h.base_offset = s.base_offset;
  h.batch_length = static_cast<int32_t>(b.size() - records::kLogOverhead);
  h.partition_leader_epoch = s.leader_epoch;
  h.last_offset_delta = s.records - 1;
  h.base_timestamp = s.base_timestamp;
  h.max_timestamp = s.max_timestamp;
  h.records_count = s.records;
  records::write_batch_header(h, b.data());
  records::BatchHeader with_crc = h;
  with_crc.crc = records::compute_batch_crc(b);
  records::write_batch_header(with_crc, b.data());
  return b;
}

inline Bytes make_batch(int32_t records, size_t payload_bytes = 100,
                        int64_t max_ts = 1'700'000'000'000) {
  BatchSpec s;
  s.records = records;
  s.payload_bytes = payload_bytes;
  s.max_timestamp = max_ts;
  s.base_timestamp = max_ts;
  return make_batch(s);
}

inline std::vector<records::BatchHeader> parse_batches(const Bytes& data) {
  std::vector<records::BatchHeader> out;
  size_t pos = 0;
  while (pos + records::kBatchHeaderSize <= data.size()) {
    auto h = records::read_batch_header(data.data() + pos);
    out.push_back(h);
    pos += h.size_bytes();
  }
  return out;
}

using eddy::testing::TempDir;

inline std::string segment_path(const std::string& dir, int64_t base, const char* suffix) {
  char name[32];
  std::snprintf(name, sizeof(name), "%020lld", static_cast<long long>(base));
  return dir + "/" + name + suffix;
}

inline uint64_t file_size(const std::string& path) {
  return static_cast<uint64_t>(std::filesystem::file_size(path));
}

inline void truncate_file(const std::string& path, uint64_t size) {
  std::filesystem::resize_file(path, size);
}

inline Bytes read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

inline void write_file(const std::string& path, const Bytes& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

inline void append_to_file(const std::string& path, const Bytes& data) {
  std::ofstream out(path, std::ios::binary | std::ios::app);
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

}  // namespace eddy::log::testing
