#include "log/batch_scanner.h"

#include <algorithm>

#include "log/log_format.h"

namespace eddy::log {

using records::kBatchHeaderSize;
using records::kLogOverhead;

BatchScanner::BatchScanner(const File& file, uint64_t position, uint64_t end, size_t window_bytes,
                           uint64_t max_batch_bytes)
    : file_(file),
      position_(position),
      end_(end),
      window_bytes_(std::max<size_t>(window_bytes, kBatchHeaderSize)),
      max_batch_bytes_(max_batch_bytes) {}

Result<bool> BatchScanner::fill(uint64_t n) {
  if (position_ + n > end_) return false;
  if (position_ >= buf_start_ && position_ + n <= buf_start_ + buf_.size()) return true;
  // n is bounded by max_batch_bytes_ (checked by callers) and by end_ - position_.
  uint64_t window = large_batches_ ? n : std::max<uint64_t>(n, window_bytes_);
  uint64_t want = std::min<uint64_t>(window, end_ - position_);
  buf_.resize(want);
  buf_start_ = position_;
  EDDY_ASSIGN_OR_RETURN(size_t got, file_.read_some_at(position_, MutableByteSpan(buf_)));
  buf_.resize(got);
  bytes_read_ += got;
  return got >= n;
}

Result<ScanStep> BatchScanner::next() { return next_header(/*whole_batches=*/false); }

Result<ScanStep> BatchScanner::next_header(bool whole_batches) {
  if (position_ >= end_) return ScanStep::kEnd;
  EDDY_ASSIGN_OR_RETURN(bool have, fill(kBatchHeaderSize));
  if (!have) {
    why_ = "partial batch header at position " + std::to_string(position_);
    return ScanStep::kTorn;
  }
  header_ = records::read_batch_header(at_position());
  large_batches_ = !whole_batches && header_.batch_length >= static_cast<int32_t>(kLargeBatchBytes);
  if (header_.magic != records::kMagicV2) {
    why_ = "record batch magic " + std::to_string(header_.magic) + " at position " +
           std::to_string(position_);
    return ScanStep::kCorrupt;
  }
  if (header_.batch_length < static_cast<int32_t>(kBatchHeaderSize - kLogOverhead) ||
      header_.size_bytes() > max_batch_bytes_ || header_.last_offset_delta < 0) {
    why_ = "batch length " + std::to_string(header_.batch_length) + " or last offset delta " +
           std::to_string(header_.last_offset_delta) + " out of bounds at position " +
           std::to_string(position_);
    return ScanStep::kCorrupt;
  }
  if (position_ + header_.size_bytes() > end_) {
    why_ = "batch of " + std::to_string(header_.size_bytes()) + " bytes at position " +
           std::to_string(position_) + " runs past the end at " + std::to_string(end_);
    return ScanStep::kTorn;
  }
  return ScanStep::kBatch;
}

Result<ScanStep> BatchScanner::next_full() {
  // The whole batch is read anyway: keep reading windows.
  EDDY_ASSIGN_OR_RETURN(ScanStep step, next_header(/*whole_batches=*/true));
  if (step != ScanStep::kBatch) return step;
  uint64_t size = header_.size_bytes();
  EDDY_ASSIGN_OR_RETURN(bool have, fill(size));
  if (!have) {
    why_ = "file shorter than the batch at position " + std::to_string(position_);
    return ScanStep::kTorn;
  }
  auto check = records::check_batch(ByteSpan(at_position(), size), max_batch_bytes_);
  if (check.check != records::BatchCheck::kValid) {
    why_ = check.status.message() + " at position " + std::to_string(position_);
    return ScanStep::kCorrupt;
  }
  return ScanStep::kBatch;
}

}  // namespace eddy::log
