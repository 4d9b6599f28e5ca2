#pragma once
// The two per-segment indexes, OffsetIndex (.index) and TimeIndex (.timeindex): a file of
// fixed-size big-endian entries, mirrored in memory so that a lookup is a binary search without a
// system call. Both are sparse (an entry every index.interval.bytes of log) and both are only
// hints: recovery rebuilds them from the log after an unclean stop, load() rejects any file that
// is not sorted or points past the log, and LogSegment checks the batch an entry points at before
// trusting it. Appends touch memory only; persist() writes the entries not yet in the file with
// one pwrite (and fsyncs), which the segment does when it is flushed with its indexes (sealed
// segments, and close). Any prefix of the entries is a valid index, so the file may lag the
// memory, and a failed or torn index write costs nothing but a rebuild or a longer scan later.
//
// Thread-safe: lookups take a shared lock, appends and truncations an exclusive one.

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"
#include "log/file_handle_budget.h"
#include "log/log_format.h"

namespace eddy::log {

// One entry: key is what lookups search by (the offset in .index, the timestamp in .timeindex),
// value what they find (a file position, or an offset).
struct IndexEntry {
  int64_t key;
  int64_t value;
  bool operator==(const IndexEntry&) const = default;
};

// .index: relative last offset of a batch (u32) -> its file position (u32).
struct OffsetIndexCodec {
  static constexpr size_t kEntrySize = kOffsetIndexEntrySize;
  static constexpr const char* kName = "offset index";
  static void encode(const IndexEntry& e, int64_t base_offset, uint8_t* p) {
    store_be32(p, static_cast<uint32_t>(e.key - base_offset));
    store_be32(p + 4, static_cast<uint32_t>(e.value));
  }
  static IndexEntry decode(const uint8_t* p, int64_t base_offset) {
    return {base_offset + load_be32(p), load_be32(p + 4)};
  }
  // Keys (offsets) and values (positions) both strictly increase.
  static bool ordered(const IndexEntry& prev, const IndexEntry& next) {
    return next.key > prev.key && next.value > prev.value;
  }
};

// .timeindex: max timestamp so far (i64) -> relative offset (u32) of the batch that carried it.
struct TimeIndexCodec {
  static constexpr size_t kEntrySize = kTimeIndexEntrySize;
  static constexpr const char* kName = "time index";
  static void encode(const IndexEntry& e, int64_t base_offset, uint8_t* p) {
    store_be64(p, static_cast<uint64_t>(e.key));
    store_be32(p + 8, static_cast<uint32_t>(e.value - base_offset));
  }
  static IndexEntry decode(const uint8_t* p, int64_t base_offset) {
    return {load_be_i64(p), base_offset + load_be32(p + 8)};
  }
  // Timestamps strictly increase (an entry is added only for a new maximum); offsets do too.
  static bool ordered(const IndexEntry& prev, const IndexEntry& next) {
    return next.key > prev.key && next.value > prev.value;
  }
};

template <typename Codec>
class IndexFile {
 public:
  IndexFile(std::string path, int64_t base_offset, FileHandleBudget* budget, FaultInjector* faults)
      : file_(std::move(path), budget, faults), base_offset_(base_offset) {}

  const std::string& path() const { return file_.path(); }

  // Reads the file and checks it: whole entries, ordered, every value below `value_limit` (the log
  // size for .index, the segment's next offset for .timeindex). kNotFound when the file is
  // missing, kCorruption when it is not to be trusted.
  Status load(int64_t value_limit, size_t max_entries) {
    EDDY_ASSIGN_OR_RETURN(auto f, file_.get());
    EDDY_ASSIGN_OR_RETURN(uint64_t size, f->size());
    if (size % Codec::kEntrySize != 0) {
      return corruption(std::string(Codec::kName) + " " + path() + " size " + std::to_string(size) +
                        " is not a whole number of entries");
    }
    if (size / Codec::kEntrySize > max_entries) {
      return corruption(std::string(Codec::kName) + " " + path() + " has too many entries");
    }
    Bytes raw(size);
    EDDY_RETURN_IF_ERROR(f->read_at(0, raw));
    std::vector<IndexEntry> entries;
    entries.reserve(size / Codec::kEntrySize);
    for (size_t pos = 0; pos < size; pos += Codec::kEntrySize) {
      IndexEntry e = Codec::decode(raw.data() + pos, base_offset_);
      if (e.value >= value_limit || (!entries.empty() && !Codec::ordered(entries.back(), e))) {
        return corruption(std::string(Codec::kName) + " " + path() + " entry " +
                          std::to_string(entries.size()) + " is out of order or out of range");
      }
      entries.push_back(e);
    }
    std::unique_lock lock(mu_);
    entries_ = std::move(entries);
    persisted_ = entries_.size();
    count_.store(entries_.size(), std::memory_order_relaxed);
    return Status::ok();
  }

  // Creates the file empty (a new segment).
  Status create() {
    EDDY_ASSIGN_OR_RETURN(auto f, file_.get(/*create=*/true));
    EDDY_RETURN_IF_ERROR(truncate_if_not_empty(*f));
    std::unique_lock lock(mu_);
    entries_.clear();
    persisted_ = 0;
    count_.store(0, std::memory_order_relaxed);
    return Status::ok();
  }

  // Replaces the whole index (a rebuild from the log) and writes it.
  Status reset(std::vector<IndexEntry> entries) {
    Bytes raw(entries.size() * Codec::kEntrySize);
    for (size_t i = 0; i < entries.size(); ++i) {
      Codec::encode(entries[i], base_offset_, raw.data() + i * Codec::kEntrySize);
    }
    EDDY_ASSIGN_OR_RETURN(auto f, file_.get(/*create=*/true));
    std::unique_lock lock(mu_);
    entries_ = std::move(entries);
    count_.store(entries_.size(), std::memory_order_relaxed);
    persisted_ = 0;
    EDDY_RETURN_IF_ERROR(f->truncate(0));
    EDDY_RETURN_IF_ERROR(f->write_at(0, raw));
    persisted_ = entries_.size();
    return Status::ok();
  }

  // Appends one entry in memory; it must be ordered after the last one (the caller checks).
  void append(IndexEntry e) {
    std::unique_lock lock(mu_);
    entries_.push_back(e);
    count_.store(entries_.size(), std::memory_order_relaxed);
  }

  // Writes the entries the file lacks, then fsyncs when `sync`. Nothing to do costs nothing.
  Status persist(bool sync) {
    {
      std::shared_lock lock(mu_);
      if (persisted_ == entries_.size() && !unsynced_) return Status::ok();
    }
    EDDY_ASSIGN_OR_RETURN(auto f, file_.get(/*create=*/true));
    {
      std::unique_lock lock(mu_);
      if (persisted_ < entries_.size()) {
        Bytes raw((entries_.size() - persisted_) * Codec::kEntrySize);
        for (size_t i = persisted_; i < entries_.size(); ++i) {
          Codec::encode(entries_[i], base_offset_,
                        raw.data() + (i - persisted_) * Codec::kEntrySize);
        }
        // A torn write leaves a partial entry that load() rejects, or is overwritten from the
        // same position by the next persist().
        EDDY_RETURN_IF_ERROR(f->write_at(persisted_ * Codec::kEntrySize, raw));
        persisted_ = entries_.size();
        unsynced_ = true;
      }
    }
    if (!sync) return Status::ok();
    EDDY_RETURN_IF_ERROR(f->sync());
    std::unique_lock lock(mu_);
    unsynced_ = persisted_ != entries_.size();
    return Status::ok();
  }

  // Drops every entry whose value is >= `value_limit` (.index: positions past a truncation).
  Status truncate_values_from(int64_t value_limit) {
    EDDY_ASSIGN_OR_RETURN(auto f, file_.get(/*create=*/true));
    std::unique_lock lock(mu_);
    auto it = std::lower_bound(entries_.begin(), entries_.end(), value_limit,
                               [](const IndexEntry& e, int64_t v) { return e.value < v; });
    size_t keep = static_cast<size_t>(it - entries_.begin());
    entries_.resize(keep);
    count_.store(keep, std::memory_order_relaxed);
    if (keep < persisted_) {
      EDDY_RETURN_IF_ERROR(f->truncate(keep * Codec::kEntrySize));
      persisted_ = keep;
    }
    return Status::ok();
  }

  // The last entry whose key is <= key (inclusive) or < key, if any.
  std::optional<IndexEntry> floor(int64_t key, bool inclusive) const {
    std::shared_lock lock(mu_);
    auto it = inclusive
                  ? std::upper_bound(entries_.begin(), entries_.end(), key,
                                     [](int64_t k, const IndexEntry& e) { return k < e.key; })
                  : std::lower_bound(entries_.begin(), entries_.end(), key,
                                     [](const IndexEntry& e, int64_t k) { return e.key < k; });
    if (it == entries_.begin()) return std::nullopt;
    return *(it - 1);
  }

  // The last entry with key < key_limit and value <= value_max (both increase along the index).
  std::optional<IndexEntry> last_within(int64_t key_limit, int64_t value_max) const {
    std::shared_lock lock(mu_);
    auto by_key = std::lower_bound(entries_.begin(), entries_.end(), key_limit,
                                   [](const IndexEntry& e, int64_t k) { return e.key < k; });
    auto by_value = std::upper_bound(entries_.begin(), entries_.end(), value_max,
                                     [](int64_t v, const IndexEntry& e) { return v < e.value; });
    auto end = std::min(by_key, by_value);
    if (end == entries_.begin()) return std::nullopt;
    return *(end - 1);
  }

  std::optional<IndexEntry> last() const {
    std::shared_lock lock(mu_);
    if (entries_.empty()) return std::nullopt;
    return entries_.back();
  }
  // Without the lock: the roll check on every append reads it.
  size_t entry_count() const { return count_.load(std::memory_order_relaxed); }
  size_t size_bytes() const { return entry_count() * Codec::kEntrySize; }

 private:
  CachedFile file_;
  const int64_t base_offset_;
  mutable std::shared_mutex mu_;
  std::vector<IndexEntry> entries_;
  std::atomic<size_t> count_{0};  // entries_.size(), readable without mu_
  size_t persisted_ = 0;          // entries_[0, persisted_) are in the file
  bool unsynced_ = false;         // written since the last fsync
};

using OffsetIndex = IndexFile<OffsetIndexCodec>;
using TimeIndex = IndexFile<TimeIndexCodec>;

}  // namespace eddy::log
