#include "cli/app/cleaner_dirty_ratio.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdlib>

#include "protocol/generated/describe_configs.h"

namespace eddy::cli {

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;

constexpr auto kHttpTimeout = std::chrono::seconds(5);
// A broker's exposition is a few hundred KiB with many partitions; more is not a metrics page.
constexpr uint64_t kMaxBodyBytes = 64ull << 20;

// The body of GET `path` from host:port, or nullopt on any failure (refused, not 200, or no
// whole answer within kHttpTimeout). Asynchronous operations run for at most the timeout: a
// blocking Beast call would not honour a stream's expiry, and a listener that accepts but never
// answers would hang the describe.
std::optional<std::string> http_get(const std::string& host, uint16_t port,
                                    const std::string& path) {
  try {
    asio::io_context io;
    asio::ip::tcp::resolver resolver(io);
    beast::tcp_stream stream(io);
    http::request<http::empty_body> req{http::verb::get, path, 11};
    req.set(http::field::host, host);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(kMaxBodyBytes);
    bool done = false;
    stream.expires_after(kHttpTimeout);
    resolver.async_resolve(host, std::to_string(port), [&](beast::error_code ec, auto results) {
      if (ec) return;
      stream.async_connect(results, [&](beast::error_code ec2, auto) {
        if (ec2) return;
        http::async_write(stream, req, [&](beast::error_code ec3, size_t) {
          if (ec3) return;
          http::async_read(stream, buffer, parser,
                           [&](beast::error_code ec4, size_t) { done = !ec4; });
        });
      });
    });
    io.run_for(kHttpTimeout);
    if (!done || parser.get().result() != http::status::ok) return std::nullopt;
    return parser.get().body();
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// The value of label `label` in a sample's label set `{a="x",b="y"}`, empty when absent. Topic
// names and partition numbers never hold a quote or a backslash, so no unescaping is needed.
std::string label_value(std::string_view labels, std::string_view label) {
  std::string key = std::string(label) + "=\"";
  size_t at = 0;
  while ((at = labels.find(key, at)) != std::string_view::npos) {
    if (at == 0 || labels[at - 1] == '{' || labels[at - 1] == ',') {
      size_t start = at + key.size();
      size_t end = labels.find('"', start);
      if (end == std::string_view::npos) return {};
      return std::string(labels.substr(start, end - start));
    }
    at += key.size();
  }
  return {};
}

}  // namespace

std::map<int32_t, double> parse_partition_gauge(const std::string& exposition,
                                                const std::string& name, const std::string& topic) {
  std::map<int32_t, double> out;
  const std::string prefix = name + "{";
  size_t pos = 0;
  while (pos < exposition.size()) {
    size_t eol = exposition.find('\n', pos);
    if (eol == std::string::npos) eol = exposition.size();
    std::string_view line(exposition.data() + pos, eol - pos);
    pos = eol + 1;
    if (line.substr(0, prefix.size()) != prefix) continue;
    size_t close = line.find('}');
    if (close == std::string_view::npos) continue;
    std::string_view labels = line.substr(name.size(), close - name.size() + 1);
    if (label_value(labels, "topic") != topic) continue;
    std::string partition = label_value(labels, "partition");
    std::string value(line.substr(close + 1));
    char* end = nullptr;
    long p = std::strtol(partition.c_str(), &end, 10);
    if (partition.empty() || *end != '\0' || p < 0 || p > INT32_MAX) continue;
    double v = std::strtod(value.c_str(), &end);
    if (end == value.c_str()) continue;
    out[static_cast<int32_t>(p)] = v;
  }
  return out;
}

std::optional<std::pair<std::string, uint16_t>> admin_endpoint(const std::string& listeners,
                                                               const std::string& fallback_host) {
  size_t start = 0;
  while (start <= listeners.size()) {
    size_t comma = listeners.find(',', start);
    if (comma == std::string::npos) comma = listeners.size();
    std::string one = listeners.substr(start, comma - start);
    start = comma + 1;
    const std::string scheme = "http://";
    size_t s = one.find(scheme);
    if (s == std::string::npos) continue;
    std::string rest = one.substr(s + scheme.size());
    size_t colon = rest.rfind(':');
    if (colon == std::string::npos) continue;
    std::string host = rest.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
      host = host.substr(1, host.size() - 2);
    }
    char* end = nullptr;
    long port = std::strtol(rest.c_str() + colon + 1, &end, 10);
    if (*end != '\0' || port <= 0 || port > 65535) continue;
    // A wildcard listener is reached at the broker's host; so is a loopback one, which only a
    // client on the broker's own machine reaches (elsewhere the read fails and shows "-",
    // rather than reading the client's own loopback).
    if (host.empty() || host == "0.0.0.0" || host == "::" || host == "127.0.0.1" ||
        host == "localhost" || host == "::1") {
      host = fallback_host;
    }
    return std::make_pair(host, static_cast<uint16_t>(port));
  }
  return std::nullopt;
}

std::map<int32_t, double> cleaner_dirty_ratios(
    client::AdminClient& admin, const std::string& topic,
    const std::map<int32_t, std::vector<int32_t>>& by_leader,
    const std::map<int32_t, std::string>& hosts) {
  std::map<int32_t, double> out;
  for (const auto& [leader, partitions] : by_leader) {
    auto host = hosts.find(leader);
    auto conn = admin.broker(leader);
    if (host == hosts.end() || !conn.is_ok()) continue;
    // A broker's own static configs are answered by that broker (Kafka's rule too).
    protocol::DescribeConfigsRequest req;
    req.resources.push_back(
        {int8_t{4}, std::to_string(leader), std::vector<std::string>{"admin.listeners"}, {}});
    auto resp = (*conn)->call<protocol::DescribeConfigsResponse>(req);
    if (!resp.is_ok() || resp->results.empty() || resp->results[0].error_code != 0) continue;
    std::optional<std::pair<std::string, uint16_t>> endpoint;
    for (const auto& c : resp->results[0].configs) {
      if (c.name == "admin.listeners" && c.value) endpoint = admin_endpoint(*c.value, host->second);
    }
    if (!endpoint) continue;
    auto body = http_get(endpoint->first, endpoint->second, "/metrics");
    if (!body) continue;
    auto ratios = parse_partition_gauge(*body, "eddy_log_cleaner_dirty_ratio", topic);
    for (int32_t p : partitions) {
      auto it = ratios.find(p);
      if (it != ratios.end()) out[p] = it->second;
    }
  }
  return out;
}

}  // namespace eddy::cli
