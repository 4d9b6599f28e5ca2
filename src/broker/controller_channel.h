#pragma once
// ControllerChannel: how a cluster node that is not the active controller reaches the one that is
// (KRaft's forwarding). Admin requests a client sent to this node are forwarded as they came, with
// the client id replaced by this broker's principal "__eddy_broker/<id>/<incarnation>": the
// incarnation id of a registered broker is known only inside the cluster (registration records,
// never Metadata), so the controller trusts a request carrying it as the broker's own, forwards it
// no further (no loops: a node that is not the controller answers it NOT_CONTROLLER), and lets a
// broker create the internal topics it needs (__consumer_offsets) that clients may not.
//
// Not thread-safe: each user thread has its own (the BrokerLifecycle, the AlterPartitionManager,
// each worker of the ForwardingManager, which retries forwards); the connection to the active
// controller is kept while it stays the controller. Every call is bounded by timeout_ms.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "client/connection.h"
#include "common/bytes.h"
#include "common/status.h"
#include "metadata/controller.h"
#include "metadata/metadata_service.h"

namespace eddy::broker {

class ControllerChannel {
 public:
  ControllerChannel(metadata::MetadataService* metadata, int32_t node_id, const Uuid& incarnation,
                    int timeout_ms);

  // This broker's principal, the client id of what it forwards.
  const std::string& principal() const { return principal_; }
  // True when `client_id` is the principal of a broker registered in `image` (this incarnation).
  static bool is_broker_principal(const std::optional<std::string>& client_id,
                                  const metadata::MetadataImage& image);

  // Sends `frame` (a request as received, without its size prefix) to the active controller with
  // this broker's principal as client id; returns the response body (after the header). The
  // call (connecting included) is bounded by `within_ms` where that is below timeout_ms.
  Result<Bytes> forward(ByteSpan frame, int16_t api_key, int16_t version, int within_ms = -1);
  int timeout_ms() const { return timeout_ms_; }

  // A connection to the active controller's endpoint as the image lists it, kept while it stays
  // the controller; reset() drops it (after a failed call).
  Result<client::Connection*> connection(int open_timeout_ms = -1);
  void reset() { connection_.reset(); }

 private:
  metadata::MetadataService* metadata_;
  std::string principal_;
  int timeout_ms_;
  int32_t connected_to_ = -1;
  std::unique_ptr<client::Connection> connection_;
};

}  // namespace eddy::broker
