#include "broker/net/server.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <cerrno>
#include <chrono>

#include "metrics/registry.h"

namespace eddy::broker {

namespace asio = boost::asio;
using asio::ip::tcp;

Server::Server(const HandlerRegistry& registry, ConnectionOptions options, int io_threads)
    : registry_(registry), options_(options) {
  int n = std::max(1, io_threads);
  for (int i = 0; i < n; ++i) {
    ios_.push_back(std::make_unique<asio::io_context>(1));
    guards_.emplace_back(asio::make_work_guard(*ios_.back()));
  }
}

Server::~Server() { stop(); }

Status Server::listen(const std::vector<ListenAddress>& addresses) {
  for (const auto& a : addresses) {
    boost::system::error_code ec;
    auto addr = a.host.empty() ? asio::ip::address(asio::ip::address_v4::any())
                               : asio::ip::make_address(a.host, ec);
    if (ec) {
      // A host name rather than an address: resolve it once.
      tcp::resolver resolver(*ios_[0]);
      auto results = resolver.resolve(a.host, std::to_string(a.port), ec);
      if (ec || results.empty()) {
        return unavailable("cannot resolve listener host '" + a.host + "': " + ec.message());
      }
      addr = results.begin()->endpoint().address();
    }
    tcp::endpoint ep(addr, a.port);
    auto acceptor = std::make_unique<tcp::acceptor>(*ios_[0]);
    acceptor->open(ep.protocol(), ec);
    if (!ec) acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor->bind(ep, ec);
    if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return unavailable("cannot listen on " + a.host + ":" + std::to_string(a.port) + ": " +
                         ec.message());
    }
    Listener l;
    l.port = acceptor->local_endpoint(ec).port();
    auto& reg = metrics::registry();
    l.connections = &reg.gauge("kafka_server_socket_server_metrics_connections",
                               "Open client connections, by listener", {"listener"})
                         .labels({a.name});
    l.created = &reg.counter("kafka_server_socket_server_metrics_connection_creation_total",
                             "Client connections accepted, by listener", {"listener"})
                     .labels({a.name});
    l.closed = &reg.counter("kafka_server_socket_server_metrics_connection_close_total",
                            "Client connections closed, by listener", {"listener"})
                    .labels({a.name});
    l.acceptor = std::move(acceptor);
    l.reserve_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    l.backoff = std::make_unique<asio::steady_timer>(*ios_[0]);
    listeners_.push_back(std::move(l));
  }
  return Status::ok();
}

std::vector<uint16_t> Server::bound_ports() const {
  std::vector<uint16_t> out;
  for (const auto& l : listeners_) out.push_back(l.port);
  return out;
}

void Server::start() {
  run_threads();
  // On io thread 0, where every accept handler runs.
  for (size_t i = 0; i < listeners_.size(); ++i) asio::post(*ios_[0], [this, i] { accept(i); });
}

asio::io_context& Server::next_io_context() { return *ios_[next_io_++ % ios_.size()]; }

void Server::run_threads() {
  if (!threads_.empty() || stopped_) return;
  for (auto& io : ios_) {
    threads_.emplace_back([io = io.get()] {
      // Handlers contain their exceptions; one escaping here is a bug in the network code, and
      // the process cannot be trusted after it.
      io->run();
    });
  }
}

void Server::accept(size_t index) {
  auto& listener = listeners_[index];
  asio::io_context& target = *ios_[next_io_++ % ios_.size()];
  listener.acceptor->async_accept(
      target, [this, index, &target](const boost::system::error_code& ec, tcp::socket socket) {
        if (ec == asio::error::operation_aborted) return;
        {
          std::lock_guard lock(mu_);
          if (!accepting_) return;
        }
        if (!ec) {
          uint64_t id = next_id_++;
          listeners_[index].created->inc();
          listeners_[index].connections->add(1);
          auto conn =
              std::make_shared<Connection>(target, std::move(socket), id, registry_, options_,
                                           [this, index](uint64_t cid) { on_closed(cid, index); });
          {
            std::lock_guard lock(mu_);
            connections_[id] = conn;
            connection_io_[id] = &target;
          }
          asio::post(target, [conn] { conn->start(); });
        } else {
          on_accept_error(index, ec);
          return;
        }
        accept(index);
      });
}

void Server::on_accept_error(size_t index, const boost::system::error_code& ec) {
  Listener& l = listeners_[index];
  ++l.failures;
  const int err = ec.value();
  const bool out_of_fds = ec.category() == boost::system::system_category() &&
                          (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM);
  if (out_of_fds) {
    // The pending connections cannot be served; closing them tells their clients so (they back
    // off and retry) and empties the backlog that makes accept fail again at once.
    if (l.reserve_fd >= 0) {
      ::close(l.reserve_fd);
      l.reserve_fd = -1;
    }
    for (int n = 0; n < 1024; ++n) {
      int fd =
          ::accept4(l.acceptor->native_handle(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) break;
      ::close(fd);
      ++l.shed;
    }
    l.reserve_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  }
  auto now = std::chrono::steady_clock::now();
  if (now - l.last_log >= std::chrono::milliseconds(kAcceptLogIntervalMs)) {
    spdlog::warn(
        "accept on port {} failed: {} ({} failures, {} connections closed unserved since the "
        "last report){}",
        l.port, ec.message(), l.failures, l.shed,
        out_of_fds ? "; out of file descriptors: raise the open-file limit (ulimit -n)" : "");
    l.last_log = now;
    l.failures = 0;
    l.shed = 0;
  }
  if (!out_of_fds) {
    // A connection aborted before it was accepted and the like: the next one may succeed.
    accept(index);
    return;
  }
  l.backoff->expires_after(std::chrono::milliseconds(kAcceptBackoffMs));
  l.backoff->async_wait([this, index](const boost::system::error_code& wait_ec) {
    if (wait_ec) return;
    {
      std::lock_guard lock(mu_);
      if (!accepting_) return;
    }
    accept(index);
  });
}

void Server::on_closed(uint64_t id, size_t listener) {
  listeners_[listener].closed->inc();
  listeners_[listener].connections->add(-1);
  std::lock_guard lock(mu_);
  connections_.erase(id);
  connection_io_.erase(id);
  cv_.notify_all();
}

void Server::stop_accepting() {
  {
    std::lock_guard lock(mu_);
    accepting_ = false;
  }
  for (auto& l : listeners_) {
    asio::post(*ios_[0], [acc = l.acceptor.get(), timer = l.backoff.get()] {
      boost::system::error_code ec;
      acc->close(ec);
      timer->cancel();
    });
  }
}

void Server::drain() {
  std::lock_guard lock(mu_);
  for (const auto& [id, weak] : connections_) {
    // An init-capture: clang 14 cannot capture a structured binding directly.
    asio::post(*connection_io_[id], [w = weak] {
      if (auto c = w.lock()) c->drain();
    });
  }
}

bool Server::wait_drained(int64_t timeout_ms) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                      [this] { return connections_.empty(); });
}

size_t Server::connection_count() const {
  std::lock_guard lock(mu_);
  return connections_.size();
}

void Server::stop() {
  if (stopped_) return;
  stopped_ = true;
  stop_accepting();
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, weak] : connections_) {
      asio::post(*connection_io_[id], [w = weak] {
        if (auto c = w.lock()) c->close("server stopping");
      });
    }
  }
  guards_.clear();
  // Give the posted closes a moment to run, then stop the loops outright.
  wait_drained(1000);
  for (auto& io : ios_) io->stop();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  for (auto& l : listeners_) {
    if (l.reserve_fd >= 0) ::close(l.reserve_fd);
    l.reserve_fd = -1;
  }
}

}  // namespace eddy::broker
