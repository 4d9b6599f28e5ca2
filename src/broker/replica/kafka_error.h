#pragma once
// The Kafka error codes the replica layer answers with (numbers from Kafka's Errors.java). The
// handlers copy them into responses unchanged, so a client sees exactly the code Kafka would send.

#include <cstdint>

namespace eddy::broker::kafka_error {

inline constexpr int16_t kUnknownServerError = -1;
inline constexpr int16_t kNone = 0;
inline constexpr int16_t kOffsetOutOfRange = 1;
inline constexpr int16_t kCorruptMessage = 2;
inline constexpr int16_t kUnknownTopicOrPartition = 3;
inline constexpr int16_t kNotLeaderOrFollower = 6;
inline constexpr int16_t kRequestTimedOut = 7;
inline constexpr int16_t kMessageTooLarge = 10;
inline constexpr int16_t kInvalidTopicException = 17;
inline constexpr int16_t kRecordListTooLarge = 18;
inline constexpr int16_t kNotEnoughReplicas = 19;
inline constexpr int16_t kNotEnoughReplicasAfterAppend = 20;
inline constexpr int16_t kInvalidRequiredAcks = 21;
inline constexpr int16_t kInvalidTimestamp = 32;
inline constexpr int16_t kUnsupportedVersion = 35;
inline constexpr int16_t kClusterAuthorizationFailed = 31;
inline constexpr int16_t kOutOfOrderSequenceNumber = 45;
inline constexpr int16_t kDuplicateSequenceNumber = 46;
inline constexpr int16_t kInvalidProducerEpoch = 47;
inline constexpr int16_t kKafkaStorageError = 56;
inline constexpr int16_t kUnknownProducerId = 59;
inline constexpr int16_t kFetchSessionIdNotFound = 70;
inline constexpr int16_t kInvalidFetchSessionEpoch = 71;
inline constexpr int16_t kFencedLeaderEpoch = 74;
inline constexpr int16_t kUnknownLeaderEpoch = 75;
inline constexpr int16_t kUnsupportedCompressionType = 76;
inline constexpr int16_t kInvalidRecord = 87;

}  // namespace eddy::broker::kafka_error
