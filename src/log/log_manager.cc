#include "log/log_manager.h"

#include <dirent.h>
#include <sys/stat.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <set>

#include "log/log_cleaner.h"
#include "log/log_format.h"

namespace eddy::log {

namespace {

// Subdirectory names of `dir`, bounded by its entries.
Result<std::vector<std::string>> list_subdirs(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return errno_status(errno, "open directory " + dir);
  std::vector<std::string> out;
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    struct stat st;
    if (::stat((dir + "/" + name).c_str(), &st) == 0 && S_ISDIR(st.st_mode)) out.push_back(name);
  }
  ::closedir(d);
  return out;
}

// Runs fn(i) for every i in [0, n) on up to `threads` threads, the caller's among them. fn must
// not throw (it reports through what it captures).
void run_parallel(size_t n, int threads, const std::function<void(size_t)>& fn) {
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next.fetch_add(1); i < n; i = next.fetch_add(1)) fn(i);
  };
  size_t helpers =
      std::min<size_t>(n, static_cast<size_t>(std::max(threads, 1))) - std::min<size_t>(n, 1);
  std::vector<std::thread> pool;
  pool.reserve(helpers);
  for (size_t t = 0; t < helpers; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
}

}  // namespace

std::string TopicPartition::dir_name() const { return topic + "-" + std::to_string(partition); }

std::optional<TopicPartition> TopicPartition::parse_dir_name(const std::string& name) {
  if (name.ends_with(kDeleteDirSuffix)) return std::nullopt;
  size_t dash = name.rfind('-');
  if (dash == std::string::npos || dash == 0 || dash + 1 == name.size()) return std::nullopt;
  int32_t p = 0;
  const char* b = name.data() + dash + 1;
  const char* e = name.data() + name.size();
  auto [ptr, ec] = std::from_chars(b, e, p);
  if (ec != std::errc() || ptr != e || p < 0) return std::nullopt;
  return TopicPartition{name.substr(0, dash), p};
}

LogManager::LogManager(LogManagerOptions options)
    : options_(std::move(options)),
      budget_(options_.max_open_files),
      preallocation_budget_(std::make_shared<PreallocationBudget>(options_.preallocate_max_bytes)),
      flusher_(std::make_unique<Flusher>(options_.flusher_threads)) {}

LogManager::~LogManager() { (void)shutdown(); }

Result<std::unique_ptr<LogManager>> LogManager::open(LogManagerOptions options) {
  if (options.log_dirs.empty()) return invalid_argument("log.dirs is empty");
  EDDY_RETURN_IF_ERROR(options.default_config.validate());
  if (options.clock == nullptr) options.clock = &SystemClock::instance();
  std::unique_ptr<LogManager> mgr(new LogManager(std::move(options)));
  EDDY_RETURN_IF_ERROR(mgr->load_dirs());
  mgr->delete_pending_dirs();
  return mgr;
}

PartitionLogOptions LogManager::log_options(const TopicPartition& tp, const std::string& path,
                                            const LogConfig& config, bool log_dir_clean) {
  PartitionLogOptions po;
  if (options_.on_damage) {
    po.on_damage = [cb = options_.on_damage, tp](const DamagedRange& d) { cb(tp, d); };
  }
  po.dir = path;
  po.config = config;
  po.shutdown_marker = ShutdownMarker::kLogDir;
  po.log_dir_clean = log_dir_clean;
  po.clock = options_.clock;
  po.flusher = flusher_.get();
  po.file_budget = &budget_;
  po.preallocation_budget = preallocation_budget_;
  po.faults = options_.faults;
  return po;
}

std::vector<std::pair<TopicPartition, std::shared_ptr<PartitionLog>>> LogManager::snapshot() const {
  std::lock_guard lock(mu_);
  return {logs_.begin(), logs_.end()};
}

Status LogManager::for_each_log(const std::function<Status(PartitionLog&)>& fn) {
  Status first;
  for (const auto& [tp, log] : snapshot()) {
    Status s = fn(*log);
    if (first.is_ok() && !s.is_ok()) first = s;
  }
  return first;
}

Status LogManager::load_dirs() {
  struct Found {
    std::string dir;
    std::string path;
    TopicPartition tp;
    bool clean;
  };
  std::vector<Found> found;
  std::set<TopicPartition> seen;
  std::vector<std::string> clean_dirs;
  for (const std::string& dir : options_.log_dirs) {
    EDDY_RETURN_IF_ERROR(make_dirs(dir));
    EDDY_ASSIGN_OR_RETURN(auto names, list_subdirs(dir));
    partitions_per_dir_[dir];
    bool clean = path_exists(dir + "/" + kCleanShutdownFile);
    if (clean) clean_dirs.push_back(dir);
    for (const std::string& name : names) {
      std::string path = dir + "/" + name;
      if (name.ends_with(kDeleteDirSuffix)) {
        pending_deletes_.push_back(path);
        continue;
      }
      auto tp = TopicPartition::parse_dir_name(name);
      if (!tp) continue;
      if (!seen.insert(*tp).second) {
        return failed_precondition("partition " + name + " is in more than one of log.dirs");
      }
      found.push_back({dir, path, *tp, clean});
    }
  }
  std::vector<std::optional<Result<std::shared_ptr<PartitionLog>>>> opened(found.size());
  std::vector<RecoveryReport> reports(found.size());
  run_parallel(found.size(), options_.recovery_threads, [&](size_t i) {
    opened[i].emplace(PartitionLog::open(
        log_options(found[i].tp, found[i].path, options_.default_config, found[i].clean),
        &reports[i]));
  });
  for (const auto& r : opened) EDDY_RETURN_IF_ERROR(r->status());
  for (size_t i = 0; i < found.size(); ++i) {
    if (options_.on_recovery) options_.on_recovery(found[i].tp, reports[i]);
    logs_[found[i].tp] = std::move(*opened[i]).value();
    ++partitions_per_dir_[found[i].dir];
  }
  // Every log of these dirs is open, and from here on a crash is unclean again: each marker goes,
  // durably, before open() returns and anything can append.
  for (const std::string& dir : clean_dirs) {
    EDDY_RETURN_IF_ERROR(remove_file(dir + "/" + kCleanShutdownFile));
    EDDY_RETURN_IF_ERROR(sync_dir(dir, options_.faults));
  }
  loaded_ = true;
  return Status::ok();
}

void LogManager::start() {
  std::lock_guard lock(bg_mu_);
  if (background_.joinable() || stopping_) return;
  background_ = std::thread([this] { background_loop(); });
  if (options_.scrubber.enable && options_.scrubber.bytes_per_second > 0) {
    scrubber_thread_ = std::thread([this] { scrubber_loop(); });
  }
  if (options_.cleaner.enable) {
    CleanerOptions co = options_.cleaner;
    co.clock = options_.clock;
    cleaner_ = std::make_unique<LogCleaner>(co, [this] {
      std::vector<std::shared_ptr<PartitionLog>> logs;
      for (auto& [tp, log] : snapshot()) {
        if (options_.high_watermark) {
          if (std::optional<Offset> hw = options_.high_watermark(tp)) log->set_high_watermark(*hw);
        }
        logs.push_back(std::move(log));
      }
      return logs;
    });
    cleaner_->start();
  }
}

bool LogManager::reconfigure_cleaner(const CleanerOptions& options) {
  std::lock_guard lock(bg_mu_);
  if (stopping_ || options_.cleaner.same_reconfigurable(options)) return false;
  options_.cleaner.take_reconfigurable(options);
  if (cleaner_) cleaner_->reconfigure(options_.cleaner);
  return true;
}

void LogManager::scrubber_loop() {
  ScrubberOptions so = options_.scrubber;
  so.clock = options_.clock;
  Scrubber scrubber(so, [this] {
    std::vector<std::shared_ptr<PartitionLog>> logs;
    for (auto& [tp, log] : snapshot()) logs.push_back(std::move(log));
    return logs;
  });
  // A round every tick reads what the bucket refilled since the last: the rate, in pieces of a
  // tick's worth, on a thread of its own so that neither retention nor flushes wait for it.
  while (true) {
    {
      std::unique_lock lock(bg_mu_);
      bg_cv_.wait_for(lock, std::chrono::milliseconds(options_.background_tick_ms),
                      [this] { return stopping_; });
      if (stopping_) return;
    }
    scrubber.run_once();
  }
}

Result<std::shared_ptr<PartitionLog>> LogManager::get_or_create(const TopicPartition& tp,
                                                                const LogConfig& config) {
  std::lock_guard lock(mu_);
  if (shut_down_) return unavailable("log manager is shut down");
  auto it = logs_.find(tp);
  if (it != logs_.end()) return it->second;
  // Kafka's placement: the log dir holding the fewest partitions.
  std::string dir = options_.log_dirs.front();
  for (const std::string& d : options_.log_dirs) {
    if (partitions_per_dir_[d] < partitions_per_dir_[dir]) dir = d;
  }
  // No fsync here: the log's first flush makes its directory durable before it reports anything
  // durable, so creating a thousand partitions costs no fsync (and a crash before any flush
  // loses only empty logs, which the broker creates again from its metadata).
  EDDY_ASSIGN_OR_RETURN(auto log,
                        PartitionLog::open(log_options(tp, dir + "/" + tp.dir_name(), config,
                                                       /*log_dir_clean=*/false)));
  logs_[tp] = log;
  ++partitions_per_dir_[dir];
  return log;
}

std::shared_ptr<PartitionLog> LogManager::get(const TopicPartition& tp) const {
  std::lock_guard lock(mu_);
  auto it = logs_.find(tp);
  return it == logs_.end() ? nullptr : it->second;
}

std::vector<TopicPartition> LogManager::partitions() const {
  std::lock_guard lock(mu_);
  std::vector<TopicPartition> out;
  for (const auto& [tp, log] : logs_) out.push_back(tp);
  return out;
}

std::set<TopicPartition> LogManager::damaged_partitions() const {
  std::lock_guard lock(mu_);
  std::set<TopicPartition> out;
  for (const auto& [tp, log] : logs_) {
    if (log->has_damage()) out.insert(tp);
  }
  return out;
}

Status LogManager::remove(const TopicPartition& tp) {
  std::shared_ptr<PartitionLog> log;
  {
    std::lock_guard lock(mu_);
    auto it = logs_.find(tp);
    if (it == logs_.end()) return not_found("no log for " + tp.dir_name());
    log = it->second;
    logs_.erase(it);
  }
  // Appends fail from here on; the flush inside close() is wasted work but harmless.
  (void)log->close();
  const std::string& path = log->dir();
  std::string parent = path.substr(0, path.rfind('/'));
  char unique[40];
  std::snprintf(
      unique, sizeof(unique), ".%016llx",
      static_cast<unsigned long long>(std::chrono::steady_clock::now().time_since_epoch().count()));
  std::string target = path + unique + kDeleteDirSuffix;
  EDDY_RETURN_IF_ERROR(rename_path(path, target));
  EDDY_RETURN_IF_ERROR(sync_dir(parent));
  {
    std::lock_guard lock(mu_);
    --partitions_per_dir_[parent];
    pending_deletes_.push_back(target);
  }
  bg_cv_.notify_all();
  return Status::ok();
}

void LogManager::delete_pending_dirs() {
  std::vector<std::string> dirs;
  {
    std::lock_guard lock(mu_);
    dirs.swap(pending_deletes_);
  }
  for (const std::string& d : dirs) {
    Status s = remove_all(d);
    if (!s.is_ok()) {
      if (options_.on_background_error) options_.on_background_error({d, -1}, s);
      std::lock_guard lock(mu_);
      pending_deletes_.push_back(d);
    }
  }
}

void LogManager::enforce_retention_now() {
  for (const auto& [tp, log] : snapshot()) {
    auto r = log->enforce_retention();
    if (!r.is_ok() && options_.on_background_error) options_.on_background_error(tp, r.status());
  }
}

Status LogManager::flush_all() {
  return for_each_log([](PartitionLog& log) { return log.flush(); });
}

void LogManager::background_loop() {
  const Clock& clock = *options_.clock;
  int64_t last_retention = clock.monotonic_ms();
  int64_t last_checkpoint = clock.monotonic_ms();
  while (true) {
    {
      std::unique_lock lock(bg_mu_);
      bg_cv_.wait_for(lock, std::chrono::milliseconds(options_.background_tick_ms),
                      [this] { return stopping_; });
      if (stopping_) return;
    }
    delete_pending_dirs();
    auto logs = snapshot();
    for (const auto& [tp, log] : logs) {
      Status s = log->maybe_roll_and_flush();
      if (!s.is_ok() && options_.on_background_error) options_.on_background_error(tp, s);
    }
    int64_t now = clock.monotonic_ms();
    if (now - last_retention >= options_.retention_check_interval_ms) {
      last_retention = now;
      enforce_retention_now();
    }
    if (now - last_checkpoint >= options_.checkpoint_interval_ms) {
      last_checkpoint = now;
      for (const auto& [tp, log] : logs) {
        Status s = log->write_checkpoints();
        if (!s.is_ok() && options_.on_background_error) options_.on_background_error(tp, s);
      }
    }
  }
}

Status LogManager::shutdown() {
  {
    std::lock_guard lock(bg_mu_);
    if (shut_down_) return Status::ok();
    shut_down_ = true;
    stopping_ = true;
  }
  bg_cv_.notify_all();
  if (background_.joinable()) background_.join();
  if (scrubber_thread_.joinable()) scrubber_thread_.join();
  // A pass in progress finishes its current swap (or abandons its .cleaned file) first.
  if (cleaner_) cleaner_->stop();
  flusher_->stop();
  auto logs = snapshot();
  std::vector<Status> closed(logs.size());
  run_parallel(logs.size(), options_.recovery_threads,
               [&](size_t i) { closed[i] = logs[i].second->close(); });
  Status first;
  std::set<std::string> failed_dirs;
  for (size_t i = 0; i < logs.size(); ++i) {
    if (closed[i].is_ok()) continue;
    if (first.is_ok()) first = closed[i];
    const std::string& path = logs[i].second->dir();
    failed_dirs.insert(path.substr(0, path.size() - logs[i].first.dir_name().size() - 1));
  }
  // Only a manager that opened every log of its dirs may vouch for them. Each close above made
  // its log durable (data synced) before returning, so the marker comes after all of it.
  for (const std::string& dir : options_.log_dirs) {
    if (!loaded_ || failed_dirs.count(dir) != 0) continue;
    Status s = create_marker_file(dir, kCleanShutdownFile, options_.faults);
    if (first.is_ok() && !s.is_ok()) first = s;
  }
  delete_pending_dirs();
  return first;
}

}  // namespace eddy::log
