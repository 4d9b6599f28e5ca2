// The controller simulation's checker run on made-up histories: a correct one passes, and each
// corruption of it (a second active controller in a term, diverging images, a fenced or absent
// leader, a leader outside its ISR, an ISR outside the replicas, epochs going back or not moving,
// a wrong broker epoch, a lost or duplicated acknowledged topic, a broker joining an ISR without
// its leader's AlterPartition) is reported.

#include "invariants.h"

#include <gtest/gtest.h>

namespace eddy::metadata::sim {
namespace {

Uuid id_of(uint8_t b) {
  Uuid u;
  u.bytes.fill(b);
  return u;
}

pb::MetadataRecord broker(int32_t id, int64_t epoch, bool fenced) {
  pb::MetadataRecord r;
  auto* b = r.mutable_register_broker();
  b->set_broker_id(id);
  b->set_broker_epoch(epoch);
  b->set_fenced(fenced);
  b->set_incarnation_id(id_of(static_cast<uint8_t>(100 + id)).raw());
  return r;
}

pb::MetadataRecord topic(const std::string& name, uint8_t id) {
  pb::MetadataRecord r;
  r.mutable_topic()->set_name(name);
  r.mutable_topic()->set_topic_id(id_of(id).raw());
  return r;
}

pb::MetadataRecord partition(uint8_t topic_id, std::vector<int32_t> replicas,
                             std::vector<int32_t> isr, int32_t leader, int32_t leader_epoch,
                             int32_t partition_epoch) {
  pb::MetadataRecord r;
  auto* p = r.mutable_partition();
  p->set_topic_id(id_of(topic_id).raw());
  p->set_partition_id(0);
  for (int32_t x : replicas) p->add_replicas(x);
  for (int32_t x : isr) p->add_isr(x);
  p->set_leader(leader);
  p->set_leader_epoch(leader_epoch);
  p->set_partition_epoch(partition_epoch);
  return r;
}

MetadataImage image_of(std::vector<pb::MetadataRecord> records, int64_t offset) {
  MetadataImage image;
  for (const auto& r : records) EXPECT_TRUE(image.apply(r).is_ok());
  image.set_last_offset(offset);
  return image;
}

// Brokers 1 and 2 unfenced, topic "a" with partition 0 on both, led by 1.
MetadataImage good(int32_t leader = 1, int32_t leader_epoch = 0, int32_t partition_epoch = 0,
                   int64_t offset = 5) {
  return image_of({broker(1, 1, false), broker(2, 2, false), topic("a", 7),
                   partition(7, {1, 2}, {1, 2}, leader, leader_epoch, partition_epoch)},
                  offset);
}

TEST(ControllerInvariants, ACorrectHistoryPasses) {
  InvariantChecker c;
  c.active_controller(1, 1);
  c.active_controller(1, 1);
  c.active_controller(2, 3);
  c.published(1, good(), false);
  c.published(2, good(), false);
  c.creation_acknowledged("a", id_of(7), 5);
  c.published(1, good(2, 1, 1, 6), false);
  pb::MetadataBatch batch;
  *batch.add_records() = broker(3, 9, true);
  c.committed_batch(1, 9, batch);
  EXPECT_TRUE(c.ok()) << c.failure();
  EXPECT_EQ(c.images_checked(), 3u);
}

TEST(ControllerInvariants, TwoActiveControllersInOneTermAreCaught) {
  InvariantChecker c;
  c.active_controller(4, 1);
  c.active_controller(4, 2);
  EXPECT_NE(c.failure().find("two active controllers in term 4"), std::string::npos);
}

TEST(ControllerInvariants, DivergingImagesAtOneOffsetAreCaught) {
  InvariantChecker c;
  c.published(1, good(1, 0, 0, 5), false);
  c.published(2, good(2, 1, 1, 5), false);
  EXPECT_NE(c.failure().find("differs"), std::string::npos) << c.failure();
}

TEST(ControllerInvariants, ABadLeaderIsCaught) {
  {
    InvariantChecker c;  // fenced
    c.published(1,
                image_of({broker(1, 1, true), topic("a", 7), partition(7, {1}, {1}, 1, 0, 0)}, 3),
                false);
    EXPECT_NE(c.failure().find("is fenced"), std::string::npos) << c.failure();
  }
  {
    InvariantChecker c;  // not registered
    c.published(1, image_of({topic("a", 7), partition(7, {1}, {1}, 1, 0, 0)}, 3), false);
    EXPECT_NE(c.failure().find("not registered"), std::string::npos) << c.failure();
  }
  {
    InvariantChecker c;  // outside its ISR
    c.published(1,
                image_of({broker(1, 1, false), broker(2, 2, false), topic("a", 7),
                          partition(7, {1, 2}, {2}, 1, 0, 0)},
                         3),
                false);
    EXPECT_NE(c.failure().find("not in its ISR"), std::string::npos) << c.failure();
  }
  {
    InvariantChecker c;  // in controlled shutdown
    pb::MetadataRecord b = broker(1, 1, false);
    b.mutable_register_broker()->set_in_controlled_shutdown(true);
    c.published(1, image_of({b, topic("a", 7), partition(7, {1}, {1}, 1, 0, 0)}, 3), false);
    EXPECT_NE(c.failure().find("controlled shutdown"), std::string::npos) << c.failure();
  }
}

TEST(ControllerInvariants, AnIsrOutsideTheReplicasIsCaught) {
  InvariantChecker c;
  c.published(1,
              image_of({broker(1, 1, false), broker(2, 2, false), topic("a", 7),
                        partition(7, {1}, {1, 2}, 1, 0, 0)},
                       3),
              false);
  EXPECT_NE(c.failure().find("ISR not a subset"), std::string::npos) << c.failure();
}

TEST(ControllerInvariants, AnEmptyIsrIsCaught) {
  InvariantChecker c;
  c.published(1, image_of({broker(1, 1, false), topic("a", 7), partition(7, {1}, {}, -1, 0, 0)}, 3),
              false);
  EXPECT_NE(c.failure().find("empty ISR"), std::string::npos) << c.failure();
}

TEST(ControllerInvariants, EpochsGoingBackOrStandingStillAreCaught) {
  {
    InvariantChecker c;
    c.published(1, good(1, 3, 3, 5), false);
    c.published(1, good(1, 2, 3, 6), false);
    EXPECT_NE(c.failure().find("epochs went back"), std::string::npos) << c.failure();
  }
  {
    InvariantChecker c;  // a new leader without a new leader epoch
    c.published(1, good(1, 3, 3, 5), false);
    c.published(1, good(2, 3, 4, 6), false);
    EXPECT_NE(c.failure().find("without a new leader epoch"), std::string::npos) << c.failure();
  }
  {
    InvariantChecker c;  // a change without a new partition epoch
    c.published(1, good(1, 3, 3, 5), false);
    c.published(1, good(2, 4, 3, 6), false);
    EXPECT_NE(c.failure().find("without a new partition epoch"), std::string::npos) << c.failure();
  }
  {
    InvariantChecker c;  // a restarted node starts over from its snapshot: not a successor
    c.published(1, good(1, 3, 3, 5), false);
    c.published(1, good(1, 0, 0, 2), true);
    EXPECT_TRUE(c.ok()) << c.failure();
  }
}

TEST(ControllerInvariants, AWrongBrokerEpochIsCaught) {
  InvariantChecker c;
  pb::MetadataBatch batch;
  *batch.add_records() = broker(3, 8, true);
  c.committed_batch(1, 9, batch);
  EXPECT_NE(c.failure().find("registered with epoch 8 by the entry at offset 9"), std::string::npos)
      << c.failure();
}

TEST(ControllerInvariants, ALostAcknowledgedTopicIsCaught) {
  InvariantChecker c;
  c.creation_acknowledged("a", id_of(7), 5);
  c.published(1, image_of({broker(1, 1, false)}, 4), false);  // before the creation: fine
  EXPECT_TRUE(c.ok()) << c.failure();
  c.published(1, image_of({broker(1, 1, false)}, 6), false);
  EXPECT_NE(c.failure().find("acknowledged topic a"), std::string::npos) << c.failure();
}

TEST(ControllerInvariants, ADeletedTopicIsNotLost) {
  InvariantChecker c;
  c.creation_acknowledged("a", id_of(7), 5);
  c.deletion_requested("a");
  c.published(1, image_of({broker(1, 1, false)}, 6), false);
  EXPECT_TRUE(c.ok()) << c.failure();
}

TEST(ControllerInvariants, ATopicAcknowledgedTwiceIsCaught) {
  InvariantChecker c;
  c.creation_acknowledged("a", id_of(7), 5);
  c.creation_acknowledged("a", id_of(8), 9);
  EXPECT_NE(c.failure().find("acknowledged as created twice"), std::string::npos) << c.failure();
}

TEST(ControllerInvariants, AnIsrMemberAddedWithoutTheLeadersWordIsCaught) {
  // Partition a-0 on brokers 1, 2 with ISR {1}; a change that puts 2 in the ISR.
  const MetadataImage before = image_of(
      {broker(1, 1, false), broker(2, 2, false), topic("a", 7), partition(7, {1, 2}, {1}, 1, 0, 0)},
      5);
  pb::MetadataBatch batch;
  auto* change = batch.add_records()->mutable_partition_change();
  change->set_topic_id(id_of(7).raw());
  change->set_partition_id(0);
  change->mutable_isr()->add_ids(2);
  change->set_leader(2);
  // Allowed from the leader's AlterPartition, or where unclean election is allowed.
  InvariantChecker vouched;
  vouched.planned(before, batch, /*leader_vouched=*/true, /*unclean_allowed=*/false);
  vouched.planned(before, batch, /*leader_vouched=*/false, /*unclean_allowed=*/true);
  EXPECT_TRUE(vouched.ok()) << vouched.failure();
  // A shrink is fine from anyone.
  InvariantChecker shrink;
  pb::MetadataBatch shrink_batch = batch;
  shrink_batch.mutable_records(0)->mutable_partition_change()->mutable_isr()->set_ids(0, 1);
  shrink.planned(before, shrink_batch, false, false);
  EXPECT_TRUE(shrink.ok()) << shrink.failure();
  InvariantChecker c;
  c.planned(before, batch, false, false);
  EXPECT_NE(c.failure().find("broker 2 joins the ISR"), std::string::npos) << c.failure();
}

}  // namespace
}  // namespace eddy::metadata::sim
