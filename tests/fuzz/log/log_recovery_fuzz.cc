// Feeds arbitrary bytes to partition-log recovery as the segment file 00000000000000000000.log.
// Input layout: byte 0 flags (bit 0: also write a clean-shutdown marker and checkpoint, so the
// clean open path meets the damage first; bit 1: the next 2 bytes are a length L and the L bytes
// after them become the .index file), then the .log bytes.
// Invariants: open() succeeds; what it keeps is whole batches with contiguous offsets from 0 that
// end exactly at the log end offset, CRC-valid after an unclean stop (a clean open trusts sealed
// bytes and checks headers only, see docs/storage.md); a second open finds the same log.

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "log/file.h"
#include "log/log_format.h"
#include "log/partition_log.h"
#include "protocol/records/batch_header.h"

namespace {

using namespace eddy;
using namespace eddy::log;

const std::string& fuzz_dir() {
  static const std::string dir = [] {
    // tmpfs when there is one: recovery fsyncs, and a disk would make each run slow.
    std::string base = std::filesystem::exists("/dev/shm") ? "/dev/shm" : "/tmp";
    return base + "/eddy-log-fuzz-" + std::to_string(::getpid()) + "/topic-0";
  }();
  return dir;
}

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "invariant failed: %s\n", what);
    std::abort();
  }
}

void write_bytes(const std::string& path, const uint8_t* data, size_t n) {
  FILE* f = std::fopen(path.c_str(), "wb");
  check(f != nullptr, "create input file");
  if (n > 0) check(std::fwrite(data, 1, n, f) == n, "write input file");
  std::fclose(f);
}

// Reads the whole log through read() and checks every batch; returns the number of batches.
int64_t verify(const PartitionLog& log, bool crc_checked) {
  int64_t next = 0, batches = 0;
  // Bounded: every read either returns at least one batch or ends the walk.
  while (next < log.log_end_offset().value()) {
    auto r = log.read(Offset(next), 1 << 20, log.log_end_offset());
    check(r.is_ok(), "read of a recovered offset");
    check(!r->records.empty(), "a recovered offset below the end is readable");
    auto bytes = r->records.read_all();
    check(bytes.is_ok(), "slice readable");
    size_t pos = 0;
    while (pos < bytes->size()) {
      auto c = records::check_batch(ByteSpan(*bytes).subspan(pos), 64 << 20);
      if (crc_checked) check(c.check == records::BatchCheck::kValid, "recovered batch is valid");
      check(c.check != records::BatchCheck::kIncomplete, "recovered batch is whole");
      c.header = records::read_batch_header(bytes->data() + pos);
      check(c.header.base_offset == next, "recovered offsets are contiguous");
      next = c.header.next_offset();
      pos += c.header.size_bytes();
      ++batches;
    }
  }
  check(next == log.log_end_offset().value(), "batches end at the log end offset");
  return batches;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const std::string& dir = fuzz_dir();
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  uint8_t flags = data[0];
  data += 1;
  size -= 1;
  std::string prefix = dir + "/00000000000000000000";
  if ((flags & 2) != 0 && size >= 2) {
    size_t len = std::min<size_t>(size - 2, (size_t{data[0]} << 8) | data[1]);
    write_bytes(prefix + kIndexSuffix, data + 2, len);
    data += 2 + len;
    size -= 2 + len;
  }
  write_bytes(prefix + kLogSuffix, data, size);
  if ((flags & 1) != 0) {
    std::string cp = "0\n2\nlog_start_offset 0\nrecovery_point 0\n";
    write_bytes(dir + "/" + kCheckpointFile, reinterpret_cast<const uint8_t*>(cp.data()),
                cp.size());
    write_bytes(dir + "/" + kCleanShutdownFile, nullptr, 0);
  }

  PartitionLogOptions o;
  o.dir = dir;
  o.config.index_interval_bytes = static_cast<int64_t>(flags >> 2) * 16;
  RecoveryReport report;
  int64_t leo, batches;
  bool first_clean;
  {
    auto log = PartitionLog::open(o, &report);
    check(log.is_ok(), "open recovers any file");
    first_clean = report.clean_shutdown;
    batches = verify(**log, !first_clean);
    leo = (*log)->log_end_offset().value();
    check(report.truncated || first_clean || batches == report.batches_recovered,
          "an untruncated scan kept every batch");
    check((*log)->close().is_ok(), "clean close");
  }
  {
    // After a clean close: the same log, found without a scan.
    auto log = PartitionLog::open(o, &report);
    check(log.is_ok(), "second open");
    check(report.clean_shutdown && !report.truncated, "second open is clean");
    check((*log)->log_end_offset().value() == leo, "second open finds the same end");
    check(verify(**log, false) == batches, "second open finds the same batches");
  }  // dropped without close(): the next open is unclean
  auto log = PartitionLog::open(o, &report);
  check(log.is_ok(), "third open");
  check(!report.clean_shutdown, "third open is unclean");
  int64_t kept = verify(**log, true);
  if (!first_clean) {
    // The first scan already cut everything bad.
    check(!report.truncated && (*log)->log_end_offset().value() == leo && kept == batches,
          "a second scan cuts nothing more");
  } else {
    // A clean open trusts sealed bytes the scan may still cut; it never adds any.
    check((*log)->log_end_offset().value() <= leo, "a scan never extends the log");
  }
  return 0;
}
