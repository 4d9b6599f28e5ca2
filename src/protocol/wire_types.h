#pragma once
// Small value types that the generated message structs hold: the unknown tagged fields of a
// flexible struct (kept so that a message we only pass through keeps every tag), FileSlice and
// Records, the payload of Produce and Fetch, which is bytes in memory or ranges of segment files
// that the broker sends with sendfile. Uuid fields are eddy::Uuid (common/uuid.h), the one type
// the metadata and the broker use too.

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <variant>
#include <vector>

#include "common/bytes.h"
#include "common/uuid.h"

namespace eddy::protocol {

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

// The `records` field type: a record set whose size is known before encoding. Decoding yields
// owned bytes, or, from a Reader that borrows records, a view into the buffer being decoded (the
// caller keeps that buffer alive and lets the message modify it: Produce assigns offsets in
// place). A broker building a Fetch response fills it with file slices instead.
class Records {
 public:
  Records() = default;
  explicit Records(Bytes bytes) : data_(std::move(bytes)) {}
  explicit Records(std::vector<FileSlice> slices) : data_(std::move(slices)) {}
  explicit Records(MutableByteSpan view) : data_(view) {}

  // Bytes in memory (owned or borrowed), as opposed to file slices.
  bool in_memory() const { return !std::holds_alternative<std::vector<FileSlice>>(data_); }
  ByteSpan memory() const {
    if (const Bytes* b = std::get_if<Bytes>(&data_)) return ByteSpan(*b);
    return std::get<MutableByteSpan>(data_);
  }
  MutableByteSpan mutable_memory() {
    if (Bytes* b = std::get_if<Bytes>(&data_)) return MutableByteSpan(*b);
    return std::get<MutableByteSpan>(data_);
  }
  const std::vector<FileSlice>& slices() const { return std::get<std::vector<FileSlice>>(data_); }

  // Total bytes on the wire, without the length prefix.
  size_t size() const {
    if (in_memory()) return memory().size();
    size_t n = 0;
    for (const FileSlice& s : slices()) n += s.length;
    return n;
  }

  // Same bytes (owned and borrowed compare by content) or the same file ranges.
  bool operator==(const Records& o) const {
    if (in_memory() != o.in_memory()) return false;
    if (!in_memory()) return slices() == o.slices();
    ByteSpan a = memory();
    ByteSpan b = o.memory();
    return std::equal(a.begin(), a.end(), b.begin(), b.end());
  }

 private:
  std::variant<Bytes, std::vector<FileSlice>, MutableByteSpan> data_;
};

}  // namespace eddy::protocol
