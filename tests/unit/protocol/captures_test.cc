// Golden bytes from real clients (tests/data/captures, see the README there): every request that
// librdkafka, confluent-kafka, kafka-python and kafkajs sent, and every answer of librdkafka's mock
// broker, decodes with the generated structs, consumes every byte, and re-encodes to the same
// bytes.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "protocol/api.h"
#include "protocol/errors.h"
#include "protocol/generated/dispatch.h"
#include "protocol/headers.h"

namespace eddy::protocol {
namespace {

struct Frame {
  bool request = true;
  int16_t api_key = 0;  // responses: from the matching request
  int16_t api_version = 0;
  Bytes bytes;  // header + body, no size prefix
  std::string where;
};

Bytes from_hex(const std::string& hex) {
  Bytes out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

std::vector<Frame> load(const std::filesystem::path& path) {
  std::vector<Frame> frames;
  std::ifstream in(path);
  std::string line;
  int lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    std::istringstream s(line);
    std::string kind;
    s >> kind;
    Frame f;
    f.where = path.filename().string() + ":" + std::to_string(lineno);
    std::string hex;
    if (kind == "request") {
      s >> hex;
      f.bytes = from_hex(hex);
      if (f.bytes.size() >= 4) {
        f.api_key = load_be_i16(f.bytes.data());
        f.api_version = load_be_i16(f.bytes.data() + 2);
      }
    } else if (kind == "response") {
      f.request = false;
      s >> f.api_key >> f.api_version >> hex;
      f.bytes = from_hex(hex);
    } else {
      continue;
    }
    frames.push_back(std::move(f));
  }
  return frames;
}

std::vector<std::filesystem::path> capture_files() {
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(EDDY_CAPTURES_DIR)) {
    if (e.path().extension() == ".cap") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

template <typename Body>
Bytes encode_body(const Body& body, int16_t version) {
  return std::visit(
      [&](const auto& m) {
        Writer w;
        m.encode(w, version);
        return w.take_bytes();
      },
      body);
}

void check_request(const Frame& f) {
  SCOPED_TRACE(f.where);
  Reader r(f.bytes);
  auto header = decode_request_header(r);
  ASSERT_TRUE(header.is_ok()) << header.status().to_string();
  auto body = decode_request(header->api_key, header->api_version, r.rest());
  ASSERT_TRUE(body.is_ok()) << body.status().to_string();

  Writer w;
  header->encode(w, *request_header_version(header->api_key, header->api_version));
  Bytes again = w.take_bytes();
  Bytes b = encode_body(*body, header->api_version);
  again.insert(again.end(), b.begin(), b.end());
  EXPECT_EQ(again, f.bytes);
}

// librdkafka's mock answers an ApiVersions request of a version it does not support with a body
// that is neither the v0 layout Kafka uses for that case nor the request's version; real clients
// read only its error code and retry lower.
bool is_unsupported_api_versions_answer(const Frame& f) {
  return f.api_key == static_cast<int16_t>(ApiKey::kApiVersions) && f.bytes.size() >= 6 &&
         load_be_i16(f.bytes.data() + 4) == to_int(ErrorCode::kUnsupportedVersion);
}

void check_response(const Frame& f) {
  SCOPED_TRACE(f.where);
  int16_t header_version = response_header_version(f.api_key, f.api_version);
  Reader r(f.bytes);
  ResponseHeader header;
  header.decode(r, header_version);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  auto body = decode_response(f.api_key, f.api_version, r.rest());
  ASSERT_TRUE(body.is_ok()) << body.status().to_string();

  Writer w;
  header.encode(w, header_version);
  Bytes again = w.take_bytes();
  Bytes b = encode_body(*body, f.api_version);
  again.insert(again.end(), b.begin(), b.end());
  EXPECT_EQ(again, f.bytes);
}

TEST(Captures, EveryClientRequestDecodesAndReencodesByteForByte) {
  auto files = capture_files();
  ASSERT_GE(files.size(), 10u);
  std::set<std::pair<int16_t, int16_t>> seen;
  for (const auto& path : files) {
    auto frames = load(path);
    size_t requests = 0;
    for (const Frame& f : frames) {
      if (!f.request) continue;
      ++requests;
      seen.insert({f.api_key, f.api_version});
      check_request(f);
    }
    EXPECT_GT(requests, 0u) << path;
  }
  // The APIs the clients on these machines actually use.
  for (int16_t key : {0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 18, 22}) {
    bool any = false;
    for (const auto& kv : seen) any = any || kv.first == key;
    EXPECT_TRUE(any) << "no capture of api key " << key;
  }
}

TEST(Captures, EveryMockBrokerResponseDecodesAndReencodesByteForByte) {
  size_t checked = 0;
  for (const auto& path : capture_files()) {
    for (const Frame& f : load(path)) {
      if (f.request || is_unsupported_api_versions_answer(f)) continue;
      ++checked;
      check_response(f);
    }
  }
  EXPECT_GT(checked, 50u);
}

// Each librdkafka produce capture carries record batches compressed with the codec its name says.
TEST(Captures, LibrdkafkaProduceCapturesCoverEveryCodec) {
  const std::pair<const char*, int> codecs[] = {
      {"none", 0}, {"gzip", 1}, {"snappy", 2}, {"lz4", 3}, {"zstd", 4}};
  for (const auto& [name, codec] : codecs) {
    auto path = std::filesystem::path(EDDY_CAPTURES_DIR) /
                (std::string("librdkafka_produce_") + name + ".cap");
    bool found = false;
    for (const Frame& f : load(path)) {
      if (!f.request || f.api_key != 0) continue;
      Reader r(f.bytes);
      auto header = decode_request_header(r);
      ASSERT_TRUE(header.is_ok());
      auto body = decode_request(0, header->api_version, r.rest());
      ASSERT_TRUE(body.is_ok());
      const auto& produce = std::get<ProduceRequest>(*body);
      ASSERT_FALSE(produce.topic_data.empty());
      const auto& records = produce.topic_data[0].partition_data[0].records;
      ASSERT_TRUE(records.has_value());
      ASSERT_GE(records->size(), 61u);
      EXPECT_EQ(load_be_i16(records->memory().data() + 21) & 0x7, codec) << name;
      found = true;
    }
    EXPECT_TRUE(found) << name;
  }
}

}  // namespace
}  // namespace eddy::protocol
