#include "broker/group/replica_coordinator_log.h"

#include <string>

#include "broker/group/group_records.h"
#include "protocol/errors.h"
#include "protocol/records/batch_builder.h"
#include "protocol/records/batch_reader.h"

namespace eddy::group {

namespace {

// How much of the log one replay step reads; a batch larger than this is still read whole.
constexpr uint64_t kReplayReadBytes = 1 << 20;
// Bound on one stored batch, as the log's own hard limit.
constexpr size_t kMaxBatchBytes = 64 << 20;

Status status_of(int16_t error, const std::string& message) {
  if (error == 0) return Status::ok();
  auto code = static_cast<protocol::ErrorCode>(error);
  std::string what = std::string(protocol::error_name(code)) + ": " + message;
  if (code == protocol::ErrorCode::kMessageTooLarge ||
      code == protocol::ErrorCode::kRecordListTooLarge) {
    return too_large(what);
  }
  return unavailable(what);
}

}  // namespace

void ReplicaCoordinatorLog::append(int32_t partition, std::vector<CoordinatorRecord> records,
                                   std::function<void(Status)> done) {
  records::BatchBuilder builder;
  int64_t now = clock_.wall_ms();
  for (const CoordinatorRecord& r : records) {
    std::optional<ByteSpan> value;
    if (r.value) value = ByteSpan(*r.value);
    builder.append(now, ByteSpan(r.key), value);
  }
  Result<Bytes> batch = builder.build();
  if (!batch) {
    done(batch.status());
    return;
  }
  // The batch must live until append_records returns; it copies what it keeps.
  Bytes bytes = std::move(batch).value();
  std::vector<broker::ProducePartitionInput> inputs;
  inputs.push_back(broker::ProducePartitionInput{
      broker::TopicPartition{std::string(kOffsetsTopic), partition}, MutableByteSpan(bytes)});
  replicas_.append_records(
      std::move(inputs), /*acks=*/-1, commit_timeout_ms_,
      [done = std::move(done)](std::vector<broker::ProducePartitionResult> r) {
        if (r.empty()) {
          done(internal_error("no produce result"));
          return;
        }
        done(status_of(r[0].error, r[0].error_message));
      },
      broker::AppendOrigin::kCoordinator);
}

Status ReplicaCoordinatorLog::replay(int32_t partition,
                                     const std::function<void(const CoordinatorRecord&)>& visit) {
  auto p = replicas_.get_partition(broker::TopicPartition{std::string(kOffsetsTopic), partition});
  if (!p) return not_found("no local __consumer_offsets-" + std::to_string(partition));
  const auto& log = p->log();
  Offset offset = log->log_start_offset();
  Offset end = log->log_end_offset();
  // Every step advances `offset` by at least one batch, so the loop ends at `end`.
  while (offset < end) {
    EDDY_ASSIGN_OR_RETURN(log::ReadResult read, log->read(offset, kReplayReadBytes, end));
    if (read.records.empty() || read.next_offset <= offset) break;
    EDDY_ASSIGN_OR_RETURN(Bytes bytes, read.records.read_all());
    records::BatchIterator batches(bytes, kMaxBatchBytes);
    ByteSpan batch;
    while (true) {
      EDDY_ASSIGN_OR_RETURN(bool more, batches.next(batch));
      if (!more) break;
      EDDY_ASSIGN_OR_RETURN(records::DecodedBatch decoded, records::decode_batch(batch));
      if (decoded.header.attributes & records::kControlBit) continue;
      for (const records::Record& r : decoded.records) {
        // A record without a key is not the coordinator's; skip it rather than fail the load.
        if (!r.key) continue;
        CoordinatorRecord cr;
        cr.key.assign(r.key->begin(), r.key->end());
        if (r.value) cr.value = Bytes(r.value->begin(), r.value->end());
        visit(cr);
      }
    }
    offset = read.next_offset;
  }
  return Status::ok();
}

}  // namespace eddy::group
