#pragma once
// The admin HTTP listener (admin.listeners): GET /metrics, /health, /ready and whatever else the
// broker routes, served with Boost.Beast on the network server's io threads.
//
// Bounds, so that a scraper gone wrong or a hostile peer cannot hurt the broker:
// - at most kMaxConnections at once; a connection past it is accepted and closed at once;
// - a request (line and headers) of at most kMaxRequestBytes, and no body: more is answered 413
//   (431 for headers too large), a request Beast cannot parse 400, and the connection closes;
// - kTimeoutMs for a whole request to arrive or an answer to leave, after which it closes;
// - only GET and HEAD (405 otherwise), only routed paths (404 otherwise).
// Keep-alive is honoured (Prometheus keeps its scrape connection open).
//
// Routes run on the io thread of the connection: they must answer from memory, without waiting
// on a disk or on a lock held across I/O (the metrics exposition reads atomics and in-memory
// state only).

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"

namespace eddy::broker {

struct HttpAnswer {
  unsigned status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

class AdminHttpServer {
 public:
  static constexpr size_t kMaxConnections = 64;
  static constexpr size_t kMaxRequestBytes = 8 * 1024;
  static constexpr int64_t kTimeoutMs = 10'000;
  static constexpr int64_t kAcceptBackoffMs = 100;

  using Route = std::function<HttpAnswer()>;
  // `next_io` picks the io_context of each new connection; accepting runs on `accept_io`.
  AdminHttpServer(boost::asio::io_context& accept_io,
                  std::function<boost::asio::io_context&()> next_io,
                  std::map<std::string, Route> routes);
  // Destroy only once the io threads have stopped (Server::stop()).
  ~AdminHttpServer();
  AdminHttpServer(const AdminHttpServer&) = delete;
  AdminHttpServer& operator=(const AdminHttpServer&) = delete;

  // Binds host:port (port 0: any free port); fails naming the address.
  Status listen(const std::string& host, uint16_t port);
  // Starts accepting (the io threads must run, now or later).
  void start();
  // Closes the listeners; open connections finish their request (bounded by kTimeoutMs).
  void stop();
  std::vector<uint16_t> bound_ports() const { return ports_; }

  // What the sessions share; outlives this server when a session is still queued on an io
  // context at destruction (sessions hold it).
  struct Shared {
    std::map<std::string, Route> routes;
    std::atomic<size_t> connections{0};
  };

 private:
  void accept(size_t index);

  boost::asio::io_context& accept_io_;
  std::function<boost::asio::io_context&()> next_io_;
  std::shared_ptr<Shared> shared_;
  std::vector<std::unique_ptr<boost::asio::ip::tcp::acceptor>> acceptors_;
  std::vector<uint16_t> ports_;
  std::unique_ptr<boost::asio::steady_timer> backoff_;  // used on accept_io_ only
};

}  // namespace eddy::broker
