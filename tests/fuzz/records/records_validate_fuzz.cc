// Feeds arbitrary bytes to validate_batch_for_append. Byte 0 is a mode: bit 0 set recomputes the
// batch CRC first (so mutations get past the checksum into decompression and record checks),
// bits 1-2 pick the options (control allowed, keys required, timestamp window).

#include <cstddef>
#include <cstdint>
#include <vector>

#include "protocol/records/batch_validator.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  using namespace eddy;
  using namespace eddy::records;
  uint8_t mode = data[0];
  Bytes batch(data + 1, data + size);
  if ((mode & 1) != 0 && batch.size() >= kBatchHeaderSize) {
    store_be32(batch.data() + kCrcPos, compute_batch_crc(batch));
  }
  AppendValidationOptions options;
  options.max_decompressed_bytes = size_t{1} << 20;
  options.allow_control = (mode & 2) != 0;
  options.require_keys = (mode & 4) != 0;
  if ((mode & 8) != 0) {
    options.now_ms = 1'700'000'000'000;
    options.max_timestamp_difference_ms = 3'600'000;
  }
  auto v = validate_batch_for_append(batch, options);
  if (v.is_ok() && (v->record_count != v->header.records_count || v->record_count <= 0)) {
    __builtin_trap();
  }
  (void)kafka_error_for_append(v.status());
  return 0;
}
