#include "common/crc32c.h"

#include <array>
#include <cstring>

namespace eddy::crc32c {
namespace {

constexpr uint32_t kPolyReflected = 0x82F63B78;

// Eight 256-entry tables for slicing-by-8, built at compile time.
constexpr std::array<std::array<uint32_t, 256>, 8> make_tables() {
  std::array<std::array<uint32_t, 256>, 8> t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ kPolyReflected : c >> 1;
    t[0][i] = c;
  }
  for (uint32_t i = 0; i < 256; ++i) {
    for (size_t s = 1; s < 8; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xFF];
  }
  return t;
}
constexpr auto kTables = make_tables();

#if defined(__x86_64__)
// One crc32 instruction has a latency of three cycles but a throughput of one per cycle, so a
// single dependent chain runs at a third of the hardware's speed. Long buffers are therefore cut
// into three lanes of kLane bytes checksummed in parallel, then joined: the register after A|B|C
// is shift(shift(a, |B|) ^ b, |C|) ^ c, where shift(x, n) is x advanced over n zero bytes, a
// linear map on the 32 bits of x that kShift tabulates byte by byte.
template <size_t kLane>
struct Lanes {
  std::array<std::array<uint32_t, 256>, 4> shift{};

  __attribute__((target("sse4.2"))) Lanes() {
    // The image of each single bit, then of each byte value by linearity.
    uint32_t bit_image[32];
    for (int i = 0; i < 32; ++i) {
      uint64_t c = uint32_t{1} << i;
      for (size_t n = 0; n < kLane; n += 8) c = __builtin_ia32_crc32di(c, 0);
      bit_image[i] = static_cast<uint32_t>(c);
    }
    for (int k = 0; k < 4; ++k) {
      for (uint32_t b = 0; b < 256; ++b) {
        uint32_t v = 0;
        for (int i = 0; i < 8; ++i) {
          if ((b >> i) & 1) v ^= bit_image[8 * k + i];
        }
        shift[k][b] = v;
      }
    }
  }

  uint32_t advance(uint32_t x) const {
    return shift[0][x & 0xFF] ^ shift[1][(x >> 8) & 0xFF] ^ shift[2][(x >> 16) & 0xFF] ^
           shift[3][x >> 24];
  }

  // Consumes as many whole 3 * kLane blocks as `n` holds.
  __attribute__((target("sse4.2"))) uint64_t run(uint64_t c, const uint8_t*& p, size_t& n) const {
    while (n >= 3 * kLane) {
      uint64_t a = c, b = 0, d = 0;
      for (size_t i = 0; i < kLane; i += 8) {
        uint64_t wa, wb, wd;
        std::memcpy(&wa, p + i, 8);
        std::memcpy(&wb, p + kLane + i, 8);
        std::memcpy(&wd, p + 2 * kLane + i, 8);
        a = __builtin_ia32_crc32di(a, wa);
        b = __builtin_ia32_crc32di(b, wb);
        d = __builtin_ia32_crc32di(d, wd);
      }
      c = advance(advance(static_cast<uint32_t>(a)) ^ static_cast<uint32_t>(b)) ^
          static_cast<uint32_t>(d);
      p += 3 * kLane;
      n -= 3 * kLane;
    }
    return c;
  }
};

__attribute__((target("sse4.2"))) uint32_t extend_sse42(uint32_t crc, const uint8_t* p, size_t n) {
  static const Lanes<4096> kLong;
  static const Lanes<256> kShort;
  uint64_t c = ~crc;
  while (n > 0 && (reinterpret_cast<uintptr_t>(p) & 7) != 0) {
    c = __builtin_ia32_crc32qi(static_cast<uint32_t>(c), *p++);
    --n;
  }
  c = kLong.run(c, p, n);
  c = kShort.run(c, p, n);
  while (n >= 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    c = __builtin_ia32_crc32di(c, word);
    p += 8;
    n -= 8;
  }
  while (n > 0) {
    c = __builtin_ia32_crc32qi(static_cast<uint32_t>(c), *p++);
    --n;
  }
  return ~static_cast<uint32_t>(c);
}

bool cpu_has_sse42() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("sse4.2");
}
#endif

using ExtendFn = uint32_t (*)(uint32_t, const uint8_t*, size_t);

ExtendFn choose() {
#if defined(__x86_64__)
  if (cpu_has_sse42()) return extend_sse42;
#endif
  return extend_portable;
}

const ExtendFn kExtend = choose();

}  // namespace

uint32_t extend_portable(uint32_t crc, const uint8_t* p, size_t n) {
  uint32_t c = ~crc;
  while (n >= 8) {
    uint32_t lo;
    uint32_t hi;
    std::memcpy(&lo, p, 4);
    std::memcpy(&hi, p + 4, 4);
    lo ^= c;  // little-endian hosts only, which is every host Eddy builds for
    c = kTables[7][lo & 0xFF] ^ kTables[6][(lo >> 8) & 0xFF] ^ kTables[5][(lo >> 16) & 0xFF] ^
        kTables[4][lo >> 24] ^ kTables[3][hi & 0xFF] ^ kTables[2][(hi >> 8) & 0xFF] ^
        kTables[1][(hi >> 16) & 0xFF] ^ kTables[0][hi >> 24];
    p += 8;
    n -= 8;
  }
  while (n-- > 0) c = kTables[0][(c ^ *p++) & 0xFF] ^ (c >> 8);
  return ~c;
}

uint32_t extend(uint32_t crc, const uint8_t* data, size_t n) { return kExtend(crc, data, n); }

const char* implementation() { return kExtend == extend_portable ? "portable" : "sse4.2"; }

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the portable CRC assumes little-endian");

}  // namespace eddy::crc32c
