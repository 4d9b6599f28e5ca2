// A Reader that borrows records decodes a Produce request's record sets as views into the frame
// (the broker appends them in place) instead of copies; everything else decodes as before.
#include <gtest/gtest.h>

#include "protocol/generated/produce.h"
#include "protocol/reader.h"
#include "protocol/writer.h"

namespace eddy::protocol {
namespace {

constexpr int16_t kVersion = 9;  // flexible: compact records length

Bytes encoded_produce(const Bytes& records) {
  ProduceRequest req;
  req.acks = 1;
  req.timeout_ms = 1000;
  produce_request::TopicProduceData td;
  td.name = "orders";
  produce_request::PartitionProduceData pd;
  pd.index = 3;
  pd.records = Records(records);
  td.partition_data.push_back(std::move(pd));
  req.topic_data.push_back(std::move(td));
  Writer w(req.size(kVersion));
  req.encode(w, kVersion);
  return w.take_bytes();
}

TEST(BorrowedRecords, DecodeAsViewIntoTheBuffer) {
  const Bytes records(5000, 0x5a);
  Bytes frame = encoded_produce(records);
  Reader reader(frame);
  reader.borrow_records(frame);
  ProduceRequest req;
  req.decode(reader, kVersion);
  ASSERT_TRUE(reader.ok()) << reader.status().message();
  EXPECT_EQ(reader.remaining(), 0u);
  Records& got = *req.topic_data.at(0).partition_data.at(0).records;
  ASSERT_TRUE(got.in_memory());
  MutableByteSpan view = got.mutable_memory();
  ASSERT_EQ(view.size(), records.size());
  EXPECT_GE(view.data(), frame.data());
  EXPECT_LE(view.data() + view.size(), frame.data() + frame.size());
  // Writing through the view changes the frame itself: no copy was made.
  view[0] = 0x01;
  EXPECT_EQ(frame[static_cast<size_t>(view.data() - frame.data())], 0x01);
}

TEST(BorrowedRecords, EqualToAnOwnedDecodeAndReencodeTheSameBytes) {
  Bytes records(777);
  for (size_t i = 0; i < records.size(); ++i) records[i] = static_cast<uint8_t>(i);
  Bytes frame = encoded_produce(records);
  Reader owned_reader(frame);
  ProduceRequest owned;
  owned.decode(owned_reader, kVersion);
  Reader borrowing_reader(frame);
  borrowing_reader.borrow_records(frame);
  ProduceRequest borrowed;
  borrowed.decode(borrowing_reader, kVersion);
  ASSERT_TRUE(owned_reader.ok());
  ASSERT_TRUE(borrowing_reader.ok());
  EXPECT_TRUE(owned == borrowed);
  Writer w(borrowed.size(kVersion));
  borrowed.encode(w, kVersion);
  EXPECT_EQ(w.take_bytes(), frame);
}

TEST(BorrowedRecords, TruncatedRecordsFailWithoutAView) {
  Bytes frame = encoded_produce(Bytes(100, 0x11));
  frame.resize(frame.size() - 50);
  Reader reader(frame);
  reader.borrow_records(frame);
  ProduceRequest req;
  req.decode(reader, kVersion);
  EXPECT_FALSE(reader.ok());
}

TEST(BorrowedRecords, OnlyTheReadersOwnSpanCanBeBorrowed) {
  Bytes frame = encoded_produce(Bytes(10, 0x22));
  Bytes other = frame;
  Reader reader(frame);
  reader.borrow_records(other);
  EXPECT_FALSE(reader.borrows_records());
  reader.read_bytes_view(/*compact=*/true, /*nullable=*/false);
  EXPECT_FALSE(reader.ok());
}

}  // namespace
}  // namespace eddy::protocol
