#include "raft/transport/transport.h"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

namespace eddy::raft {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

constexpr auto kWait = 10s;

pb::Message heartbeat(int32_t from, int32_t to, uint64_t term) {
  pb::Message m;
  m.set_type(pb::MSG_HEARTBEAT);
  m.set_from(from);
  m.set_to(to);
  m.set_term(term);
  return m;
}

// Messages a node received, readable from the test thread.
class Inbox {
 public:
  void push(pb::Message m) {
    std::lock_guard lock(mu_);
    msgs_.push_back(std::move(m));
    cv_.notify_all();
  }
  // Waits (bounded) until at least n messages arrived; returns how many there are.
  size_t wait_for(size_t n) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, kWait, [&] { return msgs_.size() >= n; });
    return msgs_.size();
  }
  std::vector<pb::Message> messages() {
    std::lock_guard lock(mu_);
    return msgs_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<pb::Message> msgs_;
};

// One io_context on its own thread; run() executes a function there and waits for it.
class IoThread {
 public:
  IoThread() : guard_(asio::make_work_guard(io_)), thread_([this] { io_.run(); }) {}
  ~IoThread() {
    guard_.reset();
    io_.stop();
    thread_.join();
  }
  template <typename F>
  auto run(F f) -> decltype(f()) {
    std::packaged_task<decltype(f())()> task(std::move(f));
    auto fut = task.get_future();
    asio::post(io_, [&task] { task(); });
    return fut.get();
  }
  asio::io_context& io() { return io_; }

 private:
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_;
  std::thread thread_;
};

template <typename Pred>
bool eventually_true(Pred pred) {
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return pred();
}

class TransportTest : public ::testing::Test {
 protected:
  std::unique_ptr<Transport> make(int32_t self, Inbox& inbox, uint16_t port = 0,
                                  std::string cluster_id = "") {
    TransportConfig config;
    config.self = NodeId(self);
    config.cluster_id = std::move(cluster_id);
    config.listen_port = port;
    config.max_frame_bytes = 1 << 20;
    auto t = std::make_unique<Transport>(io_.io(), config,
                                         [&inbox](pb::Message m) { inbox.push(std::move(m)); });
    Status s = io_.run([&] { return t->start(); });
    EXPECT_TRUE(s.is_ok()) << s.to_string();
    return t;
  }
  void link(Transport& from, int32_t to, uint16_t port) {
    io_.run([&] {
      from.set_peer(NodeId(to), PeerAddress{"127.0.0.1", port});
      return 0;
    });
  }
  void send(Transport& from, pb::Message m) {
    io_.run([&] {
      from.send(m);
      return 0;
    });
  }
  void destroy(std::unique_ptr<Transport>& t) {
    io_.run([&] {
      t->stop();
      t.reset();
      return 0;
    });
  }
  // A raw client socket to `port`, written from the test thread.
  tcp::socket raw_connect(uint16_t port) {
    tcp::socket s(raw_io_);
    s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    return s;
  }
  // True when the server closed `s` within the wait bound.
  bool closed_by_peer(tcp::socket& s) {
    s.non_blocking(false);
    struct timeval tv {
      10, 0
    };
    setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    uint8_t b;
    boost::system::error_code ec;
    s.read_some(asio::buffer(&b, 1), ec);
    return ec == asio::error::eof || ec == asio::error::connection_reset;
  }

  IoThread io_;
  asio::io_context raw_io_;
};

TEST_F(TransportTest, DeliversMessagesInBothDirections) {
  Inbox a_in, b_in;
  auto a = make(1, a_in);
  auto b = make(2, b_in);
  link(*a, 2, b->listen_port());
  link(*b, 1, a->listen_port());
  send(*a, heartbeat(1, 2, 7));
  send(*b, heartbeat(2, 1, 8));
  ASSERT_EQ(b_in.wait_for(1), 1u);
  ASSERT_EQ(a_in.wait_for(1), 1u);
  EXPECT_EQ(b_in.messages()[0].term(), 7u);
  EXPECT_EQ(a_in.messages()[0].from(), 2);
  destroy(a);
  destroy(b);
}

TEST_F(TransportTest, MessagesOfAnotherClusterAreDroppedAndOfTheSameClusterDelivered) {
  Inbox a_in, b_in, c_in;
  auto a = make(1, a_in, 0, "cluster-A");
  auto b = make(2, b_in, 0, "cluster-A");
  auto c = make(3, c_in, 0, "cluster-C");
  link(*c, 2, b->listen_port());
  send(*c, heartbeat(3, 2, 5));
  link(*a, 2, b->listen_port());
  send(*a, heartbeat(1, 2, 6));
  ASSERT_EQ(b_in.wait_for(1), 1u);
  EXPECT_EQ(b_in.messages()[0].from(), 1) << "only the message of b's own cluster arrives";
  EXPECT_EQ(b_in.messages()[0].cluster_id(), "cluster-A");
  ASSERT_TRUE(eventually_true([&] { return io_.run([&] { return b->stats().foreign; }) >= 1; }));
  EXPECT_EQ(b_in.messages().size(), 1u);
  destroy(a);
  destroy(b);
  destroy(c);
}

TEST_F(TransportTest, ManyQueuedMessagesArriveInOrder) {
  Inbox a_in, b_in;
  auto a = make(1, a_in);
  auto b = make(2, b_in);
  link(*a, 2, b->listen_port());
  io_.run([&] {
    for (uint64_t i = 1; i <= 2000; ++i) a->send(heartbeat(1, 2, i));
    return 0;
  });
  ASSERT_EQ(b_in.wait_for(2000), 2000u);
  std::vector<pb::Message> got = b_in.messages();
  for (uint64_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i].term(), i + 1);
  EXPECT_EQ(io_.run([&] { return a->stats().sent; }), 2000u);
  destroy(a);
  destroy(b);
}

TEST_F(TransportTest, ReconnectsAfterThePeerRestarts) {
  Inbox a_in, b_in;
  auto a = make(1, a_in);
  auto b = make(2, b_in);
  const uint16_t b_port = b->listen_port();
  link(*a, 2, b_port);
  send(*a, heartbeat(1, 2, 1));
  ASSERT_EQ(b_in.wait_for(1), 1u);
  destroy(b);

  Inbox b2_in;
  auto b2 = make(2, b2_in, b_port);
  // Raft re-sends on every tick; model that with a bounded retry loop.
  for (int i = 0; i < 500 && b2_in.messages().empty(); ++i) {
    send(*a, heartbeat(1, 2, 2));
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_FALSE(b2_in.messages().empty());
  EXPECT_EQ(b2_in.messages()[0].term(), 2u);
  EXPECT_GE(io_.run([&] { return a->stats().connects; }), 2u);
  destroy(a);
  destroy(b2);
}

TEST_F(TransportTest, OversizedFrameClosesOnlyThatConnection) {
  Inbox a_in, b_in;
  auto a = make(1, a_in);
  auto b = make(2, b_in);
  link(*a, 2, b->listen_port());
  send(*a, heartbeat(1, 2, 1));
  ASSERT_EQ(b_in.wait_for(1), 1u);

  tcp::socket bad = raw_connect(b->listen_port());
  const uint8_t huge[4] = {0x7f, 0xff, 0xff, 0xff};
  asio::write(bad, asio::buffer(huge));
  EXPECT_TRUE(closed_by_peer(bad));

  send(*a, heartbeat(1, 2, 2));
  ASSERT_EQ(b_in.wait_for(2), 2u) << "the good connection carries on";
  EXPECT_EQ(io_.run([&] { return b->stats().bad_connections; }), 1u);
  destroy(a);
  destroy(b);
}

TEST_F(TransportTest, GarbageBodyClosesTheConnection) {
  Inbox b_in;
  auto b = make(2, b_in);
  tcp::socket bad = raw_connect(b->listen_port());
  const uint8_t garbage[] = {0, 0, 0, 5, 0xff, 0xff, 0xff, 0xff, 0xff};
  asio::write(bad, asio::buffer(garbage));
  EXPECT_TRUE(closed_by_peer(bad));
  EXPECT_TRUE(b_in.messages().empty());
  destroy(b);
}

TEST_F(TransportTest, MessageAddressedToAnotherNodeClosesTheConnection) {
  Inbox b_in;
  auto b = make(2, b_in);
  tcp::socket bad = raw_connect(b->listen_port());
  Bytes frame_bytes;
  ASSERT_TRUE(frame::encode(heartbeat(1, 3, 1), 1 << 20, frame_bytes).is_ok());
  asio::write(bad, asio::buffer(frame_bytes));
  EXPECT_TRUE(closed_by_peer(bad));
  EXPECT_TRUE(b_in.messages().empty());
  destroy(b);
}

TEST_F(TransportTest, FullQueueDropsNewMessages) {
  TransportConfig config;
  config.self = NodeId(1);
  config.max_queued_messages = 10;
  // Port 1 on loopback refuses connections, so nothing ever drains the queue.
  config.peers[NodeId(2)] = PeerAddress{"127.0.0.1", 1};
  config.reconnect_initial_ms = 10000;
  config.reconnect_max_ms = 10000;
  Transport t(io_.io(), config, [](pb::Message) {});
  uint64_t dropped = io_.run([&] {
    for (int i = 0; i < 25; ++i) t.send(heartbeat(1, 2, 1));
    return t.stats().dropped;
  });
  EXPECT_EQ(dropped, 15u);
  io_.run([&] {
    t.stop();
    return 0;
  });
}

TEST_F(TransportTest, MessageToAnUnknownPeerIsDropped) {
  Inbox a_in;
  auto a = make(1, a_in);
  send(*a, heartbeat(1, 9, 1));
  EXPECT_EQ(io_.run([&] { return a->stats().dropped; }), 1u);
  destroy(a);
}

}  // namespace
}  // namespace eddy::raft
