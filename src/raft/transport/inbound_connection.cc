#include "raft/transport/inbound_connection.h"

#include <cstring>

namespace eddy::raft {

namespace asio = boost::asio;

namespace {
// The read buffer's resting size; it grows for one large frame and shrinks back afterwards.
constexpr size_t kReadBufferBytes = 64 * 1024;
}  // namespace

InboundConnection::InboundConnection(asio::ip::tcp::socket socket, const TransportConfig& config,
                                     Deliver deliver, OnClose on_close)
    : socket_(std::move(socket)),
      config_(config),
      deliver_(std::move(deliver)),
      on_close_(std::move(on_close)),
      buf_(kReadBufferBytes) {}

void InboundConnection::start() { read(); }

void InboundConnection::read() {
  auto self = shared_from_this();
  socket_.async_read_some(
      asio::buffer(buf_.data() + have_, buf_.size() - have_),
      [self](const boost::system::error_code& ec, size_t n) { self->on_read(ec, n); });
}

void InboundConnection::on_read(const boost::system::error_code& ec, size_t n) {
  if (closed_) return;
  if (ec) return close_with(false);
  have_ += n;
  size_t pos = 0;
  size_t need = 0;
  while (have_ - pos >= frame::kLengthBytes) {
    const uint32_t length = load_be32(buf_.data() + pos);
    if (!frame::check_length(length, config_.max_frame_bytes).is_ok()) return close_with(true);
    const size_t frame_bytes = frame::kLengthBytes + length;
    if (have_ - pos < frame_bytes) {
      need = frame_bytes;
      break;
    }
    auto msg = frame::decode_body(ByteSpan(buf_.data() + pos + frame::kLengthBytes, length));
    if (!msg.is_ok() || msg->to() != config_.self.value()) return close_with(true);
    pos += frame_bytes;
    if (!deliver_(std::move(msg).value())) return close_with(false);
    if (closed_) return;
  }
  if (pos > 0) {
    std::memmove(buf_.data(), buf_.data() + pos, have_ - pos);
    have_ -= pos;
  }
  // Grow for a frame the length check has already admitted; shrink back once it is consumed.
  if (need > buf_.size()) {
    buf_.resize(need);
  } else if (buf_.size() > kReadBufferBytes && have_ <= kReadBufferBytes) {
    buf_.resize(kReadBufferBytes);
    buf_.shrink_to_fit();
  }
  read();
}

void InboundConnection::close() {
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ignored;
  socket_.close(ignored);
}

void InboundConnection::close_with(bool bad) {
  if (closed_) return;
  close();
  if (on_close_) on_close_(this, bad);
}

}  // namespace eddy::raft
