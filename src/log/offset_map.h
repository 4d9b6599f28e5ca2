#pragma once
// OffsetMap: the log cleaner's bounded map from a record key to the last offset at which the
// dirty section holds it (Kafka's SkimpyOffsetMap). Its memory is bounded by `memory_bytes`
// (log.cleaner.dedupe.buffer.size divided among the cleaner threads): slots of a 128-bit key hash
// plus an offset, 24 bytes each, open-addressed. Unlike Kafka's, the table starts small and
// doubles while it is half full, up to the bound: a pass over 100,000 keys probes a few MiB that
// stay in the CPU's caches rather than 128 MiB of slots that miss on every probe (the bulk of a
// pass's CPU before, docs/benchmarks/storage.md "Compaction"). A slot's home is the hash scaled
// to the table (multiply-shift), which keeps slots in hash order, so a doubling reads the old
// table and writes the new one front to back and hands the old one's pages back as it goes: the
// peak stays at the bound plus a MiB. Keys are never stored, only their hash:
// two keys with the same 128 bits would be taken for one (a chance of about n^2 / 2^129 for n
// keys, as in Kafka, whose map keeps an MD5 of the key). full() turns true at `load_factor` of
// the slots; the cleaner then stops reading the dirty section and cleans what the map covers, and
// the next pass starts where this one ended (docs/storage.md, "Compaction").
//
// Not thread-safe: one cleaner thread owns one map.

#include <cstddef>
#include <cstdint>
#include <optional>

#include "common/bytes.h"

namespace eddy::log {

class OffsetMap {
 public:
  static constexpr size_t kSlotBytes = 24;

  // A key's 128-bit hash: all the map keeps of it. Computed once per record and reused, so that
  // a caller can hash a batch's keys, prefetch() their slots, and only then put or look them up:
  // the slots' cache misses (the bulk of a pass's CPU in a large table) then overlap instead of
  // following one another.
  struct KeyHash {
    uint64_t h1 = 0;
    uint64_t h2 = 0;
  };
  static KeyHash hash(ByteSpan key);

  // `memory_bytes` bounds the slots' memory (two slots at least: one entry and an empty slot).
  // Nothing is allocated until the first put() or clear(): a broker without compacted logs never
  // pays for log.cleaner.dedupe.buffer.size, and release() gives it back after a pass.
  explicit OffsetMap(size_t memory_bytes, double load_factor = 0.9);
  ~OffsetMap() { release(); }
  OffsetMap(const OffsetMap&) = delete;
  OffsetMap& operator=(const OffsetMap&) = delete;

  // Records that `key` is at `offset` (offsets are put in increasing order, so the last put wins).
  // Callers check has_room_for() first; a put into a full map of a new key is refused (false).
  bool put(ByteSpan key, int64_t offset) { return put(hash(key), offset); }
  bool put(const KeyHash& key, int64_t offset);
  // The offset last put for `key`, if any.
  std::optional<int64_t> get(ByteSpan key) const { return get(hash(key)); }
  std::optional<int64_t> get(const KeyHash& key) const;
  // Starts loading the cache line where `key` would be: a hint, nothing changes.
  void prefetch(const KeyHash& key) const;
  // Whether `n` more new keys fit under the load factor.
  bool has_room_for(size_t n) const { return entries_ + n <= max_entries_; }
  bool full() const { return entries_ >= max_entries_; }
  void clear();
  // Frees the slots (the next put() or clear() allocates them again).
  void release();

  size_t size() const { return entries_; }
  // The bound: the most slots the table may grow to.
  size_t slots() const { return slot_count_; }
  // The slots of the table now (it grows up to slots()).
  size_t table_slots() const { return table_slots_; }
  size_t max_entries() const { return max_entries_; }
  size_t memory_bytes() const { return slot_count_ * sizeof(Slot); }
  // Whether the slots are allocated now.
  bool allocated() const { return slots_ != nullptr; }
  // The largest offset put since clear(), -1 when none.
  int64_t latest_offset() const { return latest_offset_; }

 private:
  struct Slot {
    uint64_t h1 = 0;
    uint64_t h2 = 0;  // 0 in both halves marks an empty slot (a hash of 0 is remapped)
    int64_t offset = -1;
  };
  static_assert(sizeof(Slot) == kSlotBytes);
  // The slot holding the hash, or the empty slot where it would go.
  static size_t find(const Slot* slots, size_t n, uint64_t h1, uint64_t h2);
  void allocate();
  // Doubles the table (up to slot_count_), moving every entry.
  void grow();

  size_t slot_count_;
  Slot* slots_ = nullptr;  // anonymous memory, null until used and after release()
  size_t table_slots_ = 0;
  size_t grow_at_ = 0;  // entries at which the table doubles
  size_t max_entries_;
  size_t entries_ = 0;
  int64_t latest_offset_ = -1;
};

// The 128-bit key hash the map uses (two independent 64-bit mixes of the bytes).
void hash_key_128(ByteSpan key, uint64_t* h1, uint64_t* h2);

}  // namespace eddy::log
