#include "controller/metadata_state_machine.h"

#include <spdlog/spdlog.h>

namespace eddy::controller {

using metadata::MetadataImage;

MetadataStateMachine::MetadataStateMachine() : image_(std::make_shared<MetadataImage>()) {}

std::shared_ptr<const MetadataImage> MetadataStateMachine::image() const {
  std::lock_guard lock(image_mu_);
  return image_;
}

void MetadataStateMachine::add_listener(metadata::MetadataService::Listener listener) {
  std::lock_guard lock(listeners_mu_);
  listeners_.push_back(std::move(listener));
}

std::string MetadataStateMachine::apply(const raft::pb::Entry& entry) {
  metadata::pb::MetadataBatch batch;
  if (!batch.ParseFromString(entry.data())) {
    std::string m = "metadata entry " + std::to_string(entry.index()) + " is not a MetadataBatch";
    spdlog::error("{}; skipped on every node", m);
    return m;
  }
  auto next = std::make_shared<MetadataImage>(*image());
  if (Status s = next->apply_batch(batch); !s) {
    std::string m =
        "metadata entry " + std::to_string(entry.index()) + " does not apply: " + s.message();
    spdlog::error("{}; skipped on every node", m);
    return m;
  }
  next->set_last_offset(static_cast<int64_t>(entry.index()));
  publish(std::move(next));
  return std::string();
}

std::string MetadataStateMachine::snapshot() {
  auto current = image();
  metadata::pb::MetadataSnapshot snap;
  snap.set_last_offset(current->last_offset());
  for (auto& r : current->to_records()) *snap.add_records() = std::move(r);
  return snap.SerializeAsString();
}

Status MetadataStateMachine::restore(const std::string& data) {
  metadata::pb::MetadataSnapshot snap;
  if (!snap.ParseFromString(data)) return corruption("metadata snapshot does not parse");
  auto next = std::make_shared<MetadataImage>();
  for (const auto& r : snap.records()) {
    if (Status s = next->apply(r); !s) {
      return corruption("metadata snapshot does not apply: " + s.message());
    }
  }
  next->set_last_offset(snap.last_offset());
  publish(std::move(next));
  return Status::ok();
}

void MetadataStateMachine::publish(std::shared_ptr<const MetadataImage> next) {
  std::shared_ptr<const MetadataImage> before;
  {
    std::lock_guard lock(image_mu_);
    before = std::move(image_);
    image_ = next;
  }
  std::lock_guard lock(listeners_mu_);
  for (const auto& l : listeners_) l(*before, *next);
}

}  // namespace eddy::controller
