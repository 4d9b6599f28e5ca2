#pragma once
// BrokerLifecycle: this broker's membership of a cluster (Kafka's BrokerLifecycleManager). A
// thread of its own registers the broker with the active controller, through this node's own
// controller when it is the active one, else with a BrokerRegistration request to the active
// controller's endpoint as the committed metadata lists it; and registers again whenever the
// committed metadata stops showing this incarnation (a controller that lost the registration, an
// operator's unregister). Every wait is bounded; failures are logged at most every 10 s.

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "common/status.h"
#include "metadata/controller.h"
#include "metadata/metadata_service.h"

namespace eddy::broker {

class BrokerLifecycle {
 public:
  struct Options {
    metadata::BrokerRegistration registration;  // this incarnation of this broker
    std::string cluster_id;
    metadata::MetadataService* metadata = nullptr;
    const metadata::Controller* controller = nullptr;
    // Runs a commit on this node's controller thread and returns its result.
    std::function<metadata::ControllerResult(metadata::MetadataService::Plan)> commit_local;
    int retry_backoff_ms = 200;
    int request_timeout_ms = 5000;
  };

  explicit BrokerLifecycle(Options options);
  ~BrokerLifecycle();  // stop()
  BrokerLifecycle(const BrokerLifecycle&) = delete;
  BrokerLifecycle& operator=(const BrokerLifecycle&) = delete;

  void start();
  void stop();
  // True while the committed metadata shows this incarnation registered.
  bool registered() const;

 private:
  void run();
  Status register_once();
  Status register_remote(int32_t controller_id);

  Options options_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace eddy::broker
