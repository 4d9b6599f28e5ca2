#pragma once
// What a handler answers with, and the one-shot Responder it answers through.
//
// A handler may answer at once or later from any thread (Produce waiting for acks, Fetch long
// poll, JoinGroup): the Responder carries the answer back to the connection's thread, which
// writes responses in request order. Dropping a Responder without answering closes the
// connection, so a forgotten answer can never stall a client's pipeline forever.

#include <functional>
#include <utility>
#include <vector>

#include "protocol/writer.h"

namespace eddy::broker {

struct Response {
  enum class Kind : uint8_t {
    kSend,        // write `body` after the response header
    kNoResponse,  // the request expects none (Produce with acks=0)
    kClose,       // close the connection (Kafka's answer to a request it cannot parse)
  };
  Kind kind = Kind::kSend;
  // The response body (without size prefix and response header), as owned bytes and file
  // slices that go out with sendfile.
  std::vector<protocol::Chunk> body;

  static Response bytes(Bytes b) {
    Response r;
    r.body.emplace_back(std::move(b));
    return r;
  }
  static Response chunks(std::vector<protocol::Chunk> c) {
    Response r;
    r.body = std::move(c);
    return r;
  }
  static Response none() { return Response{Kind::kNoResponse, {}}; }
  static Response close() { return Response{Kind::kClose, {}}; }
};

class Responder {
 public:
  using Deliver = std::function<void(Response)>;

  // Whether the client's connection is still open; callable from any thread.
  using Connected = std::function<bool()>;

  Responder() = default;
  explicit Responder(Deliver deliver, Connected connected = nullptr)
      : deliver_(std::move(deliver)), connected_(std::move(connected)) {}
  Responder(Responder&& o) noexcept
      : deliver_(std::exchange(o.deliver_, nullptr)),
        connected_(std::exchange(o.connected_, nullptr)) {}
  Responder& operator=(Responder&& o) noexcept {
    if (this != &o) {
      finish(Response::close());
      deliver_ = std::exchange(o.deliver_, nullptr);
      connected_ = std::exchange(o.connected_, nullptr);
    }
    return *this;
  }
  Responder(const Responder&) = delete;
  Responder& operator=(const Responder&) = delete;
  ~Responder() { finish(Response::close()); }

  // Answers the request; later calls do nothing. Thread-safe with respect to the connection
  // (the answer is posted to its thread), but one Responder must not be used from two threads.
  void respond(Response r) { finish(std::move(r)); }
  bool answered() const { return !deliver_; }
  // False once the client disconnected: work only it waits for (a queued admin request) can be
  // skipped. True when unknown.
  bool peer_connected() const { return !connected_ || connected_(); }

 private:
  void finish(Response r) {
    if (deliver_) std::exchange(deliver_, nullptr)(std::move(r));
  }
  Deliver deliver_;
  Connected connected_;
};

}  // namespace eddy::broker
