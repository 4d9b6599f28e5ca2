#pragma once
// A CoordinatorLog in memory, for tests and benchmarks: appends complete at once, or are held
// until complete_held() (to observe what a client sees before its write is durable), or fail
// with an injected error.

#include <deque>
#include <map>
#include <mutex>

#include "broker/group/coordinator_log.h"

namespace eddy::group {

class MemoryCoordinatorLog final : public CoordinatorLog {
 public:
  void append(int32_t partition, std::vector<CoordinatorRecord> records,
              std::function<void(Status)> done) override;
  Status replay(int32_t partition,
                const std::function<void(const CoordinatorRecord&)>& visit) override;

  // While held, appends wait in order until complete_held() finishes them with `status`.
  void set_hold(bool hold);
  // Completes every held append; returns how many.
  size_t complete_held(const Status& status = Status::ok());
  // The next appends fail with `status` (until cleared with an ok Status).
  void set_failure(Status status);

  std::vector<CoordinatorRecord> records(int32_t partition) const;
  size_t record_count() const;

 private:
  struct Held {
    int32_t partition;
    std::vector<CoordinatorRecord> records;
    std::function<void(Status)> done;
  };
  mutable std::mutex mu_;
  std::map<int32_t, std::vector<CoordinatorRecord>> logs_;
  bool hold_ = false;
  Status failure_;
  std::deque<Held> held_;
};

}  // namespace eddy::group
