// DescribeQuorum (key 55): the metadata quorum as Kafka's `kafka-metadata-quorum describe
// --status / --replication` shows it, for the one partition __cluster_metadata-0. Like Kafka's
// brokers, a node that is not the active controller forwards the request there (only the Raft
// leader knows every voter's log end and last fetch); the active controller answers from its Raft
// status: leader, epoch (the Raft term), high watermark (the commit index), and per voter its log
// end (the leader's last index, a follower's match index), last contact and last caught-up time.
// A single node is a quorum of one. Other topics or partitions: UNKNOWN_TOPIC_OR_PARTITION.
#include "protocol/generated/describe_quorum.h"

#include "broker/handlers/all_handlers.h"
#include "broker/handlers/handler_util.h"
#include "common/clock.h"
#include "controller/quorum_controller.h"
#include "metadata/topic_name.h"

namespace eddy::broker {

namespace {

using protocol::DescribeQuorumRequest;
using protocol::DescribeQuorumResponse;
using Partition = DescribeQuorumResponse::PartitionData;
using Replica = DescribeQuorumResponse::ReplicaState;

// The quorum's one partition, from this node's view as the leader (or a single node).
Partition describe_partition(const BrokerContext& ctx) {
  Partition p;
  p.partition_index = 0;
  if (ctx.quorum == nullptr) {
    // A single node: the only voter, leader of its own metadata log.
    const int64_t end = ctx.metadata->image()->last_offset() + 1;
    p.leader_id = ctx.node_id;
    p.leader_epoch = 1;
    p.high_watermark = end;
    Replica self;
    self.replica_id = ctx.node_id;
    self.log_end_offset = end;
    self.last_fetch_timestamp = SystemClock::instance().wall_ms();
    self.last_caught_up_timestamp = self.last_fetch_timestamp;
    p.current_voters.push_back(self);
    return p;
  }
  raft::RaftNodeStatus st = ctx.quorum->quorum_status();
  if (st.role != raft::Role::kLeader) {
    p.error_code = error_code(protocol::ErrorCode::kNotLeaderOrFollower);
    p.leader_id = st.leader.value();
    p.leader_epoch = static_cast<int32_t>(st.term.value());
    return p;
  }
  p.leader_id = st.id.value();
  p.leader_epoch = static_cast<int32_t>(st.term.value());
  p.high_watermark = static_cast<int64_t>(st.commit.value());
  Replica self;
  self.replica_id = st.id.value();
  self.log_end_offset = static_cast<int64_t>(st.last_index.value());
  self.last_fetch_timestamp = SystemClock::instance().wall_ms();
  self.last_caught_up_timestamp = self.last_fetch_timestamp;
  p.current_voters.push_back(self);
  for (const raft::RaftPeerStatus& peer : st.peers) {
    Replica r;
    r.replica_id = peer.id.value();
    r.log_end_offset = peer.match_index;
    r.last_fetch_timestamp = peer.last_contact_ms;
    r.last_caught_up_timestamp = peer.last_caught_up_ms;
    (peer.voter ? p.current_voters : p.observers).push_back(r);
  }
  return p;
}

DescribeQuorumResponse describe(const BrokerContext& ctx, const DescribeQuorumRequest& req) {
  DescribeQuorumResponse resp;
  for (const auto& t : req.topics) {
    DescribeQuorumResponse::TopicData out;
    out.topic_name = t.topic_name;
    for (const auto& rp : t.partitions) {
      Partition p;
      if (t.topic_name == metadata::kClusterMetadataTopic && rp.partition_index == 0) {
        p = describe_partition(ctx);
      } else {
        p.partition_index = rp.partition_index;
        p.error_code = error_code(protocol::ErrorCode::kUnknownTopicOrPartition);
      }
      out.partitions.push_back(std::move(p));
    }
    resp.topics.push_back(std::move(out));
  }
  // v2: each voter's endpoint (its Raft address, as Kafka lists the controller listener).
  if (ctx.quorum != nullptr) {
    for (const auto& [id, address] : ctx.quorum->voters()) {
      DescribeQuorumResponse::Node node;
      node.node_id = id.value();
      DescribeQuorumResponse::Listener l;
      l.name = "CONTROLLER";
      l.host = address.host;
      l.port = address.port;
      node.listeners.push_back(std::move(l));
      resp.nodes.push_back(std::move(node));
    }
  }
  return resp;
}

}  // namespace

void register_describe_quorum(HandlerRegistry& registry, const BrokerContext& context) {
  const BrokerContext* ctx = &context;
  add_controller_handler<DescribeQuorumRequest>(
      registry, context, protocol::ApiKey::kDescribeQuorum,
      [ctx](const DescribeQuorumRequest& req, int16_t version, Responder& r) {
        r.respond(encode_response(describe(*ctx, req), version));
      });
}

}  // namespace eddy::broker
