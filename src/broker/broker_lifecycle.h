#pragma once
// BrokerLifecycle: this broker's membership of a cluster (Kafka's BrokerLifecycleManager). A
// thread of its own registers the broker with the active controller and then heartbeats every
// broker.heartbeat.interval.ms, reporting how far it has applied the metadata; the controller
// unfences it once it has caught up with its own registration, and fences it when heartbeats
// stop for broker.session.timeout.ms. Requests go to this node's own controller when it is the
// active one, else over the wire (BrokerRegistration, BrokerHeartbeat) to the active
// controller's endpoint as the committed metadata lists it. A heartbeat answered with a stale
// epoch or an unknown broker makes it register again. On a controlled shutdown it heartbeats
// "want shut down" until the controller lets it stop. Every wait is bounded; failures are logged
// at most every 10 s.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "broker/controller_channel.h"
#include "client/connection.h"
#include "common/status.h"
#include "metadata/cluster_control.h"
#include "metadata/metadata_service.h"

namespace eddy::controller {
class QuorumController;
}

namespace eddy::broker {

class BrokerLifecycle {
 public:
  struct Options {
    metadata::BrokerRegistrationRequest registration;  // this incarnation of this broker
    metadata::MetadataService* metadata = nullptr;
    controller::QuorumController* quorum = nullptr;
    // Runs `fn` on this node's controller thread and waits for it.
    std::function<void(std::function<void()> fn)> on_controller_thread;
    int64_t heartbeat_interval_ms = 2000;
    // broker.session.timeout.ms: a controlled shutdown stops waiting after this long without an
    // answer from any controller (one that exists has fenced this broker by then).
    int64_t session_timeout_ms = 9000;
    int retry_backoff_ms = 200;
    int request_timeout_ms = 5000;
  };

  explicit BrokerLifecycle(Options options);
  ~BrokerLifecycle();  // stop()
  BrokerLifecycle(const BrokerLifecycle&) = delete;
  BrokerLifecycle& operator=(const BrokerLifecycle&) = delete;

  void start();
  // Controlled shutdown (controlled.shutdown.enable): heartbeats "want shut down" until the
  // controller, having moved this broker's leaderships away and taken it out of every ISR,
  // answers "should shut down", or until `timeout_ms` passed, or until no controller answered
  // for broker.session.timeout.ms (the quorum is gone, or it fenced this broker meanwhile).
  // True when it may stop with nothing left to move.
  bool controlled_shutdown(int64_t timeout_ms);
  void stop();
  // The broker epoch of the current registration; -1 while not registered.
  int64_t broker_epoch() const { return broker_epoch_.load(); }

 private:
  void run();
  // One registration or heartbeat; the time to wait before the next step.
  int64_t step();
  Status send_registration(int32_t controller_id);
  Status send_heartbeat(int32_t controller_id);

  Options options_;
  std::atomic<int64_t> broker_epoch_{-1};  // -1: not registered; written by the lifecycle thread
  bool fenced_ = true;
  std::chrono::steady_clock::time_point last_report_{};
  // Its own way to the active controller (this thread's connection, kept while the controller
  // stays).
  ControllerChannel channel_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool want_shut_down_ = false;     // guarded by mu_
  bool shut_down_allowed_ = false;  // guarded by mu_
  // The last answer of a controller during a controlled shutdown (lifecycle thread).
  std::chrono::steady_clock::time_point shutdown_contact_{};
  std::thread thread_;
};

}  // namespace eddy::broker
