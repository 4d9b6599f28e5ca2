#include "broker/group/group_records.h"

#include <gtest/gtest.h>

namespace eddy::group {
namespace {

TEST(GroupRecords, OffsetCommitKeyAndValueRoundTrip) {
  OffsetCommitKey key{"orders-app", "orders", 7};
  auto k = decode_key(encode_key(key));
  ASSERT_TRUE(k.is_ok()) << k.status().to_string();
  EXPECT_EQ(std::get<OffsetCommitKey>(*k), key);

  OffsetCommitValue value{1234, 5, "checkpoint-a", 1'700'000'000'000, -1};
  auto v = decode_offset_commit_value(encode_value(value));
  ASSERT_TRUE(v.is_ok()) << v.status().to_string();
  EXPECT_EQ(*v, value);
}

TEST(GroupRecords, OffsetCommitKeyLayoutIsKafkas) {
  Bytes b = encode_key(OffsetCommitKey{"g", "t", 2});
  // version 1, "g", "t", partition 2
  Bytes want = {0, 1, 0, 1, 'g', 0, 1, 't', 0, 0, 0, 2};
  EXPECT_EQ(b, want);
}

TEST(GroupRecords, OffsetCommitValueV1CarriesExpireTimestamp) {
  Bytes b;
  append_be16(b, 1);
  append_be64(b, 42);  // offset
  append_be16(b, 2);   // metadata "md"
  b.push_back('m');
  b.push_back('d');
  append_be64(b, 1000);  // commit timestamp
  append_be64(b, 2000);  // expire timestamp
  auto v = decode_offset_commit_value(b);
  ASSERT_TRUE(v.is_ok());
  EXPECT_EQ(v->offset, 42);
  EXPECT_EQ(v->leader_epoch, -1);
  EXPECT_EQ(v->metadata, "md");
  EXPECT_EQ(v->commit_timestamp_ms, 1000);
  EXPECT_EQ(v->expire_timestamp_ms, 2000);
}

TEST(GroupRecords, GroupMetadataValueRoundTripsWithStaticMember) {
  GroupMetadataValue value;
  value.protocol_type = "consumer";
  value.generation = 3;
  value.protocol = "range";
  value.leader = "c-1";
  value.current_state_timestamp_ms = 99;
  value.members.push_back(
      MemberMetadataRecord{"c-1", std::nullopt, "client", "/127.0.0.1", 300, 10, {1, 2}, {3}});
  value.members.push_back(MemberMetadataRecord{
      "c-2", std::string("instance-2"), "client", "/127.0.0.1", 300, 10, {}, {4, 5, 6}});
  auto k = decode_key(encode_key(GroupMetadataKey{"g"}));
  ASSERT_TRUE(k.is_ok());
  EXPECT_EQ(std::get<GroupMetadataKey>(*k).group, "g");
  auto v = decode_group_metadata_value(encode_value(value));
  ASSERT_TRUE(v.is_ok()) << v.status().to_string();
  EXPECT_EQ(*v, value);
}

TEST(GroupRecords, TruncatedGroupMetadataValueIsCorruption) {
  GroupMetadataValue value;
  value.protocol_type = "consumer";
  value.members.push_back(MemberMetadataRecord{"m", std::nullopt, "c", "h", 1, 1, {1}, {2}});
  Bytes b = encode_value(value);
  b.resize(b.size() - 1);
  auto v = decode_group_metadata_value(b);
  ASSERT_FALSE(v.is_ok());
  EXPECT_EQ(v.status().code(), StatusCode::kCorruption);
}

TEST(GroupRecords, MemberCountBeyondTheBytesIsRejectedBeforeAllocating) {
  Bytes b;
  append_be16(b, 3);
  append_be16(b, 0);           // protocol type ""
  append_be32(b, 1);           // generation
  append_be16(b, 0xFFFF);      // protocol null
  append_be16(b, 0xFFFF);      // leader null
  append_be64(b, 0);           // state timestamp
  append_be32(b, 0x7FFFFFFF);  // members: far more than the bytes left
  auto v = decode_group_metadata_value(b);
  ASSERT_FALSE(v.is_ok());
  EXPECT_EQ(v.status().code(), StatusCode::kCorruption);
}

TEST(GroupRecords, UnknownKeyVersionIsUnsupported) {
  Bytes b = {0, 9, 0, 0};
  auto k = decode_key(b);
  ASSERT_FALSE(k.is_ok());
  EXPECT_EQ(k.status().code(), StatusCode::kUnsupported);
}

TEST(GroupRecords, PartitionForGroupMatchesJavaStringHashCode) {
  EXPECT_EQ(java_string_hash("hello"), 99162322);
  EXPECT_EQ(java_string_hash("my-group"), -1906497762);
  EXPECT_EQ(partition_for_group("hello", 50), 22);
  EXPECT_EQ(partition_for_group("my-group", 50), 12);
  // Java hashes UTF-16 code units: U+00E9 is one unit, U+1F600 a surrogate pair.
  EXPECT_EQ(java_string_hash("\xC3\xA9"), 233);
  EXPECT_EQ(java_string_hash("\xF0\x9F\x98\x80"), 1772899);
  EXPECT_EQ(partition_for_group("test-group-\xCE\xA9", 50), 24);
}

TEST(GroupRecords, HashOfIntegerMinValueMapsToPartitionZero) {
  EXPECT_EQ(java_string_hash("polygenelubricants"), INT32_MIN);
  EXPECT_EQ(partition_for_group("polygenelubricants", 50), 0);
}

TEST(GroupRecords, SubscriptionTopicsAreDecoded) {
  Bytes b;
  append_be16(b, 1);
  append_be32(b, 2);
  append_be16(b, 1);
  b.push_back('a');
  append_be16(b, 2);
  b.push_back('b');
  b.push_back('c');
  append_be32(b, 0xFFFFFFFF);  // user data null; the rest of v1 is not needed
  auto topics = decode_subscription_topics(b);
  ASSERT_TRUE(topics.is_ok());
  EXPECT_EQ(*topics, (std::vector<std::string>{"a", "bc"}));
}

}  // namespace
}  // namespace eddy::group
