#pragma once
// ProducerIdManager: the producer ids this broker hands out to idempotent producers
// (InitProducerId), from blocks of metadata::kProducerIdBlockSize that the active controller
// allocates (AllocateProducerIds; Kafka's RPCProducerIdManager). A block is recorded in the
// metadata log before it is handed out (ProducerIdsRecord), so no two brokers, and no two
// incarnations of one broker, ever hand out the same id.
//
// try_next() is cheap and safe on any thread. refill() fetches the next block when the current
// one is used up; it may wait on the active controller (bounded by the caller's fetch), so it
// runs on the controller thread.

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>

#include "common/status.h"

namespace eddy::broker {

struct BrokerContext;

class ProducerIdManager {
 public:
  // Allocates the next block at the active controller; its first id.
  using FetchBlock = std::function<Result<int64_t>()>;

  explicit ProducerIdManager(FetchBlock fetch) : fetch_(std::move(fetch)) {}

  // The next id of the block in hand; nullopt when it is used up (then refill()).
  std::optional<int64_t> try_next();
  // Fetches a new block unless one with ids left is in hand.
  Status refill();

 private:
  FetchBlock fetch_;
  std::mutex mu_;
  int64_t next_ = 0;  // [next_, end_): the ids left in hand
  int64_t end_ = 0;
};

// The fetch of a cluster node or a single node: where this node is the active controller (or a
// single node) the block is committed here, else AllocateProducerIds goes to the active
// controller (ControllerChannel). `broker_epoch` is this broker's registered epoch now. Runs on
// the controller thread.
ProducerIdManager::FetchBlock fetch_from_controller(const BrokerContext* ctx,
                                                    std::function<int64_t()> broker_epoch);

}  // namespace eddy::broker
