#pragma once
// Reading v2 record batches.
//
// BatchReader walks the records of one batch: open() checks the header (magic, length, CRC-32C)
// and decompresses the records section under a cap; next() decodes one record at a time. Records
// are views into the caller's batch (uncompressed) or into the reader's own decompressed copy, so
// they live as long as both the reader and the batch bytes.
//
//   EDDY_ASSIGN_OR_RETURN(BatchReader reader, BatchReader::open(batch));
//   Record r;
//   for (;;) {
//     EDDY_ASSIGN_OR_RETURN(bool more, reader.next(r));
//     if (!more) break;
//     use(r.offset, r.timestamp, r.key, r.value, r.headers);
//   }
//
// BatchIterator splits a buffer of concatenated batches (a segment, a fetch response's records)
// into batches without decoding them.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"
#include "protocol/records/batch_header.h"
#include "protocol/records/compression.h"
#include "protocol/records/record.h"

namespace eddy::records {

struct ReadOptions {
  size_t max_decompressed_bytes = kDefaultMaxDecompressedBytes;
  bool verify_crc = true;
};

// Errors from open() and next():
//   kCorruption       truncated batch, bad length, CRC mismatch, undecodable compressed data
//   kInvalidArgument  legacy magic 0/1, records that do not match the header (count, structure)
//   kTooLarge         the records section decompresses past max_decompressed_bytes
//   kUnsupported      compression attribute 5-7
class BatchReader {
 public:
  // `batch` must hold exactly one batch (its size is checked against batch_length).
  static Result<BatchReader> open(ByteSpan batch, const ReadOptions& options = {});

  const BatchHeader& header() const { return header_; }
  // The decompressed records section (or the batch's own when uncompressed).
  ByteSpan records_section() const { return section_; }
  int32_t records_read() const { return read_; }

  // Decodes the next record into `out`; false after the last one. At the end it checks that the
  // record count matches the header and no bytes are left over.
  Result<bool> next(Record& out);

 private:
  BatchReader() = default;

  BatchHeader header_;
  Bytes decompressed_;
  ByteSpan section_;
  size_t pos_ = 0;
  int32_t read_ = 0;
};

// A batch with all its records decoded. Move-only: records point into `storage` or the input.
struct DecodedBatch {
  BatchHeader header;
  std::vector<Record> records;

  DecodedBatch() = default;
  DecodedBatch(DecodedBatch&&) = default;
  DecodedBatch& operator=(DecodedBatch&&) = default;
  DecodedBatch(const DecodedBatch&) = delete;
  DecodedBatch& operator=(const DecodedBatch&) = delete;

 private:
  friend Result<DecodedBatch> decode_batch(ByteSpan, const ReadOptions&);
  std::vector<BatchReader> reader_;  // owns the decompressed bytes; empty or one element
};

// Decodes every record of one batch. The input must outlive the result.
Result<DecodedBatch> decode_batch(ByteSpan batch, const ReadOptions& options = {});

// Splits concatenated batches. A trailing partial batch (fetch responses may end mid-batch, a log
// may have a torn tail) ends the iteration quietly and sets truncated_tail().
class BatchIterator {
 public:
  // `max_batch_bytes` bounds what a length field may claim (message.max.bytes or a segment size).
  BatchIterator(ByteSpan buffer, size_t max_batch_bytes);

  // The next whole, CRC-checked batch; false at the end. A corrupt batch is an error.
  Result<bool> next(ByteSpan& batch);
  bool truncated_tail() const { return truncated_; }
  // Bytes consumed so far, i.e. the position of the next batch.
  size_t position() const { return pos_; }

 private:
  ByteSpan buffer_;
  size_t max_batch_bytes_;
  size_t pos_ = 0;
  bool truncated_ = false;
};

}  // namespace eddy::records
