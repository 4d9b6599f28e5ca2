#include "broker/net/server.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <chrono>

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
    uint16_t port = acceptor->local_endpoint(ec).port();
    listeners_.push_back({std::move(acceptor), port});
  }
  return Status::ok();
}

std::vector<uint16_t> Server::bound_ports() const {
  std::vector<uint16_t> out;
  for (const auto& l : listeners_) out.push_back(l.port);
  return out;
}

void Server::start() {
  for (size_t i = 0; i < listeners_.size(); ++i) accept(i);
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
          auto conn =
              std::make_shared<Connection>(target, std::move(socket), id, registry_, options_,
                                           [this](uint64_t cid) { on_closed(cid); });
          {
            std::lock_guard lock(mu_);
            connections_[id] = conn;
            connection_io_[id] = &target;
          }
          asio::post(target, [conn] { conn->start(); });
        } else {
          // EMFILE and friends: keep accepting; the next attempt may succeed.
          spdlog::warn("accept failed: {}", ec.message());
        }
        accept(index);
      });
}

void Server::on_closed(uint64_t id) {
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
    asio::post(*ios_[0], [acc = l.acceptor.get()] {
      boost::system::error_code ec;
      acc->close(ec);
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
}

}  // namespace eddy::broker
