#include "log/offset_map.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstring>
#include <new>

namespace eddy::log {

namespace {

uint64_t mix(uint64_t x) {  // splitmix64's finaliser: every input bit reaches every output bit
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

uint64_t hash64(ByteSpan key, uint64_t seed) {
  uint64_t h = mix(seed ^ key.size());
  size_t i = 0;
  // Bounded by the key's length, 8 bytes per step.
  for (; i + 8 <= key.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, key.data() + i, 8);
    h = mix(h ^ mix(w + seed));
  }
  uint64_t tail = 0;
  std::memcpy(&tail, key.data() + i, key.size() - i);
  return mix(h ^ mix(tail + seed + 0x9e3779b97f4a7c15ULL));
}

}  // namespace

void hash_key_128(ByteSpan key, uint64_t* h1, uint64_t* h2) {
  *h1 = hash64(key, 0x243f6a8885a308d3ULL);
  *h2 = hash64(key, 0x13198a2e03707344ULL);
  if (*h1 == 0 && *h2 == 0) *h2 = 1;  // 0/0 is the empty slot
}

OffsetMap::OffsetMap(size_t memory_bytes, double load_factor)
    : slot_count_(std::max<size_t>(memory_bytes / sizeof(Slot), 2)) {
  // At least one entry, and always one empty slot, which ends every probe.
  max_entries_ = std::clamp<size_t>(
      static_cast<size_t>(static_cast<double>(slot_count_) * std::clamp(load_factor, 0.0, 1.0)), 1,
      slot_count_ - 1);
}

namespace {

// 384 KiB: a pass over a few thousand keys never doubles.
constexpr size_t kInitialSlots = 1 << 14;
constexpr size_t kReleaseChunkBytes = 1 << 20;

void* map_zeroed(size_t bytes) {
  // Anonymous memory comes zeroed (every slot empty) and costs nothing until a slot is written.
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  return p;
}

size_t home(uint64_t h1, size_t n) {
  // Multiply-shift: no division, and monotone in h1, so a table keeps its slots in hash order.
  return static_cast<size_t>((static_cast<unsigned __int128>(h1) * n) >> 64);
}

}  // namespace

void OffsetMap::allocate() {
  if (slots_ != nullptr) return;
  table_slots_ = std::min(slot_count_, kInitialSlots);
  slots_ = static_cast<Slot*>(map_zeroed(table_slots_ * sizeof(Slot)));
  // Half full, then double; the last table (the bound) fills to the load factor.
  grow_at_ = table_slots_ < slot_count_ ? table_slots_ / 2 : max_entries_;
}

void OffsetMap::release() {
  if (slots_ != nullptr) ::munmap(slots_, table_slots_ * sizeof(Slot));
  slots_ = nullptr;
  table_slots_ = 0;
  entries_ = 0;
  latest_offset_ = -1;
}

void OffsetMap::grow() {
  const size_t old_n = table_slots_;
  const size_t new_n = std::min(slot_count_, old_n * 2);
  Slot* old = slots_;
  auto* fresh = static_cast<Slot*>(map_zeroed(new_n * sizeof(Slot)));
  auto* old_bytes = reinterpret_cast<uint8_t*>(old);
  size_t released = 0;
  for (size_t i = 0; i < old_n; ++i) {
    const Slot& s = old[i];
    if (s.h1 != 0 || s.h2 != 0) fresh[find(fresh, new_n, s.h1, s.h2)] = s;
    // The old table's pages go back as soon as they are read: with the new one filling front to
    // back, the two together stay near the new one's size.
    size_t done = (i + 1) * sizeof(Slot) / kReleaseChunkBytes * kReleaseChunkBytes;
    if (done > released) {
      ::madvise(old_bytes + released, done - released, MADV_DONTNEED);
      released = done;
    }
  }
  ::munmap(old, old_n * sizeof(Slot));
  slots_ = fresh;
  table_slots_ = new_n;
  grow_at_ = new_n < slot_count_ ? new_n / 2 : max_entries_;
}

size_t OffsetMap::find(const Slot* slots, size_t n, uint64_t h1, uint64_t h2) {
  // Linear probing; the load factor keeps an empty slot, so the walk ends.
  size_t i = home(h1, n);
  while (true) {
    const Slot& s = slots[i];
    if ((s.h1 == 0 && s.h2 == 0) || (s.h1 == h1 && s.h2 == h2)) return i;
    i = i + 1 == n ? 0 : i + 1;
  }
}

OffsetMap::KeyHash OffsetMap::hash(ByteSpan key) {
  KeyHash h;
  hash_key_128(key, &h.h1, &h.h2);
  return h;
}

void OffsetMap::prefetch(const KeyHash& key) const {
  if (slots_ != nullptr) __builtin_prefetch(&slots_[home(key.h1, table_slots_)]);
}

bool OffsetMap::put(const KeyHash& key, int64_t offset) {
  const uint64_t h1 = key.h1;
  const uint64_t h2 = key.h2;
  allocate();
  size_t i = find(slots_, table_slots_, h1, h2);
  bool fresh = slots_[i].h1 == 0 && slots_[i].h2 == 0;
  if (fresh && full()) return false;
  if (fresh && entries_ >= grow_at_) {
    grow();
    i = find(slots_, table_slots_, h1, h2);
  }
  if (fresh) ++entries_;
  slots_[i] = Slot{h1, h2, offset};
  latest_offset_ = std::max(latest_offset_, offset);
  return true;
}

std::optional<int64_t> OffsetMap::get(const KeyHash& key) const {
  if (slots_ == nullptr) return std::nullopt;
  const Slot& s = slots_[find(slots_, table_slots_, key.h1, key.h2)];
  if (s.h1 == 0 && s.h2 == 0) return std::nullopt;
  return s.offset;
}

void OffsetMap::clear() {
  // A fresh small table: the pages of the last pass's one go back, and the new one is zero.
  release();
  allocate();
}

}  // namespace eddy::log
