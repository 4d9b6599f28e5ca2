#pragma once
// The network server: `io_threads` threads, each running its own io_context; an acceptor per
// listener hands each new connection to the next io_context in turn, and the connection stays
// on that thread for its life.
//
// Out of file descriptors (EMFILE, ENFILE), accept fails while the connection stays pending, so
// retrying at once spins. Each listener keeps one reserve descriptor: on such a failure it frees
// the reserve, accepts and closes the pending connections (the clients see a close and retry
// later instead of hanging), takes the reserve back and waits kAcceptBackoffMs before accepting
// again. Accept failures are logged at most once per kAcceptLogIntervalMs per listener, with a
// count.
//
// Shutdown is two-step: stop_accepting() + drain() closes every listener and lets each
// connection finish writing what is in flight (it reads no new requests); wait_drained() waits
// for them, bounded by a timeout; stop() closes whatever is left and joins the threads.

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "broker/net/connection.h"
#include "broker/net/handler_registry.h"
#include "common/status.h"
#include "metrics/metric.h"

namespace eddy::broker {

struct ListenAddress {
  std::string name = "PLAINTEXT";  // the listener's name, the `listener` label of its metrics
  std::string host;                // empty: all interfaces
  uint16_t port = 0;               // 0: any free port (bound_ports() tells which)
};

class Server {
 public:
  static constexpr int64_t kAcceptBackoffMs = 100;
  static constexpr int64_t kAcceptLogIntervalMs = 10'000;

  Server(const HandlerRegistry& registry, ConnectionOptions options, int io_threads);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds every listener; fails (naming the address) when one cannot be bound.
  Status listen(const std::vector<ListenAddress>& addresses);
  // Starts the io threads (the admin listener serves on them during start-up, before start()).
  // Idempotent.
  void run_threads();
  // Starts the io threads, if not yet, and accepting.
  void start();
  std::vector<uint16_t> bound_ports() const;

  void stop_accepting();
  // Asks every connection to finish its in-flight requests and close.
  void drain();
  // Waits until every connection closed or timeout_ms passed; true when all closed.
  bool wait_drained(int64_t timeout_ms);
  // Closes everything and joins the io threads. Idempotent.
  void stop();

  size_t connection_count() const;
  // The io_context of thread i (for components that want to run timers on the network threads).
  boost::asio::io_context& io_context(size_t i) { return *ios_[i % ios_.size()]; }
  // The io_context of the next thread in turn (where the next connection would go).
  boost::asio::io_context& next_io_context();

 private:
  struct Listener {
    std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor;
    uint16_t port = 0;
    // Below: used by the accept handlers only, which all run on io thread 0.
    int reserve_fd = -1;  // /dev/null, given up to shed connections when out of descriptors
    std::unique_ptr<boost::asio::steady_timer> backoff;
    uint64_t failures = 0;  // accept failures since the last log line
    uint64_t shed = 0;      // connections accepted and closed since the last log line
    std::chrono::steady_clock::time_point last_log{};
    // Kafka's socket-server-metrics of this listener.
    metrics::Gauge* connections = nullptr;
    metrics::Counter* created = nullptr;
    metrics::Counter* closed = nullptr;
  };
  void accept(size_t listener);
  // After a failed accept: sheds pending connections when out of descriptors, logs (rate
  // limited) and accepts again, after a back-off when the failure will repeat.
  void on_accept_error(size_t listener, const boost::system::error_code& ec);
  void on_closed(uint64_t id, size_t listener);

  const HandlerRegistry& registry_;
  ConnectionOptions options_;
  std::vector<std::unique_ptr<boost::asio::io_context>> ios_;
  using WorkGuard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;
  std::vector<WorkGuard> guards_;
  std::vector<std::thread> threads_;
  std::vector<Listener> listeners_;
  std::atomic<size_t> next_io_{0};
  std::atomic<uint64_t> next_id_{1};

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<uint64_t, std::weak_ptr<Connection>> connections_;   // guarded by mu_
  std::map<uint64_t, boost::asio::io_context*> connection_io_;  // guarded by mu_
  bool accepting_ = true;                                       // guarded by mu_
  bool stopped_ = false;
};

}  // namespace eddy::broker
