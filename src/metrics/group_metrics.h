#pragma once
// Consumer-group metrics the group coordinator updates where the event happens (docs/metrics.md,
// "Groups"); the state gauges (groups by state, members, lag) are read at scrape time instead.
//
//   eddy_group_rebalances_total{trigger, reason}   rebalances this coordinator started: what
//       triggered it (RebalanceTrigger, Kafka's GroupCoordinator reasons) and the reason the
//       client gave in the request that triggered it (KIP-800: JoinGroup v8+ and LeaveGroup v5+),
//       as a bounded label (client_reason_label).
//
// Client reasons are free text (Kafka's Java client puts exception messages, member ids and
// metadata in them), so the label keeps only the text before the first variable part, and the
// family holds at most kMaxRebalanceSeries (trigger, reason) pairs: later new reasons count as
// "other".

#include <cstddef>
#include <string>
#include <string_view>

#include "metrics/registry.h"

namespace eddy::metrics {

// What makes a coordinator start a rebalance (Kafka's prepareRebalance reasons).
enum class RebalanceTrigger {
  kMemberJoined,           // a new member joins ("Adding new member")
  kMemberMetadataChanged,  // a member rejoins with other protocols ("Updating metadata")
  kLeaderRejoined,         // the leader rejoins a Stable group ("leader re-joining group")
  kStaticMemberRejoined,   // a static member comes back with other protocols or mid-rebalance
  kMemberLeft,             // LeaveGroup
  kSessionExpired,         // no heartbeat within the session timeout
  kAssignmentWriteFailed,  // the leader's assignment could not be made durable
};

std::string_view trigger_name(RebalanceTrigger trigger);

inline constexpr size_t kMaxRebalanceSeries = 64;
inline constexpr size_t kMaxReasonLabelBytes = 64;

// A client's reason as a label: "none" when it gave none; otherwise its printable text up to the
// first quote, bracket, colon or digit (where Kafka's clients put messages, ids and numbers),
// trimmed, at most kMaxReasonLabelBytes; "other" when nothing is left.
std::string client_reason_label(std::string_view reason);

// eddy_group_rebalances_total{trigger, reason}.
Family<Counter>& rebalances();

// Counts one rebalance started (compiled out with EDDY_METRICS_DISABLED).
void count_rebalance(RebalanceTrigger trigger, std::string_view client_reason);

}  // namespace eddy::metrics
