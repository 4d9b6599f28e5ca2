#pragma once
// MetadataService: what the broker and its handlers see of the cluster metadata, the same on a
// single node (MetadataStore: a local log) and in a Raft quorum (controller::QuorumController).
//
// - image(): the latest committed image; any thread; the image never changes once handed out.
// - add_listener(): called after each committed batch (or a snapshot installed), with the image
//   before and after, in log order. Listeners must not call commit().
// - commit(): the one way to change metadata. On the active controller it runs `plan` against
//   the latest committed image (which then includes every earlier commit of this controller),
//   commits the records it emitted and returns once they are applied here. Anywhere else it
//   answers NOT_CONTROLLER, naming the active controller when known. Callers run it on the
//   broker's controller thread, one at a time.

#include <cstdint>
#include <functional>
#include <memory>

#include "metadata/controller.h"
#include "metadata/metadata.pb.h"
#include "metadata/metadata_image.h"

namespace eddy::metadata {

class MetadataService {
 public:
  using Plan = std::function<ControllerResult(const MetadataImage&, pb::MetadataBatch*)>;
  using Listener = std::function<void(const MetadataImage& before, const MetadataImage& after)>;

  virtual ~MetadataService() = default;

  virtual std::shared_ptr<const MetadataImage> image() const = 0;
  virtual void add_listener(Listener listener) = 0;
  // Runs `plan`; with validate_only nothing is committed. An empty batch commits nothing.
  virtual ControllerResult commit(const Plan& plan, bool validate_only = false) = 0;

  // The node id of the active controller; -1 while none is known.
  virtual int32_t active_controller() const = 0;
  // True when commit() on this node can succeed now.
  virtual bool is_active_controller() const = 0;
};

}  // namespace eddy::metadata
