// Window specifications (Kafka's TimeWindows, SessionWindows, JoinWindows) and windowed keys.
// All times are event times in milliseconds from the record timestamps (or an extractor).
#pragma once

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "eddy/streams/serde.h"

namespace eddy::streams {

using std::chrono::milliseconds;

// A window [start, end): start inclusive, end exclusive for time windows; session windows are
// [start, end] with both ends being record timestamps.
struct Window {
  int64_t start_ms = 0;
  int64_t end_ms = 0;
  auto operator<=>(const Window&) const = default;
};

template <class K>
struct Windowed {
  K key;
  Window window;
  auto operator<=>(const Windowed&) const = default;
};

// Tumbling (advance == size) or hopping (advance < size) windows aligned to the epoch.
struct TimeWindows {
  int64_t size_ms = 0;
  int64_t advance_ms = 0;
  int64_t grace_ms = 0;

  static TimeWindows ofSizeWithNoGrace(milliseconds size) { return ofSizeAndGrace(size, {}); }
  static TimeWindows ofSizeAndGrace(milliseconds size, milliseconds grace) {
    if (size.count() <= 0) throw std::invalid_argument("window size must be > 0");
    if (grace.count() < 0) throw std::invalid_argument("grace must be >= 0");
    return {size.count(), size.count(), grace.count()};
  }
  TimeWindows advanceBy(milliseconds advance) const {
    if (advance.count() <= 0 || advance.count() > size_ms) {
      throw std::invalid_argument("advance must be > 0 and <= the window size");
    }
    return {size_ms, advance.count(), grace_ms};
  }
  // The windows containing `timestamp_ms`, by start (Kafka's TimeWindows.windowsFor).
  std::vector<Window> windowsFor(int64_t timestamp_ms) const {
    std::vector<Window> out;
    int64_t start =
        std::max<int64_t>(0, timestamp_ms - size_ms + advance_ms) / advance_ms * advance_ms;
    for (; start <= timestamp_ms; start += advance_ms) out.push_back({start, start + size_ms});
    return out;
  }
};

// Sessions: records of a key less than `gap` apart share a session.
struct SessionWindows {
  int64_t gap_ms = 0;
  int64_t grace_ms = 0;
  static SessionWindows ofInactivityGapWithNoGrace(milliseconds gap) {
    return ofInactivityGapAndGrace(gap, {});
  }
  static SessionWindows ofInactivityGapAndGrace(milliseconds gap, milliseconds grace) {
    if (gap.count() <= 0) throw std::invalid_argument("inactivity gap must be > 0");
    if (grace.count() < 0) throw std::invalid_argument("grace must be >= 0");
    return {gap.count(), grace.count()};
  }
};

// Sliding windows: the windows [t - d, t] and [t + 1, t + 1 + d] (both ends inclusive) defined by
// the records' own timestamps t; a window exists only if it holds a record (Kafka's
// SlidingWindows; Kafka folds records earlier than d into [0, d], Eddy keeps [t - d, t]).
struct SlidingWindows {
  int64_t time_difference_ms = 0;
  int64_t grace_ms = 0;
  static SlidingWindows ofTimeDifferenceWithNoGrace(milliseconds d) {
    return ofTimeDifferenceAndGrace(d, {});
  }
  static SlidingWindows ofTimeDifferenceAndGrace(milliseconds d, milliseconds grace) {
    if (d.count() <= 0) throw std::invalid_argument("time difference must be > 0");
    if (grace.count() < 0) throw std::invalid_argument("grace must be >= 0");
    return {d.count(), grace.count()};
  }
};

// Two records join when |t1 - t2| <= the time difference.
struct JoinWindows {
  int64_t before_ms = 0;
  int64_t after_ms = 0;
  int64_t grace_ms = 0;
  static JoinWindows ofTimeDifferenceWithNoGrace(milliseconds d) {
    return ofTimeDifferenceAndGrace(d, {});
  }
  static JoinWindows ofTimeDifferenceAndGrace(milliseconds d, milliseconds grace) {
    if (d.count() < 0) throw std::invalid_argument("time difference must be >= 0");
    return {d.count(), d.count(), grace.count()};
  }
};

// Windowed keys on the wire: [key][u64 end][u64 start] big-endian, Kafka's session-windowed
// layout, which also carries a time window.
template <class K>
Serde<Windowed<K>> windowedSerde(const Serde<K>& inner) {
  if (!inner) return {};
  auto put = [](std::string& s, int64_t v) {
    for (int i = 7; i >= 0; --i) s.push_back(char(uint64_t(v) >> (8 * i)));
  };
  auto get = [](std::string_view b) {
    uint64_t u = 0;
    for (int i = 0; i < 8; ++i) u = (u << 8) | uint8_t(b[i]);
    return int64_t(u);
  };
  return {[ser = inner.serializer, put](const Windowed<K>& w) {
            std::string out = ser(w.key);
            put(out, w.window.end_ms);
            put(out, w.window.start_ms);
            return out;
          },
          [de = inner.deserializer, get](std::string_view b) {
            if (b.size() < 16) throw SerializationError("windowed key shorter than 16 bytes");
            size_t n = b.size() - 16;
            return Windowed<K>{de(b.substr(0, n)), Window{get(b.substr(n + 8)), get(b.substr(n))}};
          }};
}

template <class K>
struct DefaultSerde<Windowed<K>> {
  static Serde<Windowed<K>> get() { return windowedSerde(DefaultSerde<K>::get()); }
};

}  // namespace eddy::streams
