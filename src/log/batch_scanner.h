#pragma once
// Walks the record batches of a segment file from a position, reading through a window buffer so
// that many small batches cost one pread per window. Two depths of checking:
//   next()        the header only: magic 2, a batch_length that fits the header and the file,
//                 a non-negative last offset delta. What reads use: cheap, catches a wrong index
//                 position or a torn tail, does not read the records.
//   next_full()   the whole batch through records::check_batch: the above plus the CRC-32C and
//                 the count. What recovery uses.
// Neither trusts a length before checking it against the bytes the file still has. After a batch
// of kLargeBatchBytes or more, next() reads just the following header rather than a window: a
// fetch over big batches then costs one small pread per batch instead of copying their records
// into memory that sendfile never needed.

#include <cstdint>
#include <string>

#include "common/bytes.h"
#include "common/status.h"
#include "log/file.h"
#include "protocol/records/batch_header.h"

namespace eddy::log {

enum class ScanStep {
  kBatch,    // a batch starts at position(); header() describes it
  kEnd,      // position() == end: nothing more
  kTorn,     // fewer bytes than the batch needs before end: the writer died mid-batch
  kCorrupt,  // bytes that are not a (valid) batch; why() says what
};

class BatchScanner {
 public:
  BatchScanner(const File& file, uint64_t position, uint64_t end, size_t window_bytes,
               uint64_t max_batch_bytes);

  Result<ScanStep> next();
  Result<ScanStep> next_full();
  // Moves past the batch next() or next_full() found.
  void advance() { position_ += header_.size_bytes(); }

  uint64_t position() const { return position_; }
  const records::BatchHeader& header() const { return header_; }
  const std::string& why() const { return why_; }
  // Bytes read from the file so far (what a scrubber's I/O budget is charged).
  uint64_t bytes_read() const { return bytes_read_; }

 private:
  Result<ScanStep> next_header(bool whole_batches);
  // Makes [position_, position_ + n) available in the buffer; false when the file ends first.
  Result<bool> fill(uint64_t n);
  const uint8_t* at_position() const { return buf_.data() + (position_ - buf_start_); }

  const File& file_;
  uint64_t position_;
  const uint64_t end_;
  const size_t window_bytes_;
  const uint64_t max_batch_bytes_;
  Bytes buf_;
  uint64_t buf_start_ = 0;
  records::BatchHeader header_;
  std::string why_;
  bool large_batches_ = false;
  uint64_t bytes_read_ = 0;
};

}  // namespace eddy::log
