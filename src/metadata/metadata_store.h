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

namespace eddy::metadata {

class MetadataStore {
 public:
  struct Options {
    std::string dir;
    uint64_t snapshot_bytes = 20u << 20;
  };
  using Plan = std::function<ControllerResult(const MetadataImage&, pb::MetadataBatch*)>;
  // Called after a batch is committed and published, with the image before and after, under the
  // commit lock (so listeners see changes in log order).
  using Listener = std::function<void(const MetadataImage& before, const MetadataImage& after)>;

  static Result<std::unique_ptr<MetadataStore>> open(const Options& options);

  std::shared_ptr<const MetadataImage> image() const;
  void add_listener(Listener listener);

  // Runs `plan`; with validate_only nothing is committed. An empty batch commits nothing.
  ControllerResult commit(const Plan& plan, bool validate_only = false);

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
