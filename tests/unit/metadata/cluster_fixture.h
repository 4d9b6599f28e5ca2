#pragma once
// A controller without a log: each planned batch is applied to the image at the next offset, as
// the store (or the Raft state machine) would after committing it. Shared by the cluster tests.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "metadata/cluster_control.h"
#include "metadata/controller.h"

namespace eddy::metadata::testing {

class ClusterFixture : public ::testing::Test {
 protected:
  static ClusterSettings settings() {
    ClusterSettings s;
    s.cluster_id = "cluster-1";
    s.session_timeout_ms = 9000;
    return s;
  }
  ClusterFixture() : control_(settings()), sessions_(settings().session_timeout_ms) {}

  // Applies a planned batch at the next offset; an empty batch commits nothing.
  void commit(const pb::MetadataBatch& batch) {
    if (batch.records_size() == 0) return;
    Status s = image_.apply_batch(batch);
    ASSERT_TRUE(s.is_ok()) << s.to_string();
    image_.set_last_offset(image_.last_offset() + 1);
  }
  int64_t next_offset() const { return image_.last_offset() + 1; }

  BrokerRegistrationReply register_broker(int32_t id, std::optional<std::string> rack = {},
                                          char incarnation = 'a') {
    BrokerRegistrationRequest req;
    req.broker_id = id;
    req.cluster_id = "cluster-1";
    req.incarnation = *Uuid::from_bytes(std::string(15, static_cast<char>('0' + id)) + incarnation);
    req.endpoints.push_back({"PLAINTEXT", "127.0.0.1", 9090 + id, 0});
    req.rack = std::move(rack);
    pb::MetadataBatch b;
    auto reply = control_.register_broker(image_, sessions_, req, next_offset(), now_, &b);
    if (reply.result.ok()) commit(b);
    return reply;
  }
  BrokerHeartbeatReply heartbeat(int32_t id, bool want_shut_down = false) {
    BrokerHeartbeatRequest req;
    req.broker_id = id;
    req.broker_epoch = image_.broker(id) ? image_.broker(id)->epoch : -1;
    req.current_metadata_offset = image_.last_offset();  // caught up
    req.want_shut_down = want_shut_down;
    pb::MetadataBatch b;
    auto reply = control_.heartbeat(image_, sessions_, req, now_, &b);
    commit(b);
    return reply;
  }
  // `silent` stops heartbeating while `alive` goes on: past the session timeout the controller
  // fences `silent`.
  void fence_silent(int32_t silent, int32_t alive) {
    now_ += 10000;
    heartbeat(alive);
    pb::MetadataBatch b;
    ASSERT_EQ(control_.fence_one_expired(image_, sessions_, now_, &b), silent);
    commit(b);
  }
  // Registers and unfences brokers 1..n.
  void start_brokers(int32_t n, bool racks = false) {
    for (int32_t id = 1; id <= n; ++id) {
      std::optional<std::string> rack;
      if (racks) rack = "rack-" + std::to_string(id);
      ASSERT_TRUE(register_broker(id, rack).result.ok());
    }
    for (int32_t id = 1; id <= n; ++id) ASSERT_FALSE(heartbeat(id).is_fenced);
  }
  const TopicImage* create_topic(const std::string& name, int32_t partitions, int16_t rf) {
    CreateTopicSpec spec;
    spec.name = name;
    spec.num_partitions = partitions;
    spec.replication_factor = rf;
    pb::MetadataBatch b;
    ControllerResult r = topics_.create_topic(image_, spec, &b);
    EXPECT_TRUE(r.ok()) << r.message;
    commit(b);
    return image_.topic(name);
  }
  const PartitionState& partition(const std::string& topic, int32_t p) const {
    return image_.topic(topic)->partitions.at(p);
  }

  int64_t now_ = 1'000'000;
  ClusterControl control_;
  BrokerHeartbeatManager sessions_;
  Controller topics_{ControllerDefaults{}};
  MetadataImage image_;
};

}  // namespace eddy::metadata::testing
