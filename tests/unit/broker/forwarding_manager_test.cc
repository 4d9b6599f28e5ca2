// ForwardingManager against stand-in controllers on loopback ports: forwards run off the caller's
// thread and a forward waiting on a silent controller holds no worker another forward needs; a
// whole-request NOT_CONTROLLER answer is retried against the controller the metadata names next,
// per-entry errors are kept.

#include "broker/forwarding_manager.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <thread>

#include "protocol/api.h"
#include "protocol/errors.h"
#include "protocol/framing.h"
#include "protocol/generated/api_versions.h"
#include "protocol/generated/create_topics.h"
#include "protocol/generated/elect_leaders.h"
#include "protocol/generated/list_partition_reassignments.h"
#include "protocol/headers.h"
#include "protocol/writer.h"

namespace eddy::broker {
namespace {

using protocol::ErrorCode;
using namespace std::chrono_literals;

constexpr int16_t kCreateTopicsVersion = 5;
const int16_t kNotController = protocol::to_int(ErrorCode::kNotController);

// A MetadataService that names whichever controller the test says, each with its endpoint.
class FakeMetadata : public metadata::MetadataService {
 public:
  void add_node(int32_t id, int32_t port) {
    metadata::BrokerRegistration b;
    b.id = id;
    b.incarnation = *Uuid::from_bytes(std::string(15, '0') + static_cast<char>('a' + id));
    b.endpoints.push_back({"PLAINTEXT", "127.0.0.1", port, 0});
    metadata::pb::MetadataBatch batch;
    metadata::to_record(b, batch.add_records()->mutable_register_broker());
    metadata::MetadataImage next = *image_;
    ASSERT_TRUE(next.apply_batch(batch).is_ok());
    std::lock_guard lock(mu_);
    image_ = std::make_shared<const metadata::MetadataImage>(std::move(next));
  }
  void set_controller(int32_t id) { controller_ = id; }
  void set_self_active(bool active) { self_active_ = active; }

  std::shared_ptr<const metadata::MetadataImage> image() const override {
    std::lock_guard lock(mu_);
    return image_;
  }
  void add_listener(Listener) override {}
  metadata::ControllerResult commit(const Plan&, bool) override { return {}; }
  int32_t active_controller() const override { return controller_; }
  bool is_active_controller() const override { return self_active_; }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const metadata::MetadataImage> image_ =
      std::make_shared<const metadata::MetadataImage>();
  std::atomic<int32_t> controller_{-1};
  std::atomic<bool> self_active_{false};
};

template <typename T>
Bytes response_frame(int32_t correlation_id, const T& body, int16_t version) {
  protocol::ResponseHeader header{correlation_id, {}};
  const int16_t hv = protocol::response_header_version(T::kApiKey, version);
  protocol::Writer w(4 + header.size(hv) + body.size(version));
  w.write_int32(static_cast<int32_t>(header.size(hv) + body.size(version)));
  header.encode(w, hv);
  body.encode(w, version);
  return w.take_bytes();
}

// A controller stand-in: answers ApiVersions (no APIs listed; forwards go out at the client's
// version), then each CreateTopics with answer(request number) (per topic error codes), or with
// nothing while silent. close() drops every connection.
class FakeController {
 public:
  using Answer = std::function<std::vector<int16_t>(int request)>;
  FakeController(bool silent, Answer answer) : silent_(silent), answer_(std::move(answer)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    EXPECT_EQ(::listen(listen_fd_, 16), 0);
    socklen_t len = sizeof(addr);
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }
  ~FakeController() { close(); }

  int32_t port() const { return port_; }
  int requests() const { return requests_; }  // CreateTopics received
  int frames() const { return frames_; }      // requests of any API received
  void close() {
    if (stop_.exchange(true)) return;
    acceptor_.join();
    for (auto& t : connections_) t.join();
    ::close(listen_fd_);
  }

 private:
  bool wait_readable(int fd) {
    while (!stop_) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 20) > 0) return true;
    }
    return false;
  }
  bool read_exact(int fd, uint8_t* out, size_t n) {
    size_t got = 0;
    while (got < n) {
      if (!wait_readable(fd)) return false;
      ssize_t r = ::recv(fd, out + got, n - got, 0);
      if (r <= 0) return false;
      got += static_cast<size_t>(r);
    }
    return true;
  }
  void accept_loop() {
    while (wait_readable(listen_fd_)) {
      int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd >= 0) connections_.emplace_back([this, fd] { serve(fd); });
    }
  }
  void serve(int fd) {
    for (;;) {
      uint8_t size_bytes[4];
      if (!read_exact(fd, size_bytes, 4)) break;
      Bytes frame(load_be32(size_bytes));
      if (!read_exact(fd, frame.data(), frame.size())) break;
      const int16_t key = static_cast<int16_t>(load_be16(frame.data()));
      const int16_t version = static_cast<int16_t>(load_be16(frame.data() + 2));
      const int32_t correlation_id = static_cast<int32_t>(load_be32(frame.data() + 4));
      ++frames_;
      Bytes out;
      if (key == static_cast<int16_t>(protocol::ApiKey::kApiVersions)) {
        if (silent_) continue;
        out = response_frame(correlation_id, protocol::ApiVersionsResponse{}, version);
      } else {
        const int n = ++requests_;
        if (silent_) continue;
        protocol::CreateTopicsResponse resp;
        for (int16_t code : answer_(n)) {
          protocol::CreateTopicsResponse::CreatableTopicResult t;
          t.name = "t" + std::to_string(resp.topics.size());
          t.error_code = code;
          resp.topics.push_back(std::move(t));
        }
        out = response_frame(correlation_id, resp, version);
      }
      if (::send(fd, out.data(), out.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(out.size())) {
        break;
      }
    }
    ::close(fd);
  }

  const bool silent_;
  const Answer answer_;
  int listen_fd_ = -1;
  int32_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  std::atomic<int> frames_{0};
  std::thread acceptor_;
  std::vector<std::thread> connections_;  // only the acceptor adds, before close() joins
};

// A CreateTopics request frame (no size prefix) for `topics` topics.
Bytes create_topics_frame(int topics) {
  protocol::CreateTopicsRequest req;
  for (int i = 0; i < topics; ++i) {
    protocol::CreateTopicsRequest::CreatableTopic t;
    t.name = "t" + std::to_string(i);
    t.num_partitions = 1;
    t.replication_factor = 1;
    req.topics.push_back(std::move(t));
  }
  protocol::RequestHeader h;
  h.api_key = req.kApiKey;
  h.api_version = kCreateTopicsVersion;
  h.correlation_id = 7;
  h.client_id = "client";
  Bytes framed = protocol::encode_request_frame(h, req);
  return Bytes(framed.begin() + 4, framed.end());
}

// The per-topic error codes of a CreateTopics response body.
std::vector<int16_t> topic_errors(const Bytes& body) {
  protocol::Reader r(body);
  protocol::CreateTopicsResponse resp;
  resp.decode(r, kCreateTopicsVersion);
  EXPECT_TRUE(r.ok());
  std::vector<int16_t> out;
  for (const auto& t : resp.topics) out.push_back(t.error_code);
  return out;
}

struct Outcome {
  std::promise<std::optional<Bytes>> promise;
  std::future<std::optional<Bytes>> future = promise.get_future();
};

ForwardRequest create_topics(Outcome* outcome, int topics,
                             std::chrono::steady_clock::duration within = 30s) {
  ForwardRequest f;
  f.frame = create_topics_frame(topics);
  f.api_key = protocol::CreateTopicsRequest::kApiKey;
  f.version = kCreateTopicsVersion;
  f.deadline = std::chrono::steady_clock::now() + within;
  f.done = [outcome](std::optional<Bytes> body) { outcome->promise.set_value(std::move(body)); };
  return f;
}

ForwardingManager::Options options(FakeMetadata* md, int timeout_ms, int threads) {
  ForwardingManager::Options o;
  o.metadata = md;
  o.node_id = 9;
  o.incarnation = *Uuid::from_bytes(std::string(16, 'z'));
  o.timeout_ms = timeout_ms;
  o.threads = threads;
  o.retry_backoff = 20ms;
  return o;
}

// The bound of a wait on an answer that comes at once when the code is right; reaching it fails
// the test rather than hanging it.
constexpr auto kBound = 60s;

// Forwards one CreateTopics of `topics` topics through a one-worker manager: its outcome.
std::optional<Bytes> forward_one(FakeMetadata* md, int topics,
                                 std::chrono::steady_clock::duration within = 30s) {
  ForwardingManager fm(options(md, 10'000, 1));
  Outcome out;
  fm.submit(create_topics(&out, topics, within));
  if (out.future.wait_for(kBound) != std::future_status::ready) {
    ADD_FAILURE() << "the forward was never finished";
    return std::nullopt;
  }
  return out.future.get();
}

TEST(ForwardingManagerTest, AForwardIsServedWhileAnotherWaitsOnASilentController) {
  FakeMetadata md;
  FakeController stopped(/*silent=*/true, nullptr);
  FakeController next(false, [](int) { return std::vector<int16_t>{0}; });
  md.add_node(1, stopped.port());
  md.add_node(2, next.port());
  md.set_controller(1);
  // The try against the stopped controller lasts its whole timeout unless the connection drops.
  ForwardingManager fm(options(&md, /*timeout_ms=*/120'000, /*threads=*/2));
  Outcome waiting;
  fm.submit(create_topics(&waiting, 1));
  // The first forward has reached the stopped controller (its connection is open); the metadata
  // then names a new controller, as after an election.
  while (stopped.frames() == 0 && waiting.future.wait_for(10ms) != std::future_status::ready) {
  }
  md.set_controller(2);
  Outcome second;
  fm.submit(create_topics(&second, 1));
  ASSERT_EQ(second.future.wait_for(kBound), std::future_status::ready);
  auto body = second.future.get();
  ASSERT_TRUE(body.has_value());
  EXPECT_EQ(topic_errors(*body), std::vector<int16_t>{0});
  // The first is still waiting on the stopped controller; once its connection drops it is
  // retried against the new one.
  EXPECT_NE(waiting.future.wait_for(0s), std::future_status::ready);
  stopped.close();
  ASSERT_EQ(waiting.future.wait_for(kBound), std::future_status::ready);
  body = waiting.future.get();
  ASSERT_TRUE(body.has_value());
  EXPECT_EQ(topic_errors(*body), std::vector<int16_t>{0});
  EXPECT_EQ(next.requests(), 2);
}

TEST(ForwardingManagerTest, NotControllerForTheWholeRequestIsRetriedAtTheNewController) {
  FakeMetadata md;
  // The old controller lost its leadership: every entry NOT_CONTROLLER; the metadata then names
  // the new one.
  FakeController old_controller(false, [&md](int) {
    md.set_controller(2);
    return std::vector<int16_t>{kNotController, kNotController};
  });
  FakeController new_controller(false, [](int) { return std::vector<int16_t>{0, 0}; });
  md.add_node(1, old_controller.port());
  md.add_node(2, new_controller.port());
  md.set_controller(1);
  auto body = forward_one(&md, 2);
  ASSERT_TRUE(body.has_value());
  EXPECT_EQ(topic_errors(*body), (std::vector<int16_t>{0, 0}));
  EXPECT_EQ(old_controller.requests(), 1);
  EXPECT_EQ(new_controller.requests(), 1);
}

TEST(ForwardingManagerTest, PerEntryErrorsAreKept) {
  FakeMetadata md;
  FakeController controller(false, [](int) { return std::vector<int16_t>{0, kNotController}; });
  md.add_node(1, controller.port());
  md.set_controller(1);
  auto body = forward_one(&md, 2);
  ASSERT_TRUE(body.has_value());
  EXPECT_EQ(topic_errors(*body), (std::vector<int16_t>{0, kNotController}));
  EXPECT_EQ(controller.requests(), 1);
}

TEST(ForwardingManagerTest, TheLastNotControllerAnswerIsGivenAtTheDeadline) {
  FakeMetadata md;
  FakeController controller(false, [](int) { return std::vector<int16_t>{kNotController}; });
  md.add_node(1, controller.port());
  md.set_controller(1);
  auto body = forward_one(&md, 1, /*within=*/300ms);
  ASSERT_TRUE(body.has_value());
  EXPECT_EQ(topic_errors(*body), std::vector<int16_t>{kNotController});
  EXPECT_GE(controller.requests(), 1);
}

TEST(ForwardingManagerTest, NothingIsForwardedOnceThisNodeIsTheController) {
  FakeMetadata md;
  FakeController controller(false, [](int) { return std::vector<int16_t>{0}; });
  md.add_node(1, controller.port());
  md.set_controller(1);
  md.set_self_active(true);
  EXPECT_FALSE(forward_one(&md, 1).has_value());  // the caller serves it here
  EXPECT_EQ(controller.requests(), 0);
}

TEST(ForwardingManagerTest, NoControllerUntilTheDeadlineLeavesTheRequestToTheCaller) {
  FakeMetadata md;  // no active controller known
  EXPECT_FALSE(forward_one(&md, 1, /*within=*/200ms).has_value());
}

TEST(ForwardingManagerTest, ATryAtASilentControllerEndsAtTheRequestsDeadline) {
  FakeMetadata md;
  FakeController silent(/*silent=*/true, nullptr);
  md.add_node(1, silent.port());
  md.set_controller(1);
  // Each try may last ten minutes by the channel's timeout; the request has 200 ms.
  ForwardingManager fm(options(&md, /*timeout_ms=*/600'000, /*threads=*/1));
  Outcome out;
  fm.submit(create_topics(&out, 1, /*within=*/200ms));
  ASSERT_EQ(out.future.wait_for(kBound), std::future_status::ready);
  EXPECT_FALSE(out.future.get().has_value());  // left to the caller
  EXPECT_GE(silent.frames(), 1);               // it did reach the controller
}

// forward_create_topics: the specs of one call travel in one CreateTopics, with what the
// controller answered for each.
std::optional<std::vector<metadata::ControllerResult>> create_via(FakeMetadata* md, int topics) {
  ForwardingManager fm(options(md, 10'000, 1));
  std::vector<metadata::CreateTopicSpec> specs(static_cast<size_t>(topics));
  for (int i = 0; i < topics; ++i) specs[static_cast<size_t>(i)].name = "t" + std::to_string(i);
  std::promise<std::optional<std::vector<metadata::ControllerResult>>> done;
  auto future = done.get_future();
  forward_create_topics(fm, specs, std::chrono::steady_clock::now() + 30s,
                        [&done](auto results) { done.set_value(std::move(results)); });
  if (future.wait_for(kBound) != std::future_status::ready) {
    ADD_FAILURE() << "forward_create_topics never finished";
    return std::nullopt;
  }
  return future.get();
}

TEST(ForwardCreateTopicsTest, EverySpecGoesInOneRequestAndGetsItsOwnResult) {
  FakeMetadata md;
  const int16_t exists = protocol::to_int(ErrorCode::kTopicAlreadyExists);
  const int16_t bad_rf = protocol::to_int(ErrorCode::kInvalidReplicationFactor);
  FakeController controller(false, [&](int) { return std::vector<int16_t>{0, exists, bad_rf}; });
  md.add_node(1, controller.port());
  md.set_controller(1);
  auto results = create_via(&md, 3);
  ASSERT_TRUE(results.has_value());
  ASSERT_EQ(results->size(), 3u);
  EXPECT_TRUE((*results)[0].ok());
  EXPECT_TRUE((*results)[1].ok());  // created meanwhile by another: it is there
  EXPECT_EQ((*results)[2].code, ErrorCode::kInvalidReplicationFactor);
  EXPECT_EQ(controller.requests(), 1);
}

TEST(ForwardCreateTopicsTest, ATopicTheAnswerLeavesOutIsAnError) {
  FakeMetadata md;
  FakeController controller(false, [](int) { return std::vector<int16_t>{0}; });
  md.add_node(1, controller.port());
  md.set_controller(1);
  auto results = create_via(&md, 2);  // the stand-in answers for t0 only
  ASSERT_TRUE(results.has_value());
  EXPECT_TRUE((*results)[0].ok());
  EXPECT_FALSE((*results)[1].ok());
}

TEST(ForwardCreateTopicsTest, NotForwardedOnceThisNodeIsTheController) {
  FakeMetadata md;
  FakeController controller(false, [](int) { return std::vector<int16_t>{0}; });
  md.add_node(1, controller.port());
  md.set_controller(1);
  md.set_self_active(true);
  EXPECT_FALSE(create_via(&md, 1).has_value());  // the caller creates it here
  EXPECT_EQ(controller.requests(), 0);
}

template <typename T>
Bytes body_of(const T& m, int16_t version) {
  protocol::Writer w(m.size(version));
  m.encode(w, version);
  return w.take_bytes();
}

TEST(AnsweredNotControllerTest, TopLevelAndEntryErrors) {
  const int16_t none = 0;
  const int16_t key = protocol::ElectLeadersResponse::kApiKey;
  protocol::ElectLeadersResponse el;
  el.error_code = none;
  protocol::ElectLeadersResponse::ReplicaElectionResult t;
  t.topic = "t";
  for (int16_t code : {kNotController, kNotController}) {
    protocol::ElectLeadersResponse::PartitionResult p;
    p.error_code = code;
    t.partition_result.push_back(p);
  }
  el.replica_election_results.push_back(t);
  EXPECT_TRUE(answered_not_controller(key, 2, body_of(el, 2)));
  el.replica_election_results[0].partition_result[1].error_code = none;
  EXPECT_FALSE(answered_not_controller(key, 2, body_of(el, 2)));
  el.replica_election_results.clear();
  EXPECT_FALSE(answered_not_controller(key, 2, body_of(el, 2)));  // nothing says so
  el.error_code = kNotController;
  EXPECT_TRUE(answered_not_controller(key, 2, body_of(el, 2)));

  protocol::ListPartitionReassignmentsResponse list;
  list.error_code = kNotController;
  EXPECT_TRUE(answered_not_controller(list.kApiKey, 0, body_of(list, 0)));
  list.error_code = protocol::to_int(ErrorCode::kClusterAuthorizationFailed);
  EXPECT_FALSE(answered_not_controller(list.kApiKey, 0, body_of(list, 0)));
  // A body that does not decode is given to the client as it is.
  EXPECT_FALSE(answered_not_controller(list.kApiKey, 0, Bytes{1}));
}

}  // namespace
}  // namespace eddy::broker
