#pragma once
// The cluster metadata as the state machine of a RaftNode (KRaft's __cluster_metadata): each
// committed Raft entry is one serialized MetadataBatch, applied whole to the image; a snapshot is
// the image written out as records. The entry's Raft index becomes the image's last_offset, so
// "the same offset" means the same image on every node.
//
// Threads: apply/snapshot/restore run on the RaftNode's thread (its contract); image() and
// add_listener() from any thread. Listeners run on the Raft thread, in log order, after the new
// image is published.

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "metadata/metadata_image.h"
#include "metadata/metadata_service.h"
#include "raft/node/state_machine.h"

namespace eddy::controller {

class MetadataStateMachine final : public raft::StateMachine {
 public:
  MetadataStateMachine();

  std::shared_ptr<const metadata::MetadataImage> image() const;
  void add_listener(metadata::MetadataService::Listener listener);

  // Empty on success; a message when the entry is not a batch that applies to the image. Every
  // node applies the same entries with the same code, so every node refuses the same entry and
  // the images stay identical; the controller applies each batch to a copy before proposing it,
  // so a refusal here means a bug or a damaged log, and is logged as an error.
  std::string apply(const raft::pb::Entry& entry) override;
  std::string snapshot() override;
  Status restore(const std::string& data) override;

 private:
  void publish(std::shared_ptr<const metadata::MetadataImage> next);

  mutable std::mutex image_mu_;  // guards the pointer only
  std::shared_ptr<const metadata::MetadataImage> image_;
  std::mutex listeners_mu_;
  std::vector<metadata::MetadataService::Listener> listeners_;
};

}  // namespace eddy::controller
