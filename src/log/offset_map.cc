#include "log/offset_map.h"

#include <algorithm>
#include <cstring>

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

void OffsetMap::allocate() {
  if (slots_.empty()) slots_.assign(slot_count_, Slot{});
}

void OffsetMap::release() {
  std::vector<Slot>().swap(slots_);
  entries_ = 0;
  latest_offset_ = -1;
}

size_t OffsetMap::find(uint64_t h1, uint64_t h2) const {
  // Linear probing; the load factor keeps an empty slot, so the walk ends.
  size_t n = slots_.size();
  size_t i = static_cast<size_t>(h1 % n);
  while (true) {
    const Slot& s = slots_[i];
    if ((s.h1 == 0 && s.h2 == 0) || (s.h1 == h1 && s.h2 == h2)) return i;
    i = i + 1 == n ? 0 : i + 1;
  }
}

bool OffsetMap::put(ByteSpan key, int64_t offset) {
  uint64_t h1, h2;
  hash_key_128(key, &h1, &h2);
  allocate();
  Slot& s = slots_[find(h1, h2)];
  bool fresh = s.h1 == 0 && s.h2 == 0;
  if (fresh && full()) return false;
  if (fresh) ++entries_;
  s = Slot{h1, h2, offset};
  latest_offset_ = std::max(latest_offset_, offset);
  return true;
}

std::optional<int64_t> OffsetMap::get(ByteSpan key) const {
  if (slots_.empty()) return std::nullopt;
  uint64_t h1, h2;
  hash_key_128(key, &h1, &h2);
  const Slot& s = slots_[find(h1, h2)];
  if (s.h1 == 0 && s.h2 == 0) return std::nullopt;
  return s.offset;
}

void OffsetMap::clear() {
  if (slots_.empty()) {
    allocate();
  } else {
    std::fill(slots_.begin(), slots_.end(), Slot{});
  }
  entries_ = 0;
  latest_offset_ = -1;
}

}  // namespace eddy::log
