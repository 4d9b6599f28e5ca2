#pragma once
// The committed metadata of a single node: a MetadataLog on disk and the MetadataImage built from
// it. commit() is the one way to change metadata: under the commit lock it lets a plan (usually a
// Controller method) look at the current image and emit records, appends them with fsync, applies
// them, publishes the new image and tells the listeners. Readers call image() from any thread.
// Every `snapshot_bytes` of log, the image is written as a snapshot and the log restarts, so
// start-up replays a bounded amount.

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "metadata/controller.h"
#include "metadata/metadata_image.h"
#include "metadata/metadata_log.h"
#include "metadata/metadata_service.h"

namespace eddy::metadata {

class MetadataStore final : public MetadataService {
 public:
  struct Options {
    std::string dir;
    uint64_t snapshot_bytes = 20u << 20;
    int32_t node_id = -1;
  };
  // Listeners are called under the commit lock, so they see changes in log order.

  static Result<std::unique_ptr<MetadataStore>> open(const Options& options);

  std::shared_ptr<const MetadataImage> image() const override;
  void add_listener(Listener listener) override;
  ControllerResult commit(const Plan& plan, bool validate_only = false) override;
  // A single node is its own controller, always.
  int32_t active_controller() const override { return options_.node_id; }
  bool is_active_controller() const override { return true; }

  // True when the log had a torn tail at open (reported, not an error).
  bool recovered_torn_tail() const { return torn_tail_; }

 private:
  MetadataStore(Options options, std::unique_ptr<MetadataLog> log,
                std::shared_ptr<const MetadataImage> image, bool torn_tail);
  Status maybe_snapshot(const MetadataImage& image);

  Options options_;
  std::mutex commit_mu_;  // serializes plan + append + publish
  std::unique_ptr<MetadataLog> log_;
  mutable std::mutex image_mu_;  // guards the pointer only
  std::shared_ptr<const MetadataImage> image_;
  std::vector<Listener> listeners_;
  bool torn_tail_ = false;
};

}  // namespace eddy::metadata
