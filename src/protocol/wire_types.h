#pragma once
// Small value types that the generated message structs hold: Uuid, the unknown tagged fields of a
// flexible struct (kept so that a message we only pass through keeps every tag), FileSlice and
// Records, the payload of Produce and Fetch, which is either bytes we own or ranges of segment
// files that the broker sends with sendfile.

#include <array>
#include <cstdint>
#include <memory>
#include <variant>
#include <vector>

#include "common/bytes.h"

namespace eddy::protocol {

struct Uuid {
  std::array<uint8_t, 16> bytes{};

  bool is_zero() const {
    for (uint8_t b : bytes) {
      if (b != 0) return false;
    }
    return true;
  }
  bool operator==(const Uuid&) const = default;
};

// A tagged field whose tag this version does not know. Re-emitted unchanged on encode.
struct RawTaggedField {
  uint32_t tag = 0;
  Bytes data;
  bool operator==(const RawTaggedField&) const = default;
};
using UnknownTaggedFields = std::vector<RawTaggedField>;

// A range of an open file. keepalive holds whatever keeps fd open (a segment handle) until the
// bytes have been sent.
struct FileSlice {
  int fd = -1;
  uint64_t position = 0;
  uint32_t length = 0;
  std::shared_ptr<const void> keepalive;

  bool operator==(const FileSlice& o) const {
    return fd == o.fd && position == o.position && length == o.length;
  }
};

// The `records` field type: a record set whose size is known before encoding. Decoding always
// yields owned bytes; a broker building a Fetch response fills it with file slices instead.
class Records {
 public:
  Records() = default;
  explicit Records(Bytes bytes) : data_(std::move(bytes)) {}
  explicit Records(std::vector<FileSlice> slices) : data_(std::move(slices)) {}

  bool is_bytes() const { return std::holds_alternative<Bytes>(data_); }
  const Bytes& bytes() const { return std::get<Bytes>(data_); }
  Bytes& mutable_bytes() { return std::get<Bytes>(data_); }
  const std::vector<FileSlice>& slices() const { return std::get<std::vector<FileSlice>>(data_); }

  // Total bytes on the wire, without the length prefix.
  size_t size() const {
    if (is_bytes()) return bytes().size();
    size_t n = 0;
    for (const FileSlice& s : slices()) n += s.length;
    return n;
  }

  bool operator==(const Records&) const = default;

 private:
  std::variant<Bytes, std::vector<FileSlice>> data_;
};

}  // namespace eddy::protocol
