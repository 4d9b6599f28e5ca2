#pragma once
// ForwardingManager: how a cluster node that is not the active controller forwards its clients'
// admin requests there (Kafka's ForwardingManager over its NodeToControllerChannelManager).
//
// Forwards run on the manager's own worker threads, each with its own ControllerChannel, never on
// the controller thread: that thread serves this node's metadata commits, auto-created topics,
// and, the moment this node is elected, the controller's work (brokers' heartbeats,
// AlterPartition), so it must not wait on a controller that stopped answering. A forward that
// fails (no active controller known, connection refused, broken or silent) or that the controller
// answers NOT_CONTROLLER for as a whole (it lost its leadership; answered_not_controller) is tried
// again after a short backoff against the active controller the metadata names then, until the
// request's deadline. Between tries a request holds no thread: it waits as a timed entry of the
// queue, and the workers serve other forwards meanwhile. A try itself blocks its worker until the
// request's deadline at most (a silent controller), so several workers keep one such try from
// holding the others.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "common/bytes.h"
#include "common/uuid.h"
#include "metadata/controller.h"
#include "metadata/metadata_service.h"

namespace eddy::broker {

class ControllerChannel;

struct ForwardRequest {
  Bytes frame;  // the request as received, without its size prefix
  int16_t api_key = -1;
  int16_t version = -1;
  // No try starts after it; the arrival plus the channel's timeout.
  std::chrono::steady_clock::time_point deadline;
  // False once nobody waits for the answer (the client disconnected): no further try. Empty:
  // always wanted.
  std::function<bool()> wanted;
  // Runs once, on a worker thread (or the stopping one): the controller's answer (the response
  // body after its header), or nullopt when the request was not forwarded: this node became the
  // active controller, no controller answered before the deadline, the client is gone or the
  // manager stopped. The caller then serves the request here (NOT_CONTROLLER in every entry
  // while this node is not the controller), so that a client is never left without an answer.
  // When the deadline passes after a NOT_CONTROLLER answer, that answer is given.
  std::function<void(std::optional<Bytes>)> done;
};

class ForwardingManager {
 public:
  struct Options {
    metadata::MetadataService* metadata = nullptr;
    int32_t node_id = -1;
    Uuid incarnation;
    int timeout_ms = 10'000;  // of each try (connect, write, read)
    int threads = 4;
    // Long enough that a dead controller's refused connections are not hammered, short against
    // an election (a few hundred milliseconds).
    std::chrono::milliseconds retry_backoff{100};
  };

  explicit ForwardingManager(Options options);
  ~ForwardingManager();  // stop()
  ForwardingManager(const ForwardingManager&) = delete;
  ForwardingManager& operator=(const ForwardingManager&) = delete;

  // Queues `request` for its first try now. After stop(), request.done(nullopt) runs at once.
  void submit(ForwardRequest request);
  // Finishes every waiting request with done(nullopt), waits for the tries in progress (each
  // bounded by timeout_ms) and joins the workers. Idempotent.
  void stop();

 private:
  struct Pending {
    ForwardRequest request;
    std::optional<Bytes> not_controller;  // the last NOT_CONTROLLER answer
  };
  void loop(int worker);
  // One try; reschedules `p` or finishes it.
  void attempt(ControllerChannel& channel, std::unique_ptr<Pending> p);
  void reschedule(std::unique_ptr<Pending> p, std::chrono::steady_clock::time_point at);

  const Options options_;
  std::mutex mu_;
  std::condition_variable cv_;
  // Requests by the time of their next try; guarded by mu_.
  std::multimap<std::chrono::steady_clock::time_point, std::unique_ptr<Pending>> due_;
  bool stopping_ = false;  // guarded by mu_
  std::vector<std::thread> workers_;
};

// Creates `specs` at the active controller with one CreateTopics request through `forwarding`,
// as Kafka's AutoTopicCreationManager sends its batch: this node's auto-created topics and the
// group coordinator's __consumer_offsets, which must not hold the controller thread while a
// controller is elected. `done` runs once, on a worker thread, with one result per spec in order
// (TOPIC_ALREADY_EXISTS counts as created), or with nullopt when the request was not forwarded
// (this node became the active controller, none answered before `deadline`, the manager
// stopped).
using CreateTopicsDone =
    std::function<void(std::optional<std::vector<metadata::ControllerResult>>)>;
void forward_create_topics(ForwardingManager& forwarding,
                           const std::vector<metadata::CreateTopicSpec>& specs,
                           std::chrono::steady_clock::time_point deadline, CreateTopicsDone done);

// True when `body`, the response of a forwarded request of `api_key` at `version`, says that the
// node that answered was not the active controller for the request as a whole: its top-level
// error code is NOT_CONTROLLER, or it has none (or NONE) and every entry's error is
// NOT_CONTROLLER. A response where some entries succeeded or failed otherwise keeps its per-entry
// errors and is not retried (those entries were served). False for a body that does not decode
// and for APIs that are not forwarded.
bool answered_not_controller(int16_t api_key, int16_t version, ByteSpan body);

}  // namespace eddy::broker
