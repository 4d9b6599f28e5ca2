#pragma once
// Shared fixtures for the replica tests: temporary log directories and record batches.

#include <filesystem>
#include <string>

#include "../../testing/temp_dir.h"
#include "common/bytes.h"
#include "protocol/records/batch_builder.h"

namespace eddy::broker::testing {

using eddy::testing::TempDir;

// One uncompressed batch of `count` records "v0".."v<count-1>".
inline Bytes make_batch(int count, int64_t producer_id = records::kNoProducerId,
                        int16_t producer_epoch = records::kNoProducerEpoch,
                        int32_t base_sequence = records::kNoSequence, int64_t timestamp_ms = 1000) {
  records::BatchOptions o;
  o.producer_id = producer_id;
  o.producer_epoch = producer_epoch;
  o.base_sequence = base_sequence;
  records::BatchBuilder b(o);
  for (int i = 0; i < count; ++i) {
    std::string value = std::to_string(i);
    value.insert(value.begin(), 'v');
    b.append(timestamp_ms + i, "k", value);
  }
  return b.build().value();
}

}  // namespace eddy::broker::testing
