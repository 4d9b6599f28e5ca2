#pragma once
// Single-server membership changes (Raft dissertation §4.1) applied to a ConfState. Used by the
// core (a configuration takes effect as soon as its entry is in the log) and by applications that
// track the configuration at their applied index, e.g. to record it in a snapshot.

#include "common/status.h"
#include "raft/raft.pb.h"

namespace eddy::raft {

// The configuration after `cc`. kInvalidArgument for a change that is not a single step:
// promoting a node that is not a learner, adding an existing voter as learner, removing an
// unknown node, removing the last voter.
Result<pb::ConfState> apply_conf_change(const pb::ConfState& cs, const pb::ConfChange& cc);

bool is_voter(const pb::ConfState& cs, int32_t id);
bool is_learner(const pb::ConfState& cs, int32_t id);

}  // namespace eddy::raft
