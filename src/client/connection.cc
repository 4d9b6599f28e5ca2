#include "client/connection.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "protocol/errors.h"
#include "protocol/generated/api_versions.h"

namespace eddy::client {

namespace {

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return static_cast<int>(std::max<int64_t>(0, left.count()));
}

// Waits until fd is ready for `events` or the deadline passes.
Status wait_fd(int fd, short events, Clock::time_point deadline, const std::string& where) {
  for (int attempt = 0; attempt < 1000; ++attempt) {
    pollfd p{fd, events, 0};
    int rc = ::poll(&p, 1, remaining_ms(deadline));
    if (rc > 0) return Status::ok();
    if (rc == 0) return {StatusCode::kTimeout, "timed out waiting for " + where};
    if (errno != EINTR) return errno_status(errno, "poll " + where);
  }
  return {StatusCode::kTimeout, "interrupted too often waiting for " + where};
}

}  // namespace

Result<HostPort> parse_host_port(const std::string& text) {
  HostPort hp;
  std::string port_text;
  if (!text.empty() && text[0] == '[') {
    size_t close = text.find(']');
    if (close == std::string::npos) return invalid_argument("bad address '" + text + "'");
    hp.host = text.substr(1, close - 1);
    if (close + 1 < text.size()) {
      if (text[close + 1] != ':') return invalid_argument("bad address '" + text + "'");
      port_text = text.substr(close + 2);
    }
  } else {
    size_t colon = text.rfind(':');
    hp.host = text.substr(0, colon);
    if (colon != std::string::npos) port_text = text.substr(colon + 1);
  }
  if (hp.host.empty()) return invalid_argument("bad address '" + text + "': no host");
  hp.port = 9092;
  if (!port_text.empty()) {
    char* end = nullptr;
    long port = std::strtol(port_text.c_str(), &end, 10);
    if (*end != '\0' || port <= 0 || port > 65535) {
      return invalid_argument("bad port in address '" + text + "'");
    }
    hp.port = static_cast<int32_t>(port);
  }
  return hp;
}

Connection::Connection(int fd, HostPort address, int timeout_ms, std::string client_id)
    : fd_(fd),
      address_(std::move(address)),
      timeout_ms_(timeout_ms),
      client_id_(std::move(client_id)) {}

Connection::~Connection() { ::close(fd_); }

std::string Connection::where() const {
  return address_.host + ":" + std::to_string(address_.port);
}

Result<std::unique_ptr<Connection>> Connection::open(const HostPort& address, int timeout_ms,
                                                     std::string client_id) {
  std::string where = address.host + ":" + std::to_string(address.port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  int gai =
      ::getaddrinfo(address.host.c_str(), std::to_string(address.port).c_str(), &hints, &found);
  if (gai != 0) {
    return unavailable("cannot resolve " + where + ": " + ::gai_strerror(gai));
  }
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  Status last = unavailable("no address for " + where);
  int fd = -1;
  for (addrinfo* ai = found; ai != nullptr && fd < 0; ai = ai->ai_next) {
    int s = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s < 0) {
      last = errno_status(errno, "socket");
      continue;
    }
    int rc = ::connect(s, ai->ai_addr, ai->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      Status waited = wait_fd(s, POLLOUT, deadline, "connect to " + where);
      if (!waited.is_ok()) {
        last = {StatusCode::kUnavailable, waited.message()};
        ::close(s);
        continue;
      }
      int err = 0;
      socklen_t len = sizeof err;
      ::getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len);
      rc = err == 0 ? 0 : -1;
      errno = err;
    }
    if (rc != 0) {
      last = unavailable("cannot connect to " + where + ": " + std::strerror(errno));
      ::close(s);
      continue;
    }
    int one = 1;
    ::setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    fd = s;
  }
  ::freeaddrinfo(found);
  if (fd < 0) return last;
  std::unique_ptr<Connection> conn(new Connection(fd, address, timeout_ms, std::move(client_id)));
  EDDY_RETURN_IF_ERROR(conn->negotiate_versions());
  return conn;
}

Status Connection::negotiate_versions() {
  protocol::ApiVersionsRequest req;
  req.client_software_name = "eddyctl";
  req.client_software_version = "0.1.0";
  // v3 is the first flexible version and what current clients send; every Kafka 2.4+ broker
  // answers it.
  auto answered = call_at<protocol::ApiVersionsResponse>(req, 3);
  if (!answered.is_ok()) {
    // The TCP connection is up, so the peer is reachable: a garbled, missing or closed answer to
    // the first request every Kafka client sends means it is not a Kafka listener (an HTTP or SSH
    // port, a TLS listener) or a broker that hangs. Say so, instead of "unreachable".
    return failed_precondition(where() + " accepted the connection but did not answer " +
                               "ApiVersions as a Kafka broker does (" +
                               answered.status().message() +
                               "): is it a Kafka PLAINTEXT listener?");
  }
  auto& resp = *answered;
  if (resp.error_code != 0) {
    return failed_precondition(where() + " refused ApiVersions: " +
                               protocol::error_name(protocol::ErrorCode{resp.error_code}));
  }
  for (const auto& k : resp.api_keys) {
    broker_versions_[k.api_key] = {k.min_version, k.max_version};
  }
  return Status::ok();
}

Result<int16_t> Connection::version_for(protocol::ApiKey key, int16_t our_min,
                                        int16_t our_max) const {
  auto it = broker_versions_.find(static_cast<int16_t>(key));
  const protocol::ApiInfo* info = protocol::find_api(key);
  std::string name = info != nullptr ? info->name : std::to_string(static_cast<int>(key));
  if (it == broker_versions_.end()) {
    return unsupported("broker " + where() + " does not support the " + name + " API");
  }
  int16_t hi = std::min(our_max, it->second.second);
  int16_t lo = std::max(our_min, it->second.first);
  if (hi < lo) {
    return unsupported("broker " + where() + " speaks " + name + " v" +
                       std::to_string(it->second.first) + "-" + std::to_string(it->second.second) +
                       ", eddyctl v" + std::to_string(our_min) + "-" + std::to_string(our_max));
  }
  return hi;
}

Result<Bytes> Connection::call_raw(ByteSpan frame, int16_t api_key, int16_t version) {
  if (frame.size() < 8) return invalid_argument("a request frame has at least 8 header bytes");
  Bytes out(4 + frame.size());
  store_be32(out.data(), static_cast<uint32_t>(frame.size()));
  std::memcpy(out.data() + 4, frame.data(), frame.size());
  const int32_t correlation_id = next_correlation_id_++;
  store_be32(out.data() + 8, static_cast<uint32_t>(correlation_id));
  EDDY_RETURN_IF_ERROR(send_frame(out));
  return receive_frame(correlation_id, api_key, version);
}

Status Connection::send_frame(const Bytes& frame) {
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms_);
  size_t sent = 0;
  while (sent < frame.size()) {
    EDDY_RETURN_IF_ERROR(wait_fd(fd_, POLLOUT, deadline, "write to " + where()));
    ssize_t n = ::send(fd_, frame.data() + sent, frame.size() - sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return unavailable("write to " + where() + " failed: " + std::strerror(errno));
    }
    sent += static_cast<size_t>(n);
  }
  return Status::ok();
}

Status Connection::read_exact(uint8_t* out, size_t n) {
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms_);
  size_t got = 0;
  while (got < n) {
    EDDY_RETURN_IF_ERROR(wait_fd(fd_, POLLIN, deadline, "a response from " + where()));
    ssize_t r = ::recv(fd_, out + got, n - got, 0);
    if (r == 0) return unavailable(where() + " closed the connection");
    if (r < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return unavailable("read from " + where() + " failed: " + std::strerror(errno));
    }
    got += static_cast<size_t>(r);
  }
  return Status::ok();
}

Result<Bytes> Connection::receive_frame(int32_t correlation_id, int16_t api_key, int16_t version) {
  uint8_t size_bytes[4];
  EDDY_RETURN_IF_ERROR(read_exact(size_bytes, sizeof size_bytes));
  int32_t size = static_cast<int32_t>(load_be32(size_bytes));
  if (size < 4 || size > kMaxResponseBytes) {
    return corruption("bad response size " + std::to_string(size) + " from " + where());
  }
  Bytes frame(static_cast<size_t>(size));
  EDDY_RETURN_IF_ERROR(read_exact(frame.data(), frame.size()));
  protocol::Reader r(frame);
  protocol::ResponseHeader header;
  header.decode(r, protocol::response_header_version(api_key, version));
  if (!r.ok()) return corruption("bad response header from " + where());
  if (header.correlation_id != correlation_id) {
    return corruption("response correlation id " + std::to_string(header.correlation_id) +
                      " from " + where() + ", expected " + std::to_string(correlation_id));
  }
  ByteSpan rest = r.rest();
  return Bytes(rest.begin(), rest.end());
}

}  // namespace eddy::client
