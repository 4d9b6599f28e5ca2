#pragma once
// A GroupCoordinator over an in-memory log and a ManualClock, with helpers that issue requests the
// way a client would and capture the (possibly delayed) answers.

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "broker/group/group_coordinator.h"
#include "broker/group/memory_coordinator_log.h"
#include "common/clock.h"

namespace eddy::group::testing {

inline const std::string kGroup = "g";

struct JoinCall {
  std::optional<JoinGroupResult> result;
  int answers = 0;
  bool answered() const { return result.has_value(); }
};

struct SyncCall {
  std::optional<SyncGroupResult> result;
  bool answered() const { return result.has_value(); }
};

struct CommitCall {
  std::optional<OffsetCommitResult> result;
};

struct JoinOptions {
  std::vector<JoinProtocol> protocols = {JoinProtocol{"range", {1}}};
  std::optional<std::string> instance_id;
  bool require_known_member_id = false;
  bool supports_skip_assignment = false;
  int32_t session_timeout_ms = 10'000;
  int32_t rebalance_timeout_ms = 30'000;
  std::string protocol_type = "consumer";
  std::string group = kGroup;
  std::string reason;  // JoinGroup v8+ (KIP-800)
};

// ConsumerProtocolSubscription v0 naming `topics`.
inline Bytes subscription(const std::vector<std::string>& topics) {
  Bytes b;
  append_be16(b, 0);
  append_be32(b, static_cast<uint32_t>(topics.size()));
  for (const std::string& t : topics) {
    append_be16(b, static_cast<uint16_t>(t.size()));
    b.insert(b.end(), t.begin(), t.end());
  }
  append_be32(b, 0xFFFFFFFF);
  return b;
}

class GroupCoordinatorTest : public ::testing::Test {
 protected:
  GroupCoordinatorTest() {
    config.initial_rebalance_delay_ms = 0;
    config.offsets_topic_num_partitions = 1;
    restart();
  }

  // A fresh coordinator over the same log, as after a broker restart.
  void restart() {
    coord = std::make_unique<GroupCoordinator>(config, log, clock);
    Status s = coord->load_partition(0);
    EXPECT_TRUE(s.is_ok()) << s.to_string();
  }

  std::shared_ptr<JoinCall> join(const std::string& member_id, const JoinOptions& o = {}) {
    auto call = std::make_shared<JoinCall>();
    JoinGroupParams p;
    p.group_id = o.group;
    p.session_timeout_ms = o.session_timeout_ms;
    p.rebalance_timeout_ms = o.rebalance_timeout_ms;
    p.member_id = member_id;
    p.group_instance_id = o.instance_id;
    p.protocol_type = o.protocol_type;
    p.protocols = o.protocols;
    p.client_id = "client";
    p.client_host = "/127.0.0.1";
    p.require_known_member_id = o.require_known_member_id;
    p.supports_skip_assignment = o.supports_skip_assignment;
    p.reason = o.reason;
    coord->join_group(std::move(p), [call](JoinGroupResult r) {
      call->result = std::move(r);
      ++call->answers;
    });
    return call;
  }

  std::shared_ptr<SyncCall> sync(const std::string& member_id, int32_t generation,
                                 std::vector<std::pair<std::string, Bytes>> assignments = {},
                                 std::optional<std::string> instance_id = std::nullopt) {
    auto call = std::make_shared<SyncCall>();
    SyncGroupParams p;
    p.group_id = kGroup;
    p.generation_id = generation;
    p.member_id = member_id;
    p.group_instance_id = std::move(instance_id);
    p.assignments = std::move(assignments);
    coord->sync_group(std::move(p), [call](SyncGroupResult r) { call->result = std::move(r); });
    return call;
  }

  ErrorCode heartbeat(const std::string& member_id, int32_t generation,
                      std::optional<std::string> instance_id = std::nullopt) {
    return coord->heartbeat(HeartbeatParams{kGroup, generation, member_id, std::move(instance_id)});
  }

  std::shared_ptr<CommitCall> commit(const std::string& member_id, int32_t generation,
                                     std::vector<OffsetCommitEntry> offsets,
                                     const std::string& group = kGroup) {
    auto call = std::make_shared<CommitCall>();
    OffsetCommitParams p;
    p.group_id = group;
    p.generation_id = generation;
    p.member_id = member_id;
    p.offsets = std::move(offsets);
    coord->commit_offsets(std::move(p),
                          [call](OffsetCommitResult r) { call->result = std::move(r); });
    return call;
  }

  // A joined member id: JoinGroup with no member id (pre-v4, no MEMBER_ID_REQUIRED round trip).
  std::string join_new(const JoinOptions& o = {}) {
    auto c = join("", o);
    EXPECT_TRUE(c->answered());
    return c->answered() ? c->result->member_id : "";
  }

  // Forms a Stable group of `n` dynamic members; returns their ids, the leader first, and the
  // generation. Each member is assigned {index}.
  std::pair<std::vector<std::string>, int32_t> stable_group(size_t n, const JoinOptions& o = {}) {
    std::vector<std::shared_ptr<JoinCall>> calls;
    // The first member completes a generation alone; the rest join the next rebalance together.
    calls.push_back(join("", o));
    EXPECT_TRUE(calls[0]->answered());
    std::string first = calls[0]->result->member_id;
    for (size_t i = 1; i < n; ++i) calls.push_back(join("", o));
    if (n > 1) {
      calls[0] = join(first, o);
    }
    for (auto& c : calls) EXPECT_TRUE(c->answered());
    int32_t generation = calls[0]->result->generation_id;
    std::string leader = calls[0]->result->leader;
    std::vector<std::string> ids{leader};
    for (auto& c : calls) {
      if (c->result->member_id != leader) ids.push_back(c->result->member_id);
    }
    std::vector<std::pair<std::string, Bytes>> assignments;
    for (size_t i = 0; i < ids.size(); ++i) {
      assignments.emplace_back(ids[i], Bytes{static_cast<uint8_t>(i)});
    }
    std::vector<std::shared_ptr<SyncCall>> syncs;
    for (size_t i = 1; i < ids.size(); ++i) syncs.push_back(sync(ids[i], generation));
    syncs.push_back(sync(ids[0], generation, assignments));
    for (auto& s : syncs) {
      EXPECT_TRUE(s->answered());
      EXPECT_EQ(s->result->error_code, err::kNone);
    }
    EXPECT_EQ(coord->group_state(kGroup), GroupState::kStable);
    return {ids, generation};
  }

  ManualClock clock;
  MemoryCoordinatorLog log;
  GroupConfig config;
  std::unique_ptr<GroupCoordinator> coord;
};

}  // namespace eddy::group::testing

namespace eddy::protocol {
// gtest prints error codes by name.
inline void PrintTo(ErrorCode code, std::ostream* os) { *os << error_name(code); }
}  // namespace eddy::protocol
