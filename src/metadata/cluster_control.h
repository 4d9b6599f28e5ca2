#pragma once
// The controller's cluster decisions as pure functions of (image, request, now): broker
// registration, heartbeats, fencing, controlled shutdown, elections, AlterPartition, leader
// rebalance and producer id blocks. Each appends the records that carry the decision to a batch
// and returns the answer; nothing here does I/O or reads a clock. The caller (the single node's
// store, or the Raft leader) plans one request at a time against the committed image plus its own
// in-flight batches, so two plans never both see the same state as current.
//
// Broker sessions are the active controller's soft state (BrokerHeartbeatManager), not metadata:
// a new active controller starts every session afresh at its first tick, as Kafka's does.
// Decision rules and error codes: docs/controller.md.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "metadata/controller.h"
#include "metadata/metadata_image.h"
#include "metadata/partition_change.h"

namespace eddy::metadata {

struct ClusterSettings {
  std::string cluster_id;
  int64_t session_timeout_ms = 9000;                    // broker.session.timeout.ms
  bool unclean_leader_election_enable = false;          // unclean.leader.election.enable
  int32_t leader_imbalance_per_broker_percentage = 10;  // leader.imbalance.per.broker.percentage
};

// Producer ids are handed to brokers in blocks of this many (Kafka's PRODUCER_ID_BLOCK_SIZE).
inline constexpr int64_t kProducerIdBlockSize = 1000;

// The last contact of each broker, with time passed in.
class BrokerHeartbeatManager {
 public:
  explicit BrokerHeartbeatManager(int64_t session_timeout_ms) : timeout_ms_(session_timeout_ms) {}

  void touch(int32_t broker, int64_t now_ms) { last_contact_ms_[broker] = now_ms; }
  void remove(int32_t broker) { last_contact_ms_.erase(broker); }
  bool has_valid_session(int32_t broker, int64_t now_ms) const;
  // A controller that becomes active in `term` starts every registered broker's session afresh
  // at `now_ms`, once per term: it heard nothing that the previous controller heard. Returns
  // whether `term` was new.
  bool start_term(uint64_t term, const MetadataImage& image, int64_t now_ms);
  // Brokers whose session expired, the longest-silent first.
  std::vector<int32_t> expired(int64_t now_ms) const;

 private:
  int64_t timeout_ms_;
  uint64_t term_ = 0;
  std::map<int32_t, int64_t> last_contact_ms_;
};

struct BrokerRegistrationRequest {
  int32_t broker_id = -1;
  std::string cluster_id;
  Uuid incarnation;
  std::vector<BrokerEndpoint> endpoints;
  std::optional<std::string> rack;
};

struct BrokerRegistrationReply {
  ControllerResult result;
  int64_t broker_epoch = -1;
};

struct BrokerHeartbeatRequest {
  int32_t broker_id = -1;
  int64_t broker_epoch = -1;
  int64_t current_metadata_offset = -1;  // the last metadata offset the broker has applied
  bool want_fence = false;
  bool want_shut_down = false;
};

struct BrokerHeartbeatReply {
  ControllerResult result;
  bool is_caught_up = false;
  bool is_fenced = true;
  bool should_shut_down = false;
};

struct AlterPartitionRequest {
  struct Replica {
    int32_t broker_id = -1;
    int64_t broker_epoch = -1;  // -1: not checked (Kafka's AlterPartition v0-v2)
  };
  struct Partition {
    Uuid topic_id;
    int32_t partition = 0;
    int32_t leader_epoch = 0;
    int32_t partition_epoch = 0;
    std::vector<Replica> new_isr;
  };
  int32_t broker_id = -1;
  int64_t broker_epoch = -1;
  std::vector<Partition> partitions;
};

struct AlterPartitionReply {
  struct Partition {
    Uuid topic_id;
    int32_t partition = 0;
    ErrorCode error = ErrorCode::kNone;
    // The partition's state once the change applies (on NONE).
    int32_t leader = kNoLeader;
    std::vector<int32_t> isr;
    int32_t leader_epoch = 0;
    int32_t partition_epoch = 0;
  };
  ErrorCode error = ErrorCode::kNone;  // request-level: STALE_BROKER_EPOCH
  std::vector<Partition> partitions;
};

struct ElectionResult {
  std::string topic;
  int32_t partition = 0;
  ErrorCode error = ErrorCode::kNone;
  std::string message;
};

class ClusterControl {
 public:
  explicit ClusterControl(ClusterSettings settings) : settings_(std::move(settings)) {}
  const ClusterSettings& settings() const { return settings_; }

  // --- brokers (controller_brokers.cc)

  // A broker registers fenced, with broker epoch = `next_offset`, the offset the caller's log
  // will give this batch (on a single node the store's next offset; on the Raft leader the index
  // its proposal gets). Wrong cluster id: INCONSISTENT_CLUSTER_ID. The same id with another
  // incarnation while the old one is unfenced with a live session: DUPLICATE_BROKER_REGISTRATION
  // (a fenced one holds no session, as in Kafka). A previous
  // registration that still leads or sits in ISRs leaves them first (it restarted). Starts the
  // broker's session.
  BrokerRegistrationReply register_broker(const MetadataImage& image,
                                          BrokerHeartbeatManager& sessions,
                                          const BrokerRegistrationRequest& request,
                                          int64_t next_offset, int64_t now_ms,
                                          pb::MetadataBatch* out) const;
  // Kafka's broker heartbeat state machine (BrokerHeartbeatManager.calculateNextBrokerState):
  //  fenced: want_shut_down -> stop now; caught up (current offset >= broker epoch) and not
  //    want_fence -> unfenced, and it leads the partitions that had no leader and can have it;
  //  unfenced: want_fence -> fenced; want_shut_down -> controlled shutdown when it leads
  //    anything (it leaves every ISR and its leaderships move), else fenced and stop now;
  //  in controlled shutdown: once it leads nothing -> fenced and stop now.
  // Unknown broker: BROKER_ID_NOT_REGISTERED; another epoch: STALE_BROKER_EPOCH.
  BrokerHeartbeatReply heartbeat(const MetadataImage& image, BrokerHeartbeatManager& sessions,
                                 const BrokerHeartbeatRequest& request, int64_t now_ms,
                                 pb::MetadataBatch* out) const;
  // Fences the broker whose session expired longest ago: it leaves every ISR, its leaderships
  // move (or the partition goes leaderless), FenceBrokerRecord. One broker per batch, so each is
  // planned against the image the previous one made. Returns the broker, or -1 when none expired.
  int32_t fence_one_expired(const MetadataImage& image, BrokerHeartbeatManager& sessions,
                            int64_t now_ms, pb::MetadataBatch* out) const;
  // Kafka's UnregisterBroker: BROKER_ID_NOT_REGISTERED when unknown.
  ControllerResult unregister_broker(const MetadataImage& image, BrokerHeartbeatManager& sessions,
                                     int32_t broker_id, pb::MetadataBatch* out) const;
  // The next block of kProducerIdBlockSize producer ids for a broker (AllocateProducerIds);
  // *first_id is its first id. Stale or unknown broker epoch: STALE_BROKER_EPOCH.
  ControllerResult allocate_producer_ids(const MetadataImage& image, int32_t broker_id,
                                         int64_t broker_epoch, int64_t* first_id,
                                         pb::MetadataBatch* out) const;

  // --- partitions (controller_partitions.cc)

  // ISR changes from partition leaders, with Kafka's checks in Kafka's order
  // (ReplicationControlManager.alterPartition): the request's broker epoch (STALE_BROKER_EPOCH),
  // then per partition: unknown topic (UNKNOWN_TOPIC_ID), unknown partition
  // (UNKNOWN_TOPIC_OR_PARTITION), epochs ahead of ours (NOT_CONTROLLER), older leader epoch
  // (FENCED_LEADER_EPOCH), sender not the leader (INVALID_REQUEST), older partition epoch
  // (INVALID_UPDATE_VERSION), ISR not a duplicate-free subset of the replicas or without the
  // leader (INVALID_REQUEST), a member not registered, fenced, shutting down or of another epoch
  // (INELIGIBLE_REPLICA).
  AlterPartitionReply alter_partition(const MetadataImage& image,
                                      const AlterPartitionRequest& request,
                                      pb::MetadataBatch* out) const;
  // ElectLeaders (PREFERRED or UNCLEAN); `partitions` empty: every partition, and those already
  // led as wanted are left out of the answer (as Kafka's).
  std::vector<ElectionResult> elect_leaders(
      const MetadataImage& image, Election election,
      const std::vector<std::pair<std::string, int32_t>>& partitions, pb::MetadataBatch* out) const;
  // AlterPartitionReassignments for one partition (Kafka's
  // ReplicationControlManager.changePartitionReassignment, KIP-455). `target` starts a
  // reassignment from the partition's original replicas (an ongoing one is replaced): replicas
  // = target then the original replicas not in it, adding = target - original, removing =
  // original - target; it completes (PartitionChangeBuilder) once every target replica is in the
  // ISR, at once when nothing is added. nullopt cancels the ongoing one: back to the original
  // replicas, the ISR without the adding ones. Errors: unknown topic or partition
  // UNKNOWN_TOPIC_OR_PARTITION; an empty target, duplicates or an unregistered broker
  // INVALID_REPLICA_ASSIGNMENT; another replica count when `allow_rf_change` is false
  // INVALID_REPLICATION_FACTOR; a cancel with nothing in progress NO_REASSIGNMENT_IN_PROGRESS.
  ControllerResult alter_partition_reassignment(const MetadataImage& image,
                                                const std::string& topic, int32_t partition,
                                                const std::optional<std::vector<int32_t>>& target,
                                                bool allow_rf_change, pb::MetadataBatch* out) const;
  // auto.leader.rebalance.enable's periodic check: for each broker whose share of partitions it
  // prefers (replicas[0]) but does not lead exceeds leader.imbalance.per.broker.percentage,
  // preferred elections for those partitions. Returns how many partitions change leader.
  int32_t rebalance_leaders(const MetadataImage& image, pb::MetadataBatch* out) const;

 private:
  // `broker` leaves every ISR it is in and every leadership (fencing, controlled shutdown,
  // unregistration, re-registration); nothing it leaves is left with an empty ISR.
  void leave_isrs(const MetadataImage& image, int32_t broker, pb::MetadataBatch* out) const;
  // Partitions without a leader that `broker` (being unfenced in the same batch) lets elect one.
  void elect_leaderless(const MetadataImage& image, int32_t broker, pb::MetadataBatch* out) const;
  void fence(const MetadataImage& image, const BrokerRegistration& broker,
             pb::MetadataBatch* out) const;

  ClusterSettings settings_;
};

// Whether `broker` leads any partition of the image.
bool leads_any(const MetadataImage& image, int32_t broker);

}  // namespace eddy::metadata
