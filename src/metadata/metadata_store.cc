#include "metadata/metadata_store.h"

namespace eddy::metadata {

MetadataStore::MetadataStore(Options options, std::unique_ptr<MetadataLog> log,
                             std::shared_ptr<const MetadataImage> image, bool torn_tail)
    : options_(std::move(options)),
      log_(std::move(log)),
      image_(std::move(image)),
      torn_tail_(torn_tail) {}

Result<std::unique_ptr<MetadataStore>> MetadataStore::open(const Options& options) {
  MetadataLog::Recovered recovered;
  EDDY_ASSIGN_OR_RETURN(auto log, MetadataLog::open(options.dir, &recovered));
  auto image = std::make_shared<MetadataImage>();
  if (recovered.snapshot) {
    // One run, so that each topic is built in place rather than copied per partition.
    Status s = image->apply_records(recovered.snapshot->records());
    if (!s) return corruption("metadata snapshot does not apply: " + s.message());
    image->set_last_offset(recovered.snapshot->last_offset());
  }
  for (const auto& [offset, batch] : recovered.entries) {
    Status s = image->apply_batch(batch);
    if (!s) {
      return corruption("metadata log entry " + std::to_string(offset) +
                        " does not apply: " + s.message());
    }
    image->set_last_offset(offset);
  }
  return std::unique_ptr<MetadataStore>(
      new MetadataStore(options, std::move(log), std::move(image), recovered.truncated_tail));
}

std::shared_ptr<const MetadataImage> MetadataStore::image() const {
  std::lock_guard lock(image_mu_);
  return image_;
}

void MetadataStore::add_listener(Listener listener) {
  std::lock_guard lock(commit_mu_);
  listeners_.push_back(std::move(listener));
}

ControllerResult MetadataStore::commit(const Plan& plan, bool validate_only) {
  std::lock_guard lock(commit_mu_);
  std::shared_ptr<const MetadataImage> before = image();
  pb::MetadataBatch batch;
  ControllerResult r = plan(*before, &batch);
  if (!r.ok() || validate_only || batch.records_size() == 0) return r;

  // Apply to a copy first: a batch that does not apply is a controller bug, and must not reach
  // the log where it would stop every later start-up.
  auto next = std::make_shared<MetadataImage>(*before);
  if (Status s = next->apply_batch(batch); !s) {
    return ControllerResult::error(protocol::ErrorCode::kUnknownServerError,
                                   "controller emitted records that do not apply: " + s.message());
  }
  auto offset = log_->append(batch);
  if (!offset) {
    return ControllerResult::error(protocol::ErrorCode::kKafkaStorageError,
                                   "metadata log append failed: " + offset.status().message());
  }
  next->set_last_offset(*offset);
  {
    std::lock_guard image_lock(image_mu_);
    image_ = next;
  }
  for (const auto& l : listeners_) l(*before, *next);
  // A failed snapshot costs only start-up time: the log still holds everything.
  (void)maybe_snapshot(*next);
  return r;
}

Status MetadataStore::maybe_snapshot(const MetadataImage& image) {
  if (log_->log_bytes() < options_.snapshot_bytes) return Status::ok();
  pb::MetadataSnapshot snap;
  snap.set_last_offset(image.last_offset());
  for (auto& r : image.to_records()) *snap.add_records() = std::move(r);
  return log_->write_snapshot(snap);
}

}  // namespace eddy::metadata
