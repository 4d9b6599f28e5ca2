#include "broker/broker_lifecycle.h"

#include <spdlog/spdlog.h>

#include <chrono>

#include "controller/quorum_controller.h"
#include "protocol/errors.h"
#include "protocol/generated/broker_heartbeat.h"
#include "protocol/generated/broker_registration.h"

namespace eddy::broker {

namespace {

const char* error_name(int16_t code) {
  return protocol::error_name(static_cast<protocol::ErrorCode>(code));
}

// Errors after which the broker registers again: its registration is gone or superseded.
bool must_register_again(int16_t code) {
  return code == protocol::to_int(protocol::ErrorCode::kStaleBrokerEpoch) ||
         code == protocol::to_int(protocol::ErrorCode::kBrokerIdNotRegistered);
}

}  // namespace

BrokerLifecycle::BrokerLifecycle(Options options)
    : options_(std::move(options)),
      channel_(options_.metadata, options_.registration.broker_id,
               options_.registration.incarnation, options_.request_timeout_ms) {}

BrokerLifecycle::~BrokerLifecycle() { stop(); }

void BrokerLifecycle::start() {
  thread_ = std::thread([this] { run(); });
}

void BrokerLifecycle::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool BrokerLifecycle::controlled_shutdown(int64_t timeout_ms) {
  std::unique_lock lock(mu_);
  if (stopping_ || !thread_.joinable()) return true;
  want_shut_down_ = true;
  cv_.notify_all();
  const int32_t self = options_.registration.broker_id;
  spdlog::info("broker {}: controlled shutdown: asking the controller to move its leaderships",
               self);
  bool allowed = cv_.wait_for(lock, std::chrono::milliseconds(std::max<int64_t>(timeout_ms, 0)),
                              [this] { return shut_down_allowed_; });
  if (allowed) {
    spdlog::info("broker {}: controlled shutdown: the controller lets it stop", self);
  } else {
    spdlog::error(
        "broker {}: timed out waiting for the controller to approve controlled shutdown "
        "(shutdown.timeout.ms {}); stopping all the same",
        self, timeout_ms);
  }
  return allowed;
}

void BrokerLifecycle::run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    lock.unlock();
    int64_t wait_ms = step();
    lock.lock();
    // A controlled shutdown starting heartbeats at once.
    const bool shutting_down = want_shut_down_;
    cv_.wait_for(lock, std::chrono::milliseconds(wait_ms),
                 [&] { return stopping_ || want_shut_down_ != shutting_down; });
  }
}

int64_t BrokerLifecycle::step() {
  using Clock = std::chrono::steady_clock;
  const int32_t controller_id = options_.metadata->active_controller();
  const int32_t self = options_.registration.broker_id;
  bool shutting_down = false;
  {
    std::lock_guard lock(mu_);
    shutting_down = want_shut_down_;
    if (shutting_down && shutdown_contact_ == Clock::time_point{}) shutdown_contact_ = Clock::now();
    // Not registered: no leadership or ISR holds this broker, so it may stop at once. No
    // controller answered for a session timeout: none can move anything now, and one that
    // comes back has fenced this broker for its silence.
    const bool unanswered =
        shutting_down &&
        Clock::now() - shutdown_contact_ > std::chrono::milliseconds(options_.session_timeout_ms);
    if (shutting_down && (broker_epoch_ < 0 || unanswered)) {
      if (unanswered) {
        spdlog::warn("broker {}: controlled shutdown: no controller answered for {} ms; stopping",
                     self, options_.session_timeout_ms);
      }
      shut_down_allowed_ = true;
      cv_.notify_all();
      return options_.heartbeat_interval_ms;
    }
  }
  Status s = controller_id < 0   ? unavailable("no active controller is known yet")
             : broker_epoch_ < 0 ? send_registration(controller_id)
                                 : send_heartbeat(controller_id);
  if (!s) {
    channel_.reset();
    if (Clock::now() - last_report_ > std::chrono::seconds(10)) {
      spdlog::warn("broker {}: {}: {}", self, broker_epoch_ < 0 ? "registration" : "heartbeat",
                   s.to_string());
      last_report_ = Clock::now();
    }
    return options_.retry_backoff_ms;
  }
  // Registered: heartbeat at once, to be unfenced as soon as the broker has caught up; in a
  // controlled shutdown, soon, to stop as soon as its leaderships have moved.
  return fenced_ || shutting_down ? options_.retry_backoff_ms : options_.heartbeat_interval_ms;
}

Status BrokerLifecycle::send_registration(int32_t controller_id) {
  const metadata::BrokerRegistrationRequest& reg = options_.registration;
  int16_t error = 0;
  int64_t epoch = -1;
  if (controller_id == reg.broker_id) {
    metadata::BrokerRegistrationReply reply;
    options_.on_controller_thread([&] { reply = options_.quorum->register_broker(reg); });
    error = protocol::to_int(reply.result.code);
    epoch = reply.broker_epoch;
  } else {
    EDDY_ASSIGN_OR_RETURN(client::Connection * conn, channel_.connection());
    protocol::BrokerRegistrationRequest req;
    req.broker_id = reg.broker_id;
    req.cluster_id = reg.cluster_id;
    req.incarnation_id = reg.incarnation;
    for (const auto& e : reg.endpoints) {
      protocol::BrokerRegistrationRequest::Listener l;
      l.name = e.listener;
      l.host = e.host;
      l.port = static_cast<uint16_t>(e.port);
      l.security_protocol = e.security_protocol;
      req.listeners.push_back(std::move(l));
    }
    req.rack = reg.rack;
    EDDY_ASSIGN_OR_RETURN(auto resp, conn->call<protocol::BrokerRegistrationResponse>(req));
    error = resp.error_code;
    epoch = resp.broker_epoch;
  }
  if (error != 0) {
    return unavailable("node " + std::to_string(controller_id) +
                       " refused the registration: " + error_name(error));
  }
  broker_epoch_ = epoch;
  fenced_ = true;
  spdlog::info("broker {} registered with controller {} (broker epoch {})", reg.broker_id,
               controller_id, epoch);
  return Status::ok();
}

Status BrokerLifecycle::send_heartbeat(int32_t controller_id) {
  const int32_t self = options_.registration.broker_id;
  metadata::BrokerHeartbeatRequest hb;
  hb.broker_id = self;
  hb.broker_epoch = broker_epoch_;
  hb.current_metadata_offset = options_.metadata->image()->last_offset();
  {
    std::lock_guard lock(mu_);
    hb.want_shut_down = want_shut_down_;
  }
  int16_t error = 0;
  bool fenced = true;
  bool should_shut_down = false;
  if (controller_id == self) {
    metadata::BrokerHeartbeatReply reply;
    options_.on_controller_thread([&] { reply = options_.quorum->heartbeat(hb); });
    error = protocol::to_int(reply.result.code);
    fenced = reply.is_fenced;
    should_shut_down = reply.should_shut_down;
  } else {
    EDDY_ASSIGN_OR_RETURN(client::Connection * conn, channel_.connection());
    protocol::BrokerHeartbeatRequest req;
    req.broker_id = hb.broker_id;
    req.broker_epoch = hb.broker_epoch;
    req.current_metadata_offset = hb.current_metadata_offset;
    req.want_shut_down = hb.want_shut_down;
    EDDY_ASSIGN_OR_RETURN(auto resp, conn->call<protocol::BrokerHeartbeatResponse>(req));
    error = resp.error_code;
    fenced = resp.is_fenced;
    should_shut_down = resp.should_shut_down;
  }
  if (must_register_again(error)) {
    spdlog::warn("broker {}: controller {} answered {}; registering again", self, controller_id,
                 error_name(error));
    broker_epoch_ = -1;
    return Status::ok();
  }
  if (error != 0) {
    return unavailable("node " + std::to_string(controller_id) +
                       " refused the heartbeat: " + error_name(error));
  }
  if (fenced != fenced_) {
    spdlog::info("broker {} is {} by controller {}", self, fenced ? "fenced" : "unfenced",
                 controller_id);
  }
  fenced_ = fenced;
  if (hb.want_shut_down) {
    shutdown_contact_ = std::chrono::steady_clock::now();
    if (should_shut_down) {
      std::lock_guard lock(mu_);
      shut_down_allowed_ = true;
      cv_.notify_all();
    }
  }
  return Status::ok();
}

}  // namespace eddy::broker
