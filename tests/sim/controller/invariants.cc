#include "invariants.h"

#include <algorithm>
#include <vector>

namespace eddy::metadata::sim {
namespace {

bool contains(const std::vector<int32_t>& v, int32_t x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

bool distinct_subset(const std::vector<int32_t>& sub, const std::vector<int32_t>& of) {
  std::vector<int32_t> s = sub;
  std::sort(s.begin(), s.end());
  if (std::adjacent_find(s.begin(), s.end()) != s.end()) return false;
  return std::all_of(sub.begin(), sub.end(), [&](int32_t x) { return contains(of, x); });
}

std::string where(int node, const MetadataImage& image) {
  return "node " + std::to_string(node) + " offset " + std::to_string(image.last_offset());
}

std::string list(const std::vector<int32_t>& v) {
  std::string out = "[";
  for (int32_t x : v) {
    if (out.size() > 1) out += ',';
    out += std::to_string(x);
  }
  return out + "]";
}

std::string partition_name(const TopicImage& t, const PartitionState& p) {
  return t.name + "-" + std::to_string(p.partition) + " (replicas " + list(p.replicas) + " isr " +
         list(p.isr) + " leader " + std::to_string(p.leader) + " adding " +
         list(p.adding_replicas) + " removing " + list(p.removing_replicas) + ")";
}

// The image as one string: two images are the same metadata exactly when these are equal
// (records come out in a fixed order: brokers, topics by name, partitions by id, configs).
std::string fingerprint(const MetadataImage& image) {
  pb::MetadataBatch all;
  for (auto& r : image.to_records()) *all.add_records() = std::move(r);
  std::string out;
  (void)all.SerializeToString(&out);
  return out;
}

}  // namespace

void InvariantChecker::fail(const std::string& what) {
  if (failure_.empty()) failure_ = what;
}

void InvariantChecker::active_controller(uint64_t term, int node) {
  auto [it, inserted] = active_.try_emplace(term, node);
  if (!inserted && it->second != node) {
    fail("two active controllers in term " + std::to_string(term) + ": nodes " +
         std::to_string(it->second) + " and " + std::to_string(node));
  }
}

void InvariantChecker::committed_batch(int node, int64_t offset, const pb::MetadataBatch& batch) {
  for (const auto& r : batch.records()) {
    if (r.has_register_broker() && r.register_broker().broker_epoch() != offset) {
      fail("node " + std::to_string(node) + ": broker " +
           std::to_string(r.register_broker().broker_id()) + " registered with epoch " +
           std::to_string(r.register_broker().broker_epoch()) + " by the entry at offset " +
           std::to_string(offset));
    }
  }
}

void InvariantChecker::planned(const MetadataImage& image, const pb::MetadataBatch& batch,
                               bool leader_vouched, bool unclean_allowed) {
  if (leader_vouched || unclean_allowed) return;
  for (const auto& r : batch.records()) {
    if (!r.has_partition_change() || !r.partition_change().has_isr()) continue;
    const pb::PartitionChangeRecord& c = r.partition_change();
    auto id = Uuid::from_bytes(c.topic_id());
    const TopicImage* t = id ? image.topic_by_id(*id) : nullptr;
    if (t == nullptr || c.partition_id() < 0 ||
        static_cast<size_t>(c.partition_id()) >= t->partitions.size()) {
      continue;
    }
    const PartitionState& p = t->partitions[static_cast<size_t>(c.partition_id())];
    const std::vector<int32_t> isr(c.isr().ids().begin(), c.isr().ids().end());
    for (int32_t b : isr) {
      if (contains(p.isr, b)) continue;
      fail(partition_name(*t, p) + " at offset " + std::to_string(image.last_offset()) +
           ": broker " + std::to_string(b) + " joins the ISR (new ISR " + list(isr) +
           ") without an AlterPartition from the leader and without unclean election");
      return;
    }
  }
}

void InvariantChecker::check_partitions(int node, const MetadataImage& image) {
  for (const auto& [name, t] : image.topics()) {
    for (const auto& p : t->partitions) {
      const std::string what = partition_name(*t, p) + " at " + where(node, image);
      if (!distinct_subset(p.replicas, p.replicas)) fail(what + ": duplicate replicas");
      if (!distinct_subset(p.isr, p.replicas)) fail(what + ": ISR not a subset of the replicas");
      // Kafka never writes an empty ISR: the last member stays in it, leaderless.
      if (p.isr.empty()) fail(what + ": empty ISR");
      if (!distinct_subset(p.adding_replicas, p.replicas) ||
          !distinct_subset(p.removing_replicas, p.replicas)) {
        fail(what + ": adding/removing replicas not a subset of the replicas");
      }
      if (p.leader == kNoLeader) continue;
      if (!contains(p.isr, p.leader)) {
        fail(what + ": leader " + std::to_string(p.leader) + " not in its ISR");
      }
      const BrokerRegistration* b = image.broker(p.leader);
      if (b == nullptr) {
        fail(what + ": leader " + std::to_string(p.leader) + " is not registered");
      } else if (b->fenced) {
        fail(what + ": leader " + std::to_string(p.leader) + " is fenced");
      } else if (b->in_controlled_shutdown) {
        fail(what + ": leader " + std::to_string(p.leader) + " is in controlled shutdown");
      }
    }
  }
}

void InvariantChecker::check_successor(int node, const MetadataImage& before,
                                       const MetadataImage& after) {
  if (after.last_offset() < before.last_offset()) {
    fail(where(node, after) + ": the image went back from offset " +
         std::to_string(before.last_offset()));
    return;
  }
  for (const auto& [name, t] : after.topics()) {
    const TopicImage* old = before.topic(name);
    if (old == nullptr || old->id != t->id) continue;
    for (const auto& p : t->partitions) {
      if (static_cast<size_t>(p.partition) >= old->partitions.size()) continue;
      const PartitionState& q = old->partitions[static_cast<size_t>(p.partition)];
      const std::string what = partition_name(*t, p) + " at " + where(node, after);
      if (p.leader_epoch < q.leader_epoch || p.partition_epoch < q.partition_epoch) {
        fail(what + ": epochs went back from leader " + std::to_string(q.leader_epoch) +
             " partition " + std::to_string(q.partition_epoch) + " to leader " +
             std::to_string(p.leader_epoch) + " partition " + std::to_string(p.partition_epoch));
        continue;
      }
      const bool changed = p.replicas != q.replicas || p.isr != q.isr || p.leader != q.leader ||
                           p.adding_replicas != q.adding_replicas ||
                           p.removing_replicas != q.removing_replicas;
      if (changed && p.partition_epoch == q.partition_epoch) {
        fail(what + ": changed without a new partition epoch");
      }
      if (p.leader != q.leader && p.leader_epoch == q.leader_epoch) {
        fail(what + ": leader " + std::to_string(q.leader) + " -> " + std::to_string(p.leader) +
             " without a new leader epoch");
      }
    }
  }
}

void InvariantChecker::check_acknowledged(int node, const MetadataImage& image) {
  for (const auto& [name, ack] : acked_) {
    if (image.last_offset() < ack.offset || deletion_requested_.count(name) > 0) continue;
    const TopicImage* t = image.topic(name);
    if (t == nullptr || t->id != ack.id) {
      fail("acknowledged topic " + name + " (created at offset " + std::to_string(ack.offset) +
           ") is " + (t == nullptr ? "missing" : "another topic") + " at " + where(node, image));
    }
  }
}

void InvariantChecker::published(int node, const MetadataImage& image, bool restored) {
  images_checked_++;
  if (image.last_offset() >= 0) {
    std::string fp = fingerprint(image);
    auto [it, inserted] = image_at_.try_emplace(image.last_offset(), fp);
    if (!inserted && it->second != fp) {
      fail(where(node, image) + ": image differs from another node's at the same offset");
    }
  }
  check_partitions(node, image);
  auto last = last_image_.find(node);
  if (last != last_image_.end() && !restored) check_successor(node, last->second, image);
  check_acknowledged(node, image);
  last_image_.insert_or_assign(node, image);
}

void InvariantChecker::creation_acknowledged(const std::string& name, const Uuid& id,
                                             int64_t offset) {
  auto it = acked_.find(name);
  if (it != acked_.end() && it->second.id != id && deletion_requested_.count(name) == 0) {
    fail("topic " + name + " acknowledged as created twice (offsets " +
         std::to_string(it->second.offset) + " and " + std::to_string(offset) +
         ") with no deletion asked for");
  }
  acked_.insert_or_assign(name, Acked{id, offset});
}

void InvariantChecker::deletion_requested(const std::string& name) {
  deletion_requested_.insert(name);
}

}  // namespace eddy::metadata::sim
