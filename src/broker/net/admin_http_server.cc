#include "broker/net/admin_http_server.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <optional>

namespace eddy::broker {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<AdminHttpServer::Shared> shared)
      : stream_(std::move(socket)), shared_(std::move(shared)) {}
  ~Session() { shared_->connections.fetch_sub(1); }

  void start() { read(); }

 private:
  void read() {
    parser_.emplace();
    parser_->header_limit(AdminHttpServer::kMaxRequestBytes);
    parser_->body_limit(0);
    buffer_.clear();
    stream_.expires_after(std::chrono::milliseconds(AdminHttpServer::kTimeoutMs));
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
        ec == asio::error::eof) {
      return close();
    }
    if (ec) {
      // Too large or not HTTP: say so, then close (the stream's position is unknown).
      unsigned status = 400;
      if (ec == http::error::header_limit || ec == http::error::buffer_overflow) status = 431;
      if (ec == http::error::body_limit) status = 413;
      HttpAnswer a{status, "text/plain; charset=utf-8", ec.message() + "\n"};
      return write(std::move(a), 11, /*keep_alive=*/false, /*head=*/false);
    }
    const auto& req = parser_->get();
    unsigned version = req.version();
    bool keep_alive = req.keep_alive();
    bool head = req.method() == http::verb::head;
    if (req.method() != http::verb::get && !head) {
      return write({405, "text/plain; charset=utf-8", "only GET and HEAD\n"}, version, false,
                   false);
    }
    std::string_view target(req.target().data(), req.target().size());
    target = target.substr(0, target.find('?'));
    auto it = shared_->routes.find(std::string(target));
    if (it == shared_->routes.end()) {
      return write({404, "text/plain; charset=utf-8", "not found\n"}, version, keep_alive, head);
    }
    HttpAnswer answer;
    try {
      answer = it->second();
    } catch (const std::exception& e) {
      answer = {500, "text/plain; charset=utf-8", std::string(e.what()) + "\n"};
    }
    write(std::move(answer), version, keep_alive, head);
  }

  void write(HttpAnswer answer, unsigned version, bool keep_alive, bool head) {
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(answer.status), version);
    res->set(http::field::server, "eddyd");
    res->set(http::field::content_type, answer.content_type);
    if (answer.status == 405) res->set(http::field::allow, "GET, HEAD");
    res->keep_alive(keep_alive);
    res->body() = std::move(answer.body);
    res->prepare_payload();
    if (head) res->body().clear();  // Content-Length stays that of the GET answer
    stream_.expires_after(std::chrono::milliseconds(AdminHttpServer::kTimeoutMs));
    http::async_write(stream_, *res,
                      [self = shared_from_this(), res, keep_alive](beast::error_code ec, size_t) {
                        if (ec || !keep_alive) return self->close();
                        self->read();
                      });
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.socket().close(ec);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_{AdminHttpServer::kMaxRequestBytes};
  std::optional<http::request_parser<http::empty_body>> parser_;
  std::shared_ptr<AdminHttpServer::Shared> shared_;
};

}  // namespace

AdminHttpServer::AdminHttpServer(asio::io_context& accept_io,
                                 std::function<asio::io_context&()> next_io,
                                 std::map<std::string, Route> routes)
    : accept_io_(accept_io),
      next_io_(std::move(next_io)),
      shared_(std::make_shared<Shared>()),
      backoff_(std::make_unique<asio::steady_timer>(accept_io)) {
  shared_->routes = std::move(routes);
}

AdminHttpServer::~AdminHttpServer() {
  boost::system::error_code ec;
  for (auto& a : acceptors_) a->close(ec);
}

Status AdminHttpServer::listen(const std::string& host, uint16_t port) {
  boost::system::error_code ec;
  auto addr = host.empty() ? asio::ip::address(asio::ip::address_v4::any())
                           : asio::ip::make_address(host, ec);
  if (ec) {
    tcp::resolver resolver(accept_io_);
    auto results = resolver.resolve(host, std::to_string(port), ec);
    if (ec || results.empty()) {
      return unavailable("cannot resolve admin listener host '" + host + "': " + ec.message());
    }
    addr = results.begin()->endpoint().address();
  }
  tcp::endpoint ep(addr, port);
  auto acceptor = std::make_unique<tcp::acceptor>(accept_io_);
  acceptor->open(ep.protocol(), ec);
  if (!ec) acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor->bind(ep, ec);
  if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return unavailable("cannot listen on admin listener http://" + host + ":" +
                       std::to_string(port) + ": " + ec.message());
  }
  ports_.push_back(acceptor->local_endpoint(ec).port());
  acceptors_.push_back(std::move(acceptor));
  return Status::ok();
}

void AdminHttpServer::start() {
  for (size_t i = 0; i < acceptors_.size(); ++i) {
    asio::post(accept_io_, [this, i] { accept(i); });
  }
}

void AdminHttpServer::accept(size_t index) {
  asio::io_context& target = next_io_();
  acceptors_[index]->async_accept(
      target, [this, index, &target](const boost::system::error_code& ec, tcp::socket socket) {
        if (ec == asio::error::operation_aborted || !acceptors_[index]->is_open()) return;
        if (!ec) {
          if (shared_->connections.fetch_add(1) >= kMaxConnections) {
            shared_->connections.fetch_sub(1);
            boost::system::error_code ignored;
            socket.close(ignored);  // over the bound: the scraper sees a close and retries
          } else {
            auto session = std::make_shared<Session>(std::move(socket), shared_);
            asio::post(target, [session] { session->start(); });
          }
        } else {
          // Out of descriptors, say: accepting again at once would fail again at once.
          spdlog::warn("admin listener: accept failed: {}; retrying in {} ms", ec.message(),
                       kAcceptBackoffMs);
          backoff_->expires_after(std::chrono::milliseconds(kAcceptBackoffMs));
          backoff_->async_wait([this, index](const boost::system::error_code& wait_ec) {
            if (!wait_ec && acceptors_[index]->is_open()) accept(index);
          });
          return;
        }
        accept(index);
      });
}

void AdminHttpServer::stop() {
  for (auto& a : acceptors_) {
    // On the accepting thread: the acceptor is not thread-safe against its pending accept.
    asio::post(accept_io_, [acc = a.get(), timer = backoff_.get()] {
      boost::system::error_code ec;
      acc->close(ec);
      timer->cancel();
    });
  }
}

}  // namespace eddy::broker
