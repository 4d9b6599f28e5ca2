#pragma once
// What the group coordinator needs from storage: append records to a __consumer_offsets partition
// and learn when they are durable, and read a partition back from its start when the coordinator
// takes the partition over. The broker implements it over the partition logs
// (LogCoordinatorLog); tests use an in-memory one.

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"

namespace eddy::group {

struct CoordinatorRecord {
  Bytes key;
  std::optional<Bytes> value;  // nullopt: a tombstone
};

class CoordinatorLog {
 public:
  virtual ~CoordinatorLog() = default;
  // Appends `records` to the partition as one batch. `done` runs exactly once, when the batch is
  // durable under the broker's flush policy (ok) or could not be written (the error); it may run
  // on any thread, before or after append returns.
  virtual void append(int32_t partition, std::vector<CoordinatorRecord> records,
                      std::function<void(Status)> done) = 0;
  // Calls `visit` for every record of the partition in offset order, from the log start to the
  // log end at the time of the call.
  virtual Status replay(int32_t partition,
                        const std::function<void(const CoordinatorRecord&)>& visit) = 0;
};

}  // namespace eddy::group
