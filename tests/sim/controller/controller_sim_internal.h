#pragma once
// The controller simulation's internals (controller_sim.h describes it), shared by its two
// halves: controller_sim.cc (the controllers and the event loop) and sim_actors.cc (brokers,
// clients and faults).

#include <algorithm>
#include <deque>
#include <memory>
#include <optional>
#include <set>
#include <unordered_map>
#include <variant>
#include <vector>

#include "controller/metadata_state_machine.h"
#include "controller_sim.h"
#include "invariants.h"
#include "metadata/cluster_control.h"
#include "metadata/controller.h"
#include "sim_node.h"

namespace eddy::metadata::sim::internal {

using raft::MemoryStorage;
using raft::Random;
using raft::Ready;
using E = protocol::ErrorCode;

constexpr int64_t kTickMs = 10;
constexpr int64_t kHeartbeatMs = 100;       // broker.heartbeat.interval.ms, scaled down
constexpr int64_t kSessionTimeoutMs = 600;  // broker.session.timeout.ms, scaled down
constexpr int64_t kRequestTimeoutMs = 500;  // a proposal's answer, as RaftNode's request timeout
constexpr int64_t kClientTimeoutMs = 800;   // a client or broker gives up on an answer
constexpr int64_t kFenceCheckMs = 50;       // the active controller's session expiry check
constexpr uint64_t kSnapshotEvery = 16;     // applied entries between snapshots
constexpr size_t kTraceLines = 300;
constexpr int kInternal = -1000000;  // Rpc::sender of the controller's own timer: no answer
inline constexpr const char* kClusterId = "sim-cluster-id-000000";

struct CreateTopic {
  std::string name;
  int32_t partitions = 1;
  int16_t replication_factor = 1;
};
struct DeleteTopic {
  std::string name;
};
struct Reassign {
  std::string topic;
  int32_t partition = 0;
  std::optional<std::vector<int32_t>> target;  // nullopt: cancel
};
struct CreatePartitions {
  std::string topic;
  int32_t count = 1;
};
struct ElectLeaders {
  Election election = Election::kPreferred;
};
struct UnregisterBroker {
  int32_t broker = 0;
};
struct FenceExpired {};  // the active controller's own timer, not sent over the network
using Request = std::variant<BrokerRegistrationRequest, BrokerHeartbeatRequest,
                             AlterPartitionRequest, CreateTopic, DeleteTopic, Reassign,
                             CreatePartitions, ElectLeaders, UnregisterBroker, FenceExpired>;

struct Reply {
  ControllerResult result;
  int32_t leader_hint = -1;  // NOT_CONTROLLER: the active controller, when known
  int64_t offset = -1;       // the entry that carried the change
  BrokerRegistrationReply registration;
  BrokerHeartbeatReply heartbeat;
  AlterPartitionReply alter;
  Uuid topic_id;
  int32_t fenced_broker = -1;
};

// A request on its way to a controller, and the answer on its way back.
struct Rpc {
  uint64_t id = 0;
  int sender = 0;  // >= 0: broker index; < 0: client -(index+1)
  int controller = 0;
  Request request;
  Reply reply;
};

struct Pending {
  Rpc rpc;
  uint64_t index = 0;
  uint64_t term = 0;
  int64_t deadline = 0;
  std::optional<uint64_t> applied_term;  // the term of the entry applied at `index`
};

struct ControllerNode : raft::sim::SimRaftNode {
  int32_t id = 0;
  bool up = false;
  std::unique_ptr<controller::MetadataStateMachine> sm;
  uint64_t applied = 0;
  uint64_t applied_term = 0;
  // The active controller's soft state (QuorumController's): broker sessions started afresh in
  // each term it becomes active, and the requests it serves one at a time.
  BrokerHeartbeatManager sessions{kSessionTimeoutMs};
  std::deque<Rpc> queue;
  std::optional<Pending> in_flight;
  bool fence_queued = false;
};

struct SimBroker {
  int32_t id = 0;
  enum class State { kUp, kDown, kPaused } state = State::kUp;
  Uuid incarnation;
  int64_t epoch = -1;  // -1: not registered
  bool fenced = true;
  bool want_shut_down = false;
  int64_t metadata_offset = -1;
  int controller = 0;  // where it sends requests
  uint64_t generation = 0;
  uint64_t outstanding = 0;  // the request it waits on
};

struct SimClient {
  int controller = 0;
  uint64_t outstanding = 0;
};

class Simulation {
 public:
  explicit Simulation(const ControllerSimOptions& o)
      : o_(o),
        rng_(o.seed * 0x9e3779b97f4a7c15ULL + 13),
        ids_(o.seed * 0x2545f4914f6cdd1dULL + 5),
        // unclean.leader.election.enable in a quarter of the seeds.
        control_(ClusterSettings{kClusterId, kSessionTimeoutMs, o.seed % 4 == 3, 10}),
        planner_(ControllerDefaults{}, [this] { return next_uuid(); }) {}
  ControllerSimResult run();

 private:
  enum class Kind {
    kTick,
    kRaftDeliver,
    kSyncDone,
    kRestart,
    kFault,
    kRpcToController,
    kRpcToSender,
    kRpcTimeout,
    kBrokerTick,
    kBrokerReturn,
    kClient,
    kFenceCheck,
  };
  using Event = raft::sim::EventQueue<Kind>::Event;

  uint64_t schedule(int64_t delay, Kind kind, int target, uint64_t arg = 0) {
    return events_.schedule(now_ + delay, kind, target, arg);
  }
  bool faults_on() const { return o_.faults && now_ < o_.duration_ms * 8 / 10; }
  void note(const std::string& line);
  Uuid next_uuid();
  int64_t delay() { return 1 + static_cast<int64_t>(rng_.uniform(max_delay_ms_)); }
  bool lost() { return faults_on() && rng_.uniform(1000) < drop_per_mille_; }

  // Controllers.
  void start_controller(int i);
  void crash_controller(int i);
  void drive(int i);
  void sync_done(int i);
  void apply_entry(int i, const raft::pb::Entry& e);
  void publish(int i, bool restored);
  void maybe_snapshot(int i);
  bool active(int i) const;
  int active_controller() const;
  void check_controller(int i);
  void on_request(int i, Rpc rpc);
  void serve(int i);
  void finish(int i, Rpc rpc);
  bool plan(ControllerNode& c, Rpc& rpc, pb::MetadataBatch* batch);
  void plant_bug(pb::MetadataBatch* batch) const;
  void complete_in_flight(int i);

  // Brokers and clients.
  void send_rpc(int sender, int controller, Request request);
  void on_reply(const Rpc& rpc);
  void broker_tick(int b);
  void broker_reply(SimBroker& b, const Rpc& rpc);
  void broker_alter_partition(int b);
  void client_act(int c);
  void client_reply(int c, const Rpc& rpc);
  void on_fault();
  void broker_return(int b);
  bool broker_cut(int b, int controller) const {
    return broker_cut_[static_cast<size_t>(b)][static_cast<size_t>(controller)];
  }

  ControllerSimOptions o_;
  Random rng_;
  Random ids_;
  ControllerSimResult result_;
  InvariantChecker checker_;
  const ClusterControl control_;
  const Controller planner_;
  int64_t now_ = 0;
  uint64_t next_rpc_ = 1;
  raft::sim::EventQueue<Kind> events_;
  std::unordered_map<uint64_t, raft::pb::Message> raft_in_flight_;
  std::unordered_map<uint64_t, Rpc> rpcs_;  // id -> request or reply in flight
  std::vector<ControllerNode> ctl_;
  std::vector<SimBroker> brokers_;
  std::vector<SimClient> clients_;
  std::vector<std::vector<bool>> blocked_;     // between controllers, [from][to]
  std::vector<std::vector<bool>> broker_cut_;  // [broker][controller], both ways
  uint64_t drop_per_mille_ = 20, dup_per_mille_ = 10;
  uint64_t max_delay_ms_ = 10;
  int next_topic_ = 0;
  std::vector<std::string> topic_names_;
  std::deque<std::string> trace_;
  bool faults_stopped_ = false;
  int64_t offset_when_faults_stopped_ = -1;
  int64_t max_offset_ = -1;
  std::set<uint64_t> active_terms_;
};

}  // namespace eddy::metadata::sim::internal
