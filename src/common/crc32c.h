#pragma once
// CRC-32C (Castagnoli), the checksum of Kafka's v2 record batches. Uses the SSE4.2 crc32
// instruction when the CPU has it, else a portable slicing-by-8 table.

#include <cstddef>
#include <cstdint>
#include <span>

namespace eddy::crc32c {

// Extends `crc` (the value of a previous call, or 0 to start) over `data`.
uint32_t extend(uint32_t crc, const uint8_t* data, size_t n);

inline uint32_t value(const uint8_t* data, size_t n) { return extend(0, data, n); }
inline uint32_t value(std::span<const uint8_t> data) { return extend(0, data.data(), data.size()); }

// Which implementation `extend` uses on this machine: "sse4.2" or "portable".
const char* implementation();

// Exposed for tests and benchmarks: the portable path, whatever the CPU.
uint32_t extend_portable(uint32_t crc, const uint8_t* data, size_t n);

}  // namespace eddy::crc32c
