#include "broker/broker_lifecycle.h"

#include <spdlog/spdlog.h>

#include <chrono>

#include "client/connection.h"
#include "protocol/generated/broker_registration.h"

namespace eddy::broker {

BrokerLifecycle::BrokerLifecycle(Options options) : options_(std::move(options)) {}

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

bool BrokerLifecycle::registered() const {
  auto image = options_.metadata->image();
  auto it = image->brokers().find(options_.registration.id);
  return it != image->brokers().end() &&
         it->second.incarnation == options_.registration.incarnation;
}

void BrokerLifecycle::run() {
  using Clock = std::chrono::steady_clock;
  Clock::time_point last_report{};
  bool was_registered = false;
  std::unique_lock lock(mu_);
  while (!stopping_) {
    lock.unlock();
    bool now_registered = registered();
    Status s = Status::ok();
    if (!now_registered) s = register_once();
    if (!now_registered && s) now_registered = registered();
    if (now_registered != was_registered) {
      if (now_registered) {
        spdlog::info("broker {} registered with the controller", options_.registration.id);
      } else {
        spdlog::warn("broker {} is not registered; registering", options_.registration.id);
      }
      was_registered = now_registered;
    }
    if (!s && Clock::now() - last_report > std::chrono::seconds(10)) {
      spdlog::warn("broker {}: registration failed: {}", options_.registration.id, s.to_string());
      last_report = Clock::now();
    }
    lock.lock();
    // Registered: look again now and then; not yet: retry after the back-off.
    int wait_ms = now_registered ? 1000 : options_.retry_backoff_ms;
    cv_.wait_for(lock, std::chrono::milliseconds(wait_ms), [this] { return stopping_; });
  }
}

Status BrokerLifecycle::register_once() {
  const int32_t controller_id = options_.metadata->active_controller();
  if (controller_id < 0) return unavailable("no active controller is known yet");
  if (controller_id != options_.registration.id) return register_remote(controller_id);
  const metadata::BrokerRegistration& reg = options_.registration;
  const metadata::Controller* controller = options_.controller;
  metadata::ControllerResult r = options_.commit_local(
      [&reg, controller](const metadata::MetadataImage&, metadata::pb::MetadataBatch* out) {
        return controller->register_broker(reg, out);
      });
  if (!r.ok()) return unavailable("local controller: " + r.message);
  return Status::ok();
}

Status BrokerLifecycle::register_remote(int32_t controller_id) {
  auto image = options_.metadata->image();
  auto it = image->brokers().find(controller_id);
  if (it == image->brokers().end() || it->second.endpoints.empty()) {
    return unavailable("the active controller (node " + std::to_string(controller_id) +
                       ") has no registered endpoint yet");
  }
  const metadata::BrokerEndpoint& ep = it->second.endpoints.front();
  EDDY_ASSIGN_OR_RETURN(auto conn, client::Connection::open(
                                       {ep.host, ep.port}, options_.request_timeout_ms,
                                       "eddy-broker-" + std::to_string(options_.registration.id)));
  protocol::BrokerRegistrationRequest req;
  const metadata::BrokerRegistration& reg = options_.registration;
  req.broker_id = reg.id;
  req.cluster_id = options_.cluster_id;
  req.incarnation_id.bytes = reg.incarnation.bytes;
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
  if (resp.error_code != 0) {
    return unavailable("node " + std::to_string(controller_id) +
                       " answered BrokerRegistration with error " +
                       std::to_string(resp.error_code));
  }
  return Status::ok();
}

}  // namespace eddy::broker
