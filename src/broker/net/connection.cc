#include "broker/net/connection.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <spdlog/spdlog.h>
#include <sys/sendfile.h>

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <cstring>

#include "broker/net/request_metrics.h"
#include "common/log_rate_limiter.h"

namespace eddy::broker {

namespace asio = boost::asio;
using boost::system::error_code;

// Kafka's ApiVersions response header is always v0 (no tagged fields), whatever the version, so
// a client can parse it before it knows what the broker speaks.
static constexpr int16_t kApiVersionsKey = 18;

Connection::Connection(asio::io_context& io, asio::ip::tcp::socket socket, uint64_t id,
                       const HandlerRegistry& registry, const ConnectionOptions& options,
                       OnClosed on_closed)
    : io_(io),
      socket_(std::move(socket)),
      idle_timer_(io),
      id_(id),
      registry_(registry),
      options_(options),
      on_closed_(std::move(on_closed)),
      assembler_(options.max_frame_bytes) {
  error_code ec;
  auto ep = socket_.remote_endpoint(ec);
  peer_ = ec ? "?" : ep.address().to_string() + ":" + std::to_string(ep.port());
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
}

void Connection::start() {
  last_read_ = std::chrono::steady_clock::now();
  spdlog::debug("connection {} from {} opened", id_, peer_);
  arm_idle_timer();
  read_more();
}

bool Connection::reading_paused() const {
  return draining_ || closed_ || slots_.size() >= options_.max_inflight;
}

// A body still expecting at least this many bytes is received straight into its frame; a
// smaller remainder goes through read_buf_, where one read also picks up the frames behind it.
static constexpr size_t kDirectReadMinBytes = 16 * 1024;

void Connection::read_more() {
  if (reading_ || reading_paused()) return;
  // Frames already buffered are processed before reading more.
  if (read_have_ > 0) {
    process_buffer();
    if (closed_ || reading_paused()) return;
  }
  reading_ = true;
  MutableByteSpan target(read_buf_.data() + read_have_, read_buf_.size() - read_have_);
  reading_direct_ = false;
  if (read_have_ == 0 && assembler_.want_body()) {
    MutableByteSpan body = assembler_.body_space();
    if (body.size() >= kDirectReadMinBytes) {
      target = body;
      reading_direct_ = true;
    }
  }
  socket_.async_read_some(
      asio::buffer(target.data(), target.size()),
      [self = shared_from_this()](const error_code& ec, size_t n) { self->on_read(ec, n); });
}

void Connection::on_read(const error_code& ec, size_t n) {
  reading_ = false;
  if (closed_) return;
  if (ec) {
    close(ec == asio::error::eof ? "peer closed" : ec.message());
    return;
  }
  last_read_ = std::chrono::steady_clock::now();
  acknowledge_now();
  if (reading_direct_) {
    assembler_.body_received(n);
    if (assembler_.has_frame()) dispatch(assembler_.take_frame());
  } else {
    read_have_ += n;
    process_buffer();
  }
  read_more();
}

void Connection::acknowledge_now() {
  // Many answers wait: acks=all for the fsync (and the followers), a long-polling fetch for data.
  // Linux delays the ACK of a request's bytes to send it with the answer, and a client that
  // keeps Nagle's algorithm on (librdkafka's default) holds its next small request until that
  // ACK arrives, so a pipelining acks=all producer would send once per fsync. TCP_QUICKACK sends
  // the pending ACK now; the kernel clears it again, hence once per read. Best effort: a failure
  // costs latency only.
  const int one = 1;
  (void)::setsockopt(socket_.native_handle(), IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
}

void Connection::process_buffer() {
  size_t pos = 0;
  while (pos < read_have_ && !closed_ && !reading_paused()) {
    pos += assembler_.feed(ByteSpan(read_buf_.data() + pos, read_have_ - pos));
    if (assembler_.error()) {
      log_refused(*assembler_.error());
      close("bad frame");
      return;
    }
    if (assembler_.has_frame()) dispatch(assembler_.take_frame());
  }
  std::memmove(read_buf_.data(), read_buf_.data() + pos, read_have_ - pos);
  read_have_ -= pos;
}

void Connection::log_refused(const std::string& why) {
  // A client that keeps sending what cannot be served (a scanner, a client of another protocol)
  // must not flood the log: one line per kind of refusal a minute, with the count held back.
  static LogRateLimiter limiter(std::chrono::minutes(1));
  // The kind: the reason without its numbers (sizes, api keys), so that keys stay few.
  std::string kind;
  for (char c : why.substr(0, 64)) {
    if (c < '0' || c > '9') kind += c;
  }
  uint64_t suppressed = 0;
  if (!limiter.allow(kind, &suppressed)) return;
  spdlog::info("connection {} from {}: closing: {}{}", id_, peer_, why,
               suppressed > 0 ? fmt::format(" ({} more like it in the last minute)", suppressed)
                              : std::string());
}

void Connection::dispatch(UninitBytes frame) {
  const int64_t received_us = monotonic_micros();
  Routed routed = route_request(registry_, std::move(frame));
  if (routed.action == Routed::Action::kClose) {
    log_refused(routed.reason);
    close(routed.reason);
    return;
  }
  uint64_t seq = next_seq_++;
  int16_t api_key = routed.request.header.api_key;
  Slot slot;
  slot.header = routed.request.header;
  slot.flexible_response =
      routed.request.header.flexible && routed.request.header.api_key != kApiVersionsKey;
  slot.received_us = received_us;
  slots_.push_back(std::move(slot));
  request_metrics().count_request(api_key, routed.request.header.api_version);
  routed.request.connection_id = id_;
  routed.request.peer = peer_;
  routed.request.io = &io_;
  // The Responder keeps the connection alive: while reading is paused (in-flight cap) no pending
  // read holds it, and the server keeps only weak references, so with a weak reference here a
  // pipelining client lost its socket (silently) whenever every slot waited on a handler.
  auto self = shared_from_this();
  asio::io_context* io = &io_;
  Responder responder(
      [self, io, seq](Response r) {
        asio::post(*io, [self, seq, r = std::move(r), ready_us = monotonic_micros()]() mutable {
          self->deliver(seq, std::move(r), ready_us);
        });
      },
      [self] { return !self->closed_.load(std::memory_order_relaxed); });
  const int64_t handler_us = monotonic_micros();
  request_metrics().observe(api_key, RequestStage::kRequestQueue, handler_us - received_us);
  // A handler that throws is a bug; contain it to this connection.
  try {
    routed.entry->handler(std::move(routed.request), std::move(responder));
  } catch (const std::exception& e) {
    spdlog::error("connection {}: handler for api {} threw: {}", id_, api_key, e.what());
  }
  const int64_t handled_us = monotonic_micros();
  request_metrics().observe(api_key, RequestStage::kLocal, handled_us - handler_us);
  // The answer is delivered through a post, so after this: its slot is still here.
  if (!closed_ && seq >= first_seq_ && seq - first_seq_ < slots_.size()) {
    slots_[seq - first_seq_].handled_us = handled_us;
  }
}

void Connection::deliver(uint64_t seq, Response response, int64_t ready_us) {
  if (closed_ || seq < first_seq_ || seq - first_seq_ >= slots_.size()) return;
  Slot& slot = slots_[seq - first_seq_];
  slot.response = std::move(response);
  // Answered inside the handler: no remote time.
  slot.ready_us = std::max(ready_us, slot.handled_us);
  request_metrics().observe(slot.header.api_key, RequestStage::kRemote,
                            slot.ready_us - slot.handled_us);
  write_next();
}

void Connection::write_next() {
  if (writing_ || closed_) return;
  while (!slots_.empty() && slots_.front().response) {
    Slot slot = std::move(slots_.front());
    slots_.pop_front();
    ++first_seq_;
    Response& r = *slot.response;
    if (r.kind == Response::Kind::kClose) {
      close("handler closed the connection");
      return;
    }
    const int64_t now_us = monotonic_micros();
    request_metrics().observe(slot.header.api_key, RequestStage::kResponseQueue,
                              now_us - slot.ready_us);
    if (r.kind == Response::Kind::kNoResponse) {
      request_metrics().observe(slot.header.api_key, RequestStage::kTotal,
                                now_us - slot.received_us);
      continue;
    }
    out_api_key_ = slot.header.api_key;
    out_received_us_ = slot.received_us;
    out_write_us_ = now_us;
    size_t body = 0;
    for (const auto& c : r.body) {
      body += std::holds_alternative<Bytes>(c) ? std::get<Bytes>(c).size()
                                               : std::get<protocol::FileSlice>(c).length;
    }
    Bytes head;
    size_t header_bytes = 4 + (slot.flexible_response ? 1 : 0);
    head.resize(4 + header_bytes);
    store_be32(head.data(), static_cast<uint32_t>(header_bytes + body));
    store_be32(head.data() + 4, static_cast<uint32_t>(slot.header.correlation_id));
    if (slot.flexible_response) head[8] = 0;  // no tagged fields in the response header
    out_.clear();
    out_.emplace_back(std::move(head));
    for (auto& c : r.body) out_.push_back(std::move(c));
    writing_ = true;
    write_chunks(0);
    return;
  }
  if (draining_ && slots_.empty()) close("drained");
  if (!draining_) read_more();
}

void Connection::write_chunks(size_t index) {
  if (closed_) return;
  if (index >= out_.size()) {
    on_written();
    return;
  }
  if (std::holds_alternative<protocol::FileSlice>(out_[index])) {
    send_file(index, 0);
    return;
  }
  // Gather the run of owned chunks into one write.
  std::vector<asio::const_buffer> bufs;
  size_t end = index;
  while (end < out_.size() && std::holds_alternative<Bytes>(out_[end])) {
    const Bytes& b = std::get<Bytes>(out_[end]);
    if (!b.empty()) bufs.emplace_back(b.data(), b.size());
    ++end;
  }
  // File slices follow: cork, so that the header and the records leave in full segments
  // together rather than the header alone (TCP_NODELAY sends it at once) and the records after
  // it; the client then reads the whole response in one wake-up. on_written() uncorks.
  if (end < out_.size()) set_cork(true);
  asio::async_write(socket_, bufs, [self = shared_from_this(), end](const error_code& ec, size_t) {
    if (ec) {
      self->close(ec.message());
      return;
    }
    self->write_chunks(end);
  });
}

void Connection::send_file(size_t index, uint64_t sent) {
  const auto& slice = std::get<protocol::FileSlice>(out_[index]);
  socket_.native_non_blocking(true);
  while (sent < slice.length) {
    off_t off = static_cast<off_t>(slice.position + sent);
    ssize_t n = ::sendfile(socket_.native_handle(), slice.fd, &off, slice.length - sent);
    if (n > 0) {
      sent += static_cast<uint64_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      socket_.async_wait(asio::ip::tcp::socket::wait_write,
                         [self = shared_from_this(), index, sent](const error_code& ec) {
                           if (ec) {
                             self->close(ec.message());
                             return;
                           }
                           self->send_file(index, sent);
                         });
      return;
    }
    // n == 0: the file is shorter than the slice (truncated under us). The frame length is
    // already on the wire, so the only honest move is to close.
    close(n == 0 ? "file slice shorter than announced"
                 : std::string("sendfile: ") + std::strerror(errno));
    return;
  }
  write_chunks(index + 1);
}

void Connection::set_cork(bool on) {
  if (corked_ == on) return;
  corked_ = on;
  // Best effort: without the cork the bytes still go out, in more segments.
  const int value = on ? 1 : 0;
  (void)::setsockopt(socket_.native_handle(), IPPROTO_TCP, TCP_CORK, &value, sizeof value);
}

void Connection::on_written() {
  set_cork(false);  // sends what the cork held back
  const int64_t now_us = monotonic_micros();
  request_metrics().observe(out_api_key_, RequestStage::kResponseSend, now_us - out_write_us_);
  request_metrics().observe(out_api_key_, RequestStage::kTotal, now_us - out_received_us_);
  writing_ = false;
  out_.clear();
  write_next();
}

void Connection::drain() {
  if (closed_) return;
  draining_ = true;
  if (slots_.empty() && !writing_) close("drained");
}

void Connection::arm_idle_timer() {
  // Checked at a tenth of the timeout so a connection closes within 10% of it.
  auto period = std::chrono::milliseconds(std::max<int64_t>(options_.idle_timeout_ms / 10, 10));
  idle_timer_.expires_after(period);
  idle_timer_.async_wait([weak = weak_from_this()](const error_code& ec) {
    auto self = weak.lock();
    if (!self || ec || self->closed_) return;
    auto idle = std::chrono::steady_clock::now() - self->last_read_;
    if (self->slots_.empty() && !self->writing_ &&
        idle >= std::chrono::milliseconds(self->options_.idle_timeout_ms)) {
      spdlog::debug("connection {} from {}: idle, closing", self->id_, self->peer_);
      self->close("idle");
      return;
    }
    self->arm_idle_timer();
  });
}

void Connection::close(const std::string& reason) {
  if (closed_) return;
  closed_ = true;
  spdlog::debug("connection {} from {} closed: {}", id_, peer_, reason);
  error_code ec;
  idle_timer_.cancel();
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  socket_.close(ec);
  slots_.clear();
  out_.clear();
  if (on_closed_) on_closed_(id_);
}

}  // namespace eddy::broker
