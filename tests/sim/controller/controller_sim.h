#pragma once
// Deterministic simulation of the controller quorum (docs/controller.md, "Simulation"): the
// controllers are Raft cores (RawNode) on the simulated network, clock and fsync-modelling
// storage of the Raft simulation's design, each applying the committed MetadataBatches with the
// real MetadataStateMachine (image, snapshot, restore), and the active controller plans every
// request with the real decision code (metadata::Controller, metadata::ClusterControl) one
// request at a time against its committed image, as QuorumController does. Simulated brokers
// register, heartbeat, follow the metadata, send AlterPartition for the partitions they lead,
// crash, pause past their session timeout, shut down in a controlled way and come back; clients
// create and delete topics and reassign partitions. Faults (controller crashes that lose what
// was not fsynced, network partitions, message loss, delay and duplication) come from the seed.
//
// Every invariant of InvariantChecker is checked after every event; a run stops at the first
// violation. Everything is a function of the seed, so a failing seed replays exactly.

#include <cstdint>
#include <string>

namespace eddy::metadata::sim {

// A bug planted in the simulated controller, to show that the invariants catch it.
enum class PlantedBug {
  kNone,
  // Fencing a broker keeps its leaderships and ISR memberships (the partition changes of a
  // fence are dropped).
  kFenceKeepsLeaderships,
  // A broker registers with the epoch of the entry before its registration record.
  kRegistrationEpochOffByOne,
};

struct ControllerSimOptions {
  uint64_t seed = 1;
  int controllers = 3;
  int brokers = 4;
  int clients = 2;
  int64_t duration_ms = 4000;  // faults stop at 80% of this; the rest heals and settles
  bool faults = true;
  PlantedBug bug = PlantedBug::kNone;
  bool trace = false;  // keep the last events, for replaying a failing seed
};

struct ControllerSimResult {
  bool ok = true;
  std::string failure;  // the violated invariant and when
  std::string trace;    // the last events, when ControllerSimOptions::trace
  uint64_t events = 0;
  uint64_t committed = 0;       // highest Raft commit index reached
  uint64_t active_terms = 0;    // terms that had an active controller
  uint64_t images = 0;          // images checked
  uint64_t topics_created = 0;  // creations acknowledged to clients
  // Partitions planned with a replica on a fenced broker, outside their first ISR.
  uint64_t born_under_replicated = 0;
  uint64_t topics_deleted = 0;  // deletions acknowledged
  uint64_t registrations = 0;   // acknowledged broker registrations
  uint64_t fences = 0;          // brokers fenced for an expired session
  uint64_t isr_changes = 0;     // AlterPartition changes accepted
  uint64_t reassignments = 0;   // reassignments accepted
  uint64_t other_admin = 0;     // partitions added, leader elections, unregistrations committed
  uint64_t shutdowns = 0;       // controlled shutdowns completed
  uint64_t controller_crashes = 0;
  uint64_t broker_crashes = 0;
  uint64_t broker_pauses = 0;
  uint64_t snapshots_installed = 0;
  // Liveness, not asserted per seed: after the fault-free tail some controller is active and
  // the metadata moved during that tail.
  bool ended_with_active = false;
  bool progressed_after_faults = false;
};

ControllerSimResult run_controller_simulation(const ControllerSimOptions& options);

}  // namespace eddy::metadata::sim
