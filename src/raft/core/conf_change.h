#pragma once
// Single-server membership changes (Raft dissertation §4.1) applied to a ConfState. Used by the
// core (a configuration takes effect as soon as its entry is in the log) and by applications that
// track the configuration at their applied index, e.g. to record it in a snapshot.

#include <vector>

#include "common/status.h"
#include "raft/raft.pb.h"

namespace eddy::raft {

// The configuration after `cc`. kInvalidArgument for a change that is not a single step:
// promoting a node that is not a learner, adding an existing voter as learner, removing an
// unknown node, removing the last voter. A voter is always added as a learner first.
Result<pb::ConfState> apply_conf_change(const pb::ConfState& cs, const pb::ConfChange& cc);

// A new cluster starts from a log, not from a configuration on the side: every voter joins as a
// learner and is promoted, in entries 1..n of term 1, all committed. Nodes that join later start
// with an empty log and replay the same entries, so every node derives the same configuration.
struct Bootstrap {
  std::vector<pb::Entry> entries;
  pb::HardState hard_state;
};
Bootstrap bootstrap(const pb::ConfState& initial);

bool is_voter(const pb::ConfState& cs, int32_t id);
bool is_learner(const pb::ConfState& cs, int32_t id);

}  // namespace eddy::raft
