#pragma once
// The invariants of the controller simulation, as a checker fed with what the simulation
// observes (which node is the active controller of which term, every image a node publishes,
// every committed batch, the topic creations acknowledged to clients). It holds no reference to
// the simulation, so a test can feed it a made-up, corrupted history and show that each
// invariant fails when it should (invariants_test.cc).
//
// Checked:
//  - at most one active controller per Raft term;
//  - every node's image is identical at the same committed offset;
//  - a partition leader is a registered, unfenced broker not in controlled shutdown, and a member
//    of the ISR; the ISR is not empty; the ISR and the adding/removing replicas are
//    duplicate-free subsets of the replicas;
//  - along each node's images, leader and partition epochs never go backwards; the partition
//    epoch grows with every change of the partition and the leader epoch with every new leader;
//  - a broker's epoch is the offset of its registration record;
//  - a planned batch adds a broker to a partition's ISR only when the partition's leader said it
//    caught up (an AlterPartition) or an unclean election is allowed: anything else may make a
//    replica that lacks acknowledged records eligible to lead;
//  - no acknowledged topic creation is lost (an image at or after the acknowledged offset holds
//    the topic with the acknowledged id unless a deletion of that name was ever asked for), and
//    no name is acknowledged as created twice without a deletion in between.
// The first violation is kept; later ones are ignored.

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>

#include "metadata/metadata.pb.h"
#include "metadata/metadata_image.h"

namespace eddy::metadata::sim {

class InvariantChecker {
 public:
  // `node` is active controller (Raft leader that applied its term's first entry) in `term`.
  void active_controller(uint64_t term, int node);
  // `node` applied the committed `batch` at `offset`.
  void committed_batch(int node, int64_t offset, const pb::MetadataBatch& batch);
  // `node` published `image` (after an apply or a snapshot restore). `restored`: rebuilt from a
  // snapshot or log at start-up, so it is not a successor of the node's previous image.
  void published(int node, const MetadataImage& image, bool restored);
  // The active controller planned `batch` against `image` (before proposing it).
  // `leader_vouched`: the batch answers an AlterPartition; `unclean_allowed`: the cluster has
  // unclean.leader.election.enable or the request is an unclean ElectLeaders.
  void planned(const MetadataImage& image, const pb::MetadataBatch& batch, bool leader_vouched,
               bool unclean_allowed);
  // A client was told that topic `name` was created with `id` by the entry at `offset`.
  void creation_acknowledged(const std::string& name, const Uuid& id, int64_t offset);
  // A client asked for `name` to be deleted (whatever the answer).
  void deletion_requested(const std::string& name);

  bool ok() const { return failure_.empty(); }
  const std::string& failure() const { return failure_; }
  uint64_t images_checked() const { return images_checked_; }

 private:
  struct Acked {
    Uuid id;
    int64_t offset = 0;
  };
  using PartitionKey = std::pair<Uuid, int32_t>;
  void fail(const std::string& what);
  void check_partitions(int node, const MetadataImage& image);
  void check_successor(int node, const MetadataImage& before, const MetadataImage& after);
  void check_acknowledged(int node, const MetadataImage& image);

  std::string failure_;
  uint64_t images_checked_ = 0;
  std::map<uint64_t, int> active_;           // term -> node
  std::map<int64_t, std::string> image_at_;  // offset -> the image as records
  std::map<int, MetadataImage> last_image_;  // node -> its previous image
  std::map<std::string, Acked> acked_;       // name -> latest acknowledged creation
  std::set<std::string> deletion_requested_;
};

}  // namespace eddy::metadata::sim
