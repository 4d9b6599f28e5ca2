#pragma once
// GroupCoordinator::Effects: what an operation decided to do outside the coordinator's lock.
// Answering a client and appending to the log both happen after the lock is released, so that a
// callback may call back into the coordinator and a log that completes appends synchronously
// cannot deadlock with it. Private to the group coordinator's .cc files.

#include <spdlog/spdlog.h>

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "broker/group/group_coordinator.h"

namespace eddy::group {

class GroupCoordinator::Effects {
 public:
  // Runs under the coordinator's lock once the append finished: error is NONE when the records
  // are durable, NOT_COORDINATOR when the partition was unloaded meanwhile, or the Kafka error the
  // storage failure maps to.
  using AppendDone = std::function<void(ErrorCode error, Effects& fx)>;

  Effects() = default;
  Effects(const Effects&) = delete;
  Effects& operator=(const Effects&) = delete;

  void call(std::function<void()> f) { calls_.push_back(std::move(f)); }
  void append(int32_t partition, uint64_t epoch, std::vector<CoordinatorRecord> records,
              AppendDone then) {
    appends_.push_back(Append{partition, epoch, std::move(records), std::move(then)});
  }

  // Issues the appends, then invokes the answers. Called without the lock held.
  void run(GroupCoordinator& c) {
    for (Append& a : appends_) {
      c.log_.append(a.partition, std::move(a.records),
                    [&c, partition = a.partition, epoch = a.epoch, then = std::move(a.then)](
                        Status s) { c.finish_append(partition, epoch, s, then); });
    }
    appends_.clear();
    for (auto& f : calls_) f();
    calls_.clear();
  }

 private:
  struct Append {
    int32_t partition;
    uint64_t epoch;
    std::vector<CoordinatorRecord> records;
    AppendDone then;
  };
  std::vector<Append> appends_;
  std::vector<std::function<void()>> calls_;
};

// Answers a waiting JoinGroup or SyncGroup once the lock is released.
inline void answer_join(GroupCoordinator::Effects& fx, JoinCallback& done, JoinGroupResult r) {
  fx.call([d = std::move(done), r = std::move(r)]() mutable { d(std::move(r)); });
}

inline void answer_join_error(GroupCoordinator::Effects& fx, JoinCallback& done, ErrorCode error,
                              std::string member_id) {
  JoinGroupResult r;
  r.error_code = error;
  r.member_id = std::move(member_id);
  answer_join(fx, done, std::move(r));
}

inline void answer_sync(GroupCoordinator::Effects& fx, SyncCallback& done, SyncGroupResult r) {
  fx.call([d = std::move(done), r = std::move(r)]() mutable { d(std::move(r)); });
}

inline void answer_sync_error(GroupCoordinator::Effects& fx, SyncCallback& done, ErrorCode error) {
  SyncGroupResult r;
  r.error_code = error;
  answer_sync(fx, done, std::move(r));
}

// Client-chosen text (group and member ids, instance ids, KIP-800 reasons) as it goes into a log
// line: bytes outside printable ASCII escaped as \xNN and the whole cut at kMaxLogTextBytes, so
// that a client can neither forge log lines nor write kilobytes into the log with one request.
inline constexpr size_t kMaxLogTextBytes = 256;
std::string log_text(std::string_view text);

// Logs one info line once the lock is released: writing a log line is I/O, which the
// coordinator's lock must not wait on.
template <typename... Args>
void log_info(GroupCoordinator::Effects& fx, fmt::format_string<Args...> format, Args&&... args) {
  fx.call([line = fmt::format(format, std::forward<Args>(args)...)] { spdlog::info("{}", line); });
}

}  // namespace eddy::group
