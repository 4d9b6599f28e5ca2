#include "protocol/writer.h"

#include <gtest/gtest.h>

#include "protocol/framing.h"
#include "protocol/generated/fetch.h"

namespace eddy::protocol {
namespace {

TEST(Writer, ClassicAndCompactStrings) {
  Writer w;
  w.write_string("ab", /*compact=*/false);
  w.write_string("ab", /*compact=*/true);
  w.write_null_string(/*compact=*/false);
  w.write_null_string(/*compact=*/true);
  EXPECT_EQ(w.take_bytes(), (Bytes{0x00, 0x02, 'a', 'b', 0x03, 'a', 'b', 0xFF, 0xFF, 0x00}));
}

TEST(Writer, UnsignedVarintUsesSevenBitGroups) {
  Writer w;
  w.write_uvarint(300);
  EXPECT_EQ(w.take_bytes(), (Bytes{0xAC, 0x02}));
  EXPECT_EQ(Writer::uvarint_size(300), 2u);
}

TEST(Writer, FileSliceEndsTheOwnedChunk) {
  Writer w;
  w.write_int8(1);
  w.write_file_slice(FileSlice{7, 100, 50, nullptr});
  w.write_int8(2);
  EXPECT_EQ(w.size(), 52u);
  std::vector<Chunk> chunks = w.take_chunks();
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_EQ(std::get<Bytes>(chunks[0]), Bytes{1});
  EXPECT_EQ(std::get<FileSlice>(chunks[1]).position, 100u);
  EXPECT_EQ(std::get<Bytes>(chunks[2]), Bytes{2});
}

TEST(Writer, RecordsOfFileSlicesWriteTheirTotalLengthFirst) {
  Writer w;
  w.write_records(Records(std::vector<FileSlice>{{3, 0, 10, nullptr}, {3, 10, 20, nullptr}}),
                  /*compact=*/false);
  std::vector<Chunk> chunks = w.take_chunks();
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_EQ(std::get<Bytes>(chunks[0]), (Bytes{0, 0, 0, 30}));
  EXPECT_EQ(std::get<FileSlice>(chunks[1]).length, 10u);
  EXPECT_EQ(std::get<FileSlice>(chunks[2]).length, 20u);
}

// A Fetch response whose records are file slices: the frame length covers the slices, and the
// owned chunks plus the slices add up to exactly the frame.
TEST(Writer, FetchResponseFrameWithFileSlicesHasExactLength) {
  FetchResponse resp;
  auto& topic = resp.responses.emplace_back();
  topic.topic.assign(1, 't');
  auto& part = topic.partitions.emplace_back();
  part.records = Records(std::vector<FileSlice>{{5, 4096, 1000, nullptr}});
  for (int16_t version : {4, 11, 12, 16}) {
    std::vector<Chunk> frame = encode_response_frame(42, resp, version);
    size_t total = 0;
    for (const Chunk& c : frame) {
      total += std::holds_alternative<Bytes>(c) ? std::get<Bytes>(c).size()
                                                : std::get<FileSlice>(c).length;
    }
    ASSERT_FALSE(frame.empty());
    const Bytes& head = std::get<Bytes>(frame.front());
    EXPECT_EQ(static_cast<size_t>(load_be_i32(head.data())) + 4, total) << "v" << version;
    EXPECT_EQ(load_be_i32(head.data() + 4), 42);
  }
}

}  // namespace
}  // namespace eddy::protocol
