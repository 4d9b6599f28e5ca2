#pragma once
// A blocking connection to one Kafka broker, speaking the project's own protocol codec. Every
// connect, write and read is bounded by a deadline, so an unreachable or silent broker turns into
// a kUnavailable / kTimeout Status within the timeout rather than a hang. On open the connection
// negotiates versions with ApiVersions; call() then picks the highest version both sides speak.
//
// Not thread-safe: one request in flight at a time, which is all an admin tool needs.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "common/bytes.h"
#include "common/status.h"
#include "protocol/api.h"
#include "protocol/framing.h"
#include "protocol/headers.h"
#include "protocol/reader.h"

namespace eddy::client {

struct HostPort {
  std::string host;
  int32_t port = 0;
};

// "host:port" (or "host", port 9092); "[::1]:9092" for IPv6 literals.
Result<HostPort> parse_host_port(const std::string& text);

class Connection {
 public:
  // Largest response frame accepted; a bigger size prefix is a protocol error, not an allocation.
  static constexpr int32_t kMaxResponseBytes = 256 << 20;

  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Connects (bounded by timeout_ms) and runs ApiVersions.
  static Result<std::unique_ptr<Connection>> open(const HostPort& address, int timeout_ms,
                                                  std::string client_id);

  const HostPort& address() const { return address_; }
  // Bounds each later write and read (a request's remaining time, say).
  void set_timeout_ms(int timeout_ms) { timeout_ms_ = timeout_ms; }

  // The version to use for `key`: the highest in both our generated range and the broker's.
  Result<int16_t> version_for(protocol::ApiKey key, int16_t our_min, int16_t our_max) const;

  // Sends `request` at the negotiated version and decodes the response.
  template <typename Resp, typename Req>
  Result<Resp> call(const Req& request, int16_t max_version = Req::kMaxVersion) {
    EDDY_ASSIGN_OR_RETURN(int16_t version, version_for(static_cast<protocol::ApiKey>(Req::kApiKey),
                                                       Req::kMinVersion, max_version));
    return call_at<Resp>(request, version);
  }

  // Sends a request frame made elsewhere (`frame`: header and body, without the size prefix; its
  // correlation id is replaced by this connection's) and returns the response body after the
  // response header. For forwarding a client's request as it came.
  Result<Bytes> call_raw(ByteSpan frame, int16_t api_key, int16_t version);

  template <typename Resp, typename Req>
  Result<Resp> call_at(const Req& request, int16_t version) {
    protocol::RequestHeader header;
    header.api_key = Req::kApiKey;
    header.api_version = version;
    header.correlation_id = next_correlation_id_++;
    header.client_id = client_id_;
    EDDY_RETURN_IF_ERROR(send_frame(protocol::encode_request_frame(header, request)));
    EDDY_ASSIGN_OR_RETURN(Bytes body, receive_frame(header.correlation_id, Req::kApiKey, version));
    protocol::Reader r(body);
    Resp resp;
    resp.decode(r, version);
    if (!r.ok()) {
      return corruption(std::string("cannot decode ") + Resp::kName + " v" +
                        std::to_string(version) + " response: " + r.status().message());
    }
    return resp;
  }

 private:
  Connection(int fd, HostPort address, int timeout_ms, std::string client_id);
  Status negotiate_versions();
  Status send_frame(const Bytes& frame);
  // Reads one response frame and returns the body after the response header.
  Result<Bytes> receive_frame(int32_t correlation_id, int16_t api_key, int16_t version);
  Status read_exact(uint8_t* out, size_t n);
  std::string where() const;

  int fd_;
  HostPort address_;
  int timeout_ms_;
  std::string client_id_;
  int32_t next_correlation_id_ = 1;
  // api key -> broker's (min, max) version
  std::map<int16_t, std::pair<int16_t, int16_t>> broker_versions_;
};

}  // namespace eddy::client
