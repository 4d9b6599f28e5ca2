#include "metrics/group_metrics.h"

#include <map>
#include <mutex>
#include <utility>

namespace eddy::metrics {

std::string_view trigger_name(RebalanceTrigger trigger) {
  switch (trigger) {
    case RebalanceTrigger::kMemberJoined:
      return "member_joined";
    case RebalanceTrigger::kMemberMetadataChanged:
      return "member_metadata_changed";
    case RebalanceTrigger::kLeaderRejoined:
      return "leader_rejoined";
    case RebalanceTrigger::kStaticMemberRejoined:
      return "static_member_rejoined";
    case RebalanceTrigger::kMemberLeft:
      return "member_left";
    case RebalanceTrigger::kSessionExpired:
      return "session_expired";
    case RebalanceTrigger::kAssignmentWriteFailed:
      return "assignment_write_failed";
  }
  return "unknown";
}

std::string client_reason_label(std::string_view reason) {
  if (reason.empty()) return "none";
  std::string out;
  for (char c : reason) {
    if (out.size() >= kMaxReasonLabelBytes) break;
    bool variable = c == ':' || c == '\'' || c == '"' || c == '(' || c == '[' || c == '{' ||
                    c == '<' || (c >= '0' && c <= '9');
    if (c < 0x20 || c > 0x7e || variable) break;
    out += c;
  }
  while (!out.empty() && (out.back() == ' ' || out.back() == '.' || out.back() == ',' ||
                          out.back() == ';' || out.back() == '-' || out.back() == '=')) {
    out.pop_back();
  }
  return out.empty() ? "other" : out;
}

Family<Counter>& rebalances() {
  static Family<Counter>& family = registry().counter(
      "eddy_group_rebalances_total",
      "Rebalances this coordinator started, by what triggered them and the reason the client "
      "gave (KIP-800)",
      {"trigger", "reason"});
  return family;
}

void count_rebalance(RebalanceTrigger trigger, std::string_view client_reason) {
  if constexpr (!kEnabled) return;
  Family<Counter>& family = rebalances();
  // Rebalances are rare (per group, seconds apart at most): one lock per count is cheap, and it
  // keeps the bound on the series exact.
  static std::mutex mu;
  static std::map<std::pair<RebalanceTrigger, std::string>, Counter*> series;
  std::pair<RebalanceTrigger, std::string> key{trigger, client_reason_label(client_reason)};
  std::lock_guard l(mu);
  auto it = series.find(key);
  if (it == series.end() && series.size() >= kMaxRebalanceSeries) {
    key.second = "other";
    it = series.find(key);
  }
  if (it == series.end()) {
    Counter& c = family.labels({std::string(trigger_name(trigger)), key.second});
    it = series.emplace(std::move(key), &c).first;
  }
  it->second->inc();
}

}  // namespace eddy::metrics
