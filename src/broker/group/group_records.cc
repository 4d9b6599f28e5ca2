#include "broker/group/group_records.h"

#include <limits>

namespace eddy::group {

namespace {

// Writer and reader for the non-flexible (classic) Kafka encodings the record schemas use.
void put_i16(Bytes& out, int16_t v) { append_be16(out, static_cast<uint16_t>(v)); }
void put_i32(Bytes& out, int32_t v) { append_be32(out, static_cast<uint32_t>(v)); }
void put_i64(Bytes& out, int64_t v) { append_be64(out, static_cast<uint64_t>(v)); }
void put_string(Bytes& out, std::string_view s) {
  // Group ids, topics and metadata are bounded well below 32 KiB by the handlers.
  put_i16(out, static_cast<int16_t>(s.size()));
  out.insert(out.end(), s.begin(), s.end());
}
void put_nullable_string(Bytes& out, const std::optional<std::string>& s) {
  if (!s) {
    put_i16(out, -1);
    return;
  }
  put_string(out, *s);
}
void put_bytes(Bytes& out, const Bytes& b) {
  put_i32(out, static_cast<int32_t>(b.size()));
  out.insert(out.end(), b.begin(), b.end());
}

class Reader {
 public:
  explicit Reader(ByteSpan b) : b_(b) {}
  size_t remaining() const { return b_.size() - pos_; }

  Result<int16_t> i16() {
    EDDY_RETURN_IF_ERROR(need(2));
    int16_t v = load_be_i16(b_.data() + pos_);
    pos_ += 2;
    return v;
  }
  Result<int32_t> i32() {
    EDDY_RETURN_IF_ERROR(need(4));
    int32_t v = load_be_i32(b_.data() + pos_);
    pos_ += 4;
    return v;
  }
  Result<int64_t> i64() {
    EDDY_RETURN_IF_ERROR(need(8));
    int64_t v = load_be_i64(b_.data() + pos_);
    pos_ += 8;
    return v;
  }
  Result<std::optional<std::string>> nullable_string() {
    EDDY_ASSIGN_OR_RETURN(int16_t len, i16());
    if (len < 0) return std::optional<std::string>();
    EDDY_RETURN_IF_ERROR(need(static_cast<size_t>(len)));
    std::string s(reinterpret_cast<const char*>(b_.data() + pos_), static_cast<size_t>(len));
    pos_ += static_cast<size_t>(len);
    return std::optional<std::string>(std::move(s));
  }
  Result<std::string> string() {
    EDDY_ASSIGN_OR_RETURN(auto s, nullable_string());
    if (!s) return corruption("null where a string is required");
    return std::move(*s);
  }
  Result<Bytes> bytes() {
    EDDY_ASSIGN_OR_RETURN(int32_t len, i32());
    if (len < 0) return Bytes{};
    EDDY_RETURN_IF_ERROR(need(static_cast<size_t>(len)));
    Bytes v(b_.begin() + static_cast<std::ptrdiff_t>(pos_),
            b_.begin() + static_cast<std::ptrdiff_t>(pos_ + static_cast<size_t>(len)));
    pos_ += static_cast<size_t>(len);
    return v;
  }
  // An array count, checked against the bytes left: every element takes at least min_size bytes.
  Result<size_t> count(size_t min_size) {
    EDDY_ASSIGN_OR_RETURN(int32_t n, i32());
    if (n < 0) return size_t{0};
    if (static_cast<size_t>(n) > remaining() / min_size) {
      return corruption("array count " + std::to_string(n) + " exceeds the bytes remaining");
    }
    return static_cast<size_t>(n);
  }

 private:
  Status need(size_t n) const {
    if (remaining() < n) return corruption("record truncated");
    return Status::ok();
  }
  ByteSpan b_;
  size_t pos_ = 0;
};

}  // namespace

int32_t java_string_hash(std::string_view utf8) {
  // Java: h = 31 * h + c over UTF-16 code units, with int32 wrap-around.
  uint32_t h = 0;
  auto mix = [&h](uint32_t unit) { h = 31 * h + unit; };
  size_t i = 0;
  while (i < utf8.size()) {
    auto c = static_cast<uint8_t>(utf8[i]);
    uint32_t cp = c;
    size_t len = 1;
    size_t left = utf8.size() - i;
    if (c >= 0xF0 && left >= 4) {
      cp = ((c & 0x07u) << 18) | ((static_cast<uint8_t>(utf8[i + 1]) & 0x3Fu) << 12) |
           ((static_cast<uint8_t>(utf8[i + 2]) & 0x3Fu) << 6) |
           (static_cast<uint8_t>(utf8[i + 3]) & 0x3Fu);
      len = 4;
    } else if (c >= 0xE0 && left >= 3) {
      cp = ((c & 0x0Fu) << 12) | ((static_cast<uint8_t>(utf8[i + 1]) & 0x3Fu) << 6) |
           (static_cast<uint8_t>(utf8[i + 2]) & 0x3Fu);
      len = 3;
    } else if (c >= 0xC0 && left >= 2) {
      cp = ((c & 0x1Fu) << 6) | (static_cast<uint8_t>(utf8[i + 1]) & 0x3Fu);
      len = 2;
    }
    if (cp >= 0x10000) {
      cp -= 0x10000;
      mix(0xD800 + (cp >> 10));
      mix(0xDC00 + (cp & 0x3FF));
    } else {
      mix(cp);
    }
    i += len;
  }
  return static_cast<int32_t>(h);
}

int32_t partition_for_group(std::string_view group_id, int32_t num_partitions) {
  int32_t h = java_string_hash(group_id);
  // Kafka's Utils.abs maps Integer.MIN_VALUE to 0 rather than overflowing.
  int32_t a = h == std::numeric_limits<int32_t>::min() ? 0 : (h < 0 ? -h : h);
  return num_partitions > 0 ? a % num_partitions : 0;
}

Bytes encode_key(const OffsetCommitKey& key) {
  Bytes out;
  out.reserve(2 + 2 + key.group.size() + 2 + key.topic.size() + 4);
  put_i16(out, kOffsetCommitKeyVersion);
  put_string(out, key.group);
  put_string(out, key.topic);
  put_i32(out, key.partition);
  return out;
}

Bytes encode_key(const GroupMetadataKey& key) {
  Bytes out;
  put_i16(out, kGroupMetadataKeyVersion);
  put_string(out, key.group);
  return out;
}

Bytes encode_value(const OffsetCommitValue& value) {
  Bytes out;
  out.reserve(2 + 8 + 4 + 2 + value.metadata.size() + 8);
  put_i16(out, kOffsetCommitValueVersion);
  put_i64(out, value.offset);
  put_i32(out, value.leader_epoch);
  put_string(out, value.metadata);
  put_i64(out, value.commit_timestamp_ms);
  return out;
}

Bytes encode_value(const GroupMetadataValue& value) {
  Bytes out;
  put_i16(out, kGroupMetadataValueVersion);
  put_string(out, value.protocol_type);
  put_i32(out, value.generation);
  put_nullable_string(out, value.protocol);
  put_nullable_string(out, value.leader);
  put_i64(out, value.current_state_timestamp_ms);
  put_i32(out, static_cast<int32_t>(value.members.size()));
  for (const MemberMetadataRecord& m : value.members) {
    put_string(out, m.member_id);
    put_nullable_string(out, m.group_instance_id);
    put_string(out, m.client_id);
    put_string(out, m.client_host);
    put_i32(out, m.rebalance_timeout_ms);
    put_i32(out, m.session_timeout_ms);
    put_bytes(out, m.subscription);
    put_bytes(out, m.assignment);
  }
  return out;
}

Result<CoordinatorKey> decode_key(ByteSpan bytes) {
  Reader r(bytes);
  EDDY_ASSIGN_OR_RETURN(int16_t version, r.i16());
  if (version == 0 || version == 1) {
    OffsetCommitKey key;
    EDDY_ASSIGN_OR_RETURN(key.group, r.string());
    EDDY_ASSIGN_OR_RETURN(key.topic, r.string());
    EDDY_ASSIGN_OR_RETURN(key.partition, r.i32());
    return CoordinatorKey(std::move(key));
  }
  if (version == 2) {
    GroupMetadataKey key;
    EDDY_ASSIGN_OR_RETURN(key.group, r.string());
    return CoordinatorKey(std::move(key));
  }
  return unsupported("__consumer_offsets key version " + std::to_string(version));
}

Result<OffsetCommitValue> decode_offset_commit_value(ByteSpan bytes) {
  Reader r(bytes);
  EDDY_ASSIGN_OR_RETURN(int16_t version, r.i16());
  if (version < 0 || version > 3) {
    return unsupported("OffsetCommitValue version " + std::to_string(version));
  }
  OffsetCommitValue v;
  EDDY_ASSIGN_OR_RETURN(v.offset, r.i64());
  if (version >= 3) {
    EDDY_ASSIGN_OR_RETURN(v.leader_epoch, r.i32());
  }
  EDDY_ASSIGN_OR_RETURN(v.metadata, r.string());
  EDDY_ASSIGN_OR_RETURN(v.commit_timestamp_ms, r.i64());
  if (version == 1) {
    EDDY_ASSIGN_OR_RETURN(v.expire_timestamp_ms, r.i64());
  }
  return v;
}

Result<GroupMetadataValue> decode_group_metadata_value(ByteSpan bytes) {
  Reader r(bytes);
  EDDY_ASSIGN_OR_RETURN(int16_t version, r.i16());
  if (version < 0 || version > 3) {
    return unsupported("GroupMetadataValue version " + std::to_string(version));
  }
  GroupMetadataValue v;
  EDDY_ASSIGN_OR_RETURN(v.protocol_type, r.string());
  EDDY_ASSIGN_OR_RETURN(v.generation, r.i32());
  EDDY_ASSIGN_OR_RETURN(v.protocol, r.nullable_string());
  EDDY_ASSIGN_OR_RETURN(v.leader, r.nullable_string());
  if (version >= 2) {
    EDDY_ASSIGN_OR_RETURN(v.current_state_timestamp_ms, r.i64());
  }
  // The smallest member: three empty strings, a null instance id, two int32s, two empty bytes.
  constexpr size_t kMinMemberSize = 2 + 2 + 2 + 2 + 4 + 4 + 4 + 4;
  EDDY_ASSIGN_OR_RETURN(size_t n, r.count(kMinMemberSize));
  v.members.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    MemberMetadataRecord m;
    EDDY_ASSIGN_OR_RETURN(m.member_id, r.string());
    if (version >= 3) {
      EDDY_ASSIGN_OR_RETURN(m.group_instance_id, r.nullable_string());
    }
    EDDY_ASSIGN_OR_RETURN(m.client_id, r.string());
    EDDY_ASSIGN_OR_RETURN(m.client_host, r.string());
    if (version >= 1) {
      EDDY_ASSIGN_OR_RETURN(m.rebalance_timeout_ms, r.i32());
    }
    EDDY_ASSIGN_OR_RETURN(m.session_timeout_ms, r.i32());
    if (version == 0) m.rebalance_timeout_ms = m.session_timeout_ms;
    EDDY_ASSIGN_OR_RETURN(m.subscription, r.bytes());
    EDDY_ASSIGN_OR_RETURN(m.assignment, r.bytes());
    v.members.push_back(std::move(m));
  }
  return v;
}

Result<std::vector<std::string>> decode_subscription_topics(ByteSpan bytes) {
  Reader r(bytes);
  EDDY_ASSIGN_OR_RETURN(int16_t version, r.i16());
  if (version < 0) return corruption("negative subscription version");
  EDDY_ASSIGN_OR_RETURN(size_t n, r.count(2));
  std::vector<std::string> topics;
  topics.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    EDDY_ASSIGN_OR_RETURN(std::string t, r.string());
    topics.push_back(std::move(t));
  }
  return topics;
}

}  // namespace eddy::group
