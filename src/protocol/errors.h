#pragma once
// Every Kafka error code, in one table: code, Kafka's name, whether a client retries it, and
// Kafka's default message. EDDY_KAFKA_ERRORS is the single source; the enum and the lookups are
// built from it. from_status() maps our layer-neutral StatusCode to the code a client sees.

#include <cstdint>
#include <span>

#include "common/status.h"

namespace eddy::protocol {

// X(Enumerator, code, "NAME", retriable, "default message")
#define EDDY_KAFKA_ERRORS(X)                                                                       \
  X(kUnknownServerError, -1, "UNKNOWN_SERVER_ERROR", false,                                        \
    "The server experienced an unexpected error when processing the request.")                     \
  X(kNone, 0, "NONE", false, "")                                                                   \
  X(kOffsetOutOfRange, 1, "OFFSET_OUT_OF_RANGE", false,                                            \
    "The requested offset is not within the range of offsets maintained by the server.")           \
  X(kCorruptMessage, 2, "CORRUPT_MESSAGE", true,                                                   \
    "This message has failed its CRC checksum, exceeds the valid size, has a null key for a "      \
    "compacted topic, or is otherwise corrupt.")                                                   \
  X(kUnknownTopicOrPartition, 3, "UNKNOWN_TOPIC_OR_PARTITION", true,                               \
    "This server does not host this topic-partition.")                                             \
  X(kInvalidFetchSize, 4, "INVALID_FETCH_SIZE", false, "The requested fetch size is invalid.")     \
  X(kLeaderNotAvailable, 5, "LEADER_NOT_AVAILABLE", true,                                          \
    "There is no leader for this topic-partition as we are in the middle of a leadership "         \
    "election.")                                                                                   \
  X(kNotLeaderOrFollower, 6, "NOT_LEADER_OR_FOLLOWER", true,                                       \
    "For requests intended only for the leader, this error indicates that the broker is not the "  \
    "current leader. For requests intended for any replica, this error indicates that the "        \
    "broker is not a replica of the topic partition.")                                             \
  X(kRequestTimedOut, 7, "REQUEST_TIMED_OUT", true, "The request timed out.")                      \
  X(kBrokerNotAvailable, 8, "BROKER_NOT_AVAILABLE", false, "The broker is not available.")         \
  X(kReplicaNotAvailable, 9, "REPLICA_NOT_AVAILABLE", true,                                        \
    "The replica is not available for the requested topic-partition.")                             \
  X(kMessageTooLarge, 10, "MESSAGE_TOO_LARGE", false,                                              \
    "The request included a message larger than the max message size the server will accept.")     \
  X(kStaleControllerEpoch, 11, "STALE_CONTROLLER_EPOCH", false,                                    \
    "The controller moved to another broker.")                                                     \
  X(kOffsetMetadataTooLarge, 12, "OFFSET_METADATA_TOO_LARGE", false,                               \
    "The metadata field of the offset request was too large.")                                     \
  X(kNetworkException, 13, "NETWORK_EXCEPTION", true,                                              \
    "The server disconnected before a response was received.")                                     \
  X(kCoordinatorLoadInProgress, 14, "COORDINATOR_LOAD_IN_PROGRESS", true,                          \
    "The coordinator is loading and hence can't process requests.")                                \
  X(kCoordinatorNotAvailable, 15, "COORDINATOR_NOT_AVAILABLE", true,                               \
    "The coordinator is not available.")                                                           \
  X(kNotCoordinator, 16, "NOT_COORDINATOR", true, "This is not the correct coordinator.")          \
  X(kInvalidTopicException, 17, "INVALID_TOPIC_EXCEPTION", false,                                  \
    "The request attempted to perform an operation on an invalid topic.")                          \
  X(kRecordListTooLarge, 18, "RECORD_LIST_TOO_LARGE", false,                                       \
    "The request included message batch larger than the configured segment size on the server.")   \
  X(kNotEnoughReplicas, 19, "NOT_ENOUGH_REPLICAS", true,                                           \
    "Messages are rejected since there are fewer in-sync replicas than required.")                 \
  X(kNotEnoughReplicasAfterAppend, 20, "NOT_ENOUGH_REPLICAS_AFTER_APPEND", true,                   \
    "Messages are written to the log, but to fewer in-sync replicas than required.")               \
  X(kInvalidRequiredAcks, 21, "INVALID_REQUIRED_ACKS", false,                                      \
    "Produce request specified an invalid value for required acks.")                               \
  X(kIllegalGeneration, 22, "ILLEGAL_GENERATION", false,                                           \
    "Specified group generation id is not valid.")                                                 \
  X(kInconsistentGroupProtocol, 23, "INCONSISTENT_GROUP_PROTOCOL", false,                          \
    "The group member's supported protocols are incompatible with those of existing members or "   \
    "first group member tried to join with empty protocol type or empty protocol list.")           \
  X(kInvalidGroupId, 24, "INVALID_GROUP_ID", false, "The configured groupId is invalid.")          \
  X(kUnknownMemberId, 25, "UNKNOWN_MEMBER_ID", false,                                              \
    "The coordinator is not aware of this member.")                                                \
  X(kInvalidSessionTimeout, 26, "INVALID_SESSION_TIMEOUT", false,                                  \
    "The session timeout is not within the range allowed by the broker (as configured by "         \
    "group.min.session.timeout.ms and group.max.session.timeout.ms).")                             \
  X(kRebalanceInProgress, 27, "REBALANCE_IN_PROGRESS", false,                                      \
    "The group is rebalancing, so a rejoin is needed.")                                            \
  X(kInvalidCommitOffsetSize, 28, "INVALID_COMMIT_OFFSET_SIZE", false,                             \
    "The committing offset data size is not valid.")                                               \
  X(kTopicAuthorizationFailed, 29, "TOPIC_AUTHORIZATION_FAILED", false,                            \
    "Topic authorization failed.")                                                                 \
  X(kGroupAuthorizationFailed, 30, "GROUP_AUTHORIZATION_FAILED", false,                            \
    "Group authorization failed.")                                                                 \
  X(kClusterAuthorizationFailed, 31, "CLUSTER_AUTHORIZATION_FAILED", false,                        \
    "Cluster authorization failed.")                                                               \
  X(kInvalidTimestamp, 32, "INVALID_TIMESTAMP", false,                                             \
    "The timestamp of the message is out of acceptable range.")                                    \
  X(kUnsupportedSaslMechanism, 33, "UNSUPPORTED_SASL_MECHANISM", false,                            \
    "The broker does not support the requested SASL mechanism.")                                   \
  X(kIllegalSaslState, 34, "ILLEGAL_SASL_STATE", false,                                            \
    "Request is not valid given the current SASL state.")                                          \
  X(kUnsupportedVersion, 35, "UNSUPPORTED_VERSION", false, "The version of API is not supported.") \
  X(kTopicAlreadyExists, 36, "TOPIC_ALREADY_EXISTS", false,                                        \
    "Topic with this name already exists.")                                                        \
  X(kInvalidPartitions, 37, "INVALID_PARTITIONS", false, "Number of partitions is below 1.")       \
  X(kInvalidReplicationFactor, 38, "INVALID_REPLICATION_FACTOR", false,                            \
    "Replication factor is below 1 or larger than the number of available brokers.")               \
  X(kInvalidReplicaAssignment, 39, "INVALID_REPLICA_ASSIGNMENT", false,                            \
    "Replica assignment is invalid.")                                                              \
  X(kInvalidConfig, 40, "INVALID_CONFIG", false, "Configuration is invalid.")                      \
  X(kNotController, 41, "NOT_CONTROLLER", true,                                                    \
    "This is not the correct controller for this cluster.")                                        \
  X(kInvalidRequest, 42, "INVALID_REQUEST", false,                                                 \
    "This most likely occurs because of a request being malformed by the client library or the "   \
    "message was sent to an incompatible broker. See the broker logs for more details.")           \
  X(kUnsupportedForMessageFormat, 43, "UNSUPPORTED_FOR_MESSAGE_FORMAT", false,                     \
    "The message format version on the broker does not support the request.")                      \
  X(kPolicyViolation, 44, "POLICY_VIOLATION", false,                                               \
    "Request parameters do not satisfy the configured policy.")                                    \
  X(kOutOfOrderSequenceNumber, 45, "OUT_OF_ORDER_SEQUENCE_NUMBER", false,                          \
    "The broker received an out of order sequence number.")                                        \
  X(kDuplicateSequenceNumber, 46, "DUPLICATE_SEQUENCE_NUMBER", false,                              \
    "The broker received a duplicate sequence number.")                                            \
  X(kInvalidProducerEpoch, 47, "INVALID_PRODUCER_EPOCH", false,                                    \
    "Producer attempted to produce with an old epoch.")                                            \
  X(kInvalidTxnState, 48, "INVALID_TXN_STATE", false,                                              \
    "The producer attempted a transactional operation in an invalid state.")                       \
  X(kInvalidProducerIdMapping, 49, "INVALID_PRODUCER_ID_MAPPING", false,                           \
    "The producer attempted to use a producer id which is not currently assigned to its "          \
    "transactional id.")                                                                           \
  X(kInvalidTransactionTimeout, 50, "INVALID_TRANSACTION_TIMEOUT", false,                          \
    "The transaction timeout is larger than the maximum value allowed by the broker (as "          \
    "configured by transaction.max.timeout.ms).")                                                  \
  X(kConcurrentTransactions, 51, "CONCURRENT_TRANSACTIONS", true,                                  \
    "The producer attempted to update a transaction while another concurrent operation on the "    \
    "same transaction was ongoing.")                                                               \
  X(kTransactionCoordinatorFenced, 52, "TRANSACTION_COORDINATOR_FENCED", false,                    \
    "Indicates that the transaction coordinator sending a WriteTxnMarker is no longer the "        \
    "current coordinator for a given producer.")                                                   \
  X(kTransactionalIdAuthorizationFailed, 53, "TRANSACTIONAL_ID_AUTHORIZATION_FAILED", false,       \
    "Transactional Id authorization failed.")                                                      \
  X(kSecurityDisabled, 54, "SECURITY_DISABLED", false, "Security features are disabled.")          \
  X(kOperationNotAttempted, 55, "OPERATION_NOT_ATTEMPTED", false,                                  \
    "The broker did not attempt to execute this operation. This may happen for batched RPCs "      \
    "where some operations in the batch failed, causing the broker to respond without trying "     \
    "the rest.")                                                                                   \
  X(kKafkaStorageError, 56, "KAFKA_STORAGE_ERROR", true,                                           \
    "Disk error when trying to access log file on the disk.")                                      \
  X(kLogDirNotFound, 57, "LOG_DIR_NOT_FOUND", false,                                               \
    "The user-specified log directory is not found in the broker config.")                         \
  X(kSaslAuthenticationFailed, 58, "SASL_AUTHENTICATION_FAILED", false,                            \
    "SASL Authentication failed.")                                                                 \
  X(kUnknownProducerId, 59, "UNKNOWN_PRODUCER_ID", false,                                          \
    "This exception is raised by the broker if it could not locate the producer metadata "         \
    "associated with the producerId in question.")                                                 \
  X(kReassignmentInProgress, 60, "REASSIGNMENT_IN_PROGRESS", false,                                \
    "A partition reassignment is in progress.")                                                    \
  X(kDelegationTokenAuthDisabled, 61, "DELEGATION_TOKEN_AUTH_DISABLED", false,                     \
    "Delegation Token feature is not enabled.")                                                    \
  X(kDelegationTokenNotFound, 62, "DELEGATION_TOKEN_NOT_FOUND", false,                             \
    "Delegation Token is not found on server.")                                                    \
  X(kDelegationTokenOwnerMismatch, 63, "DELEGATION_TOKEN_OWNER_MISMATCH", false,                   \
    "Specified Principal is not valid Owner/Renewer.")                                             \
  X(kDelegationTokenRequestNotAllowed, 64, "DELEGATION_TOKEN_REQUEST_NOT_ALLOWED", false,          \
    "Delegation Token requests are not allowed on PLAINTEXT/1-way SSL channels and on "            \
    "delegation token authenticated channels.")                                                    \
  X(kDelegationTokenAuthorizationFailed, 65, "DELEGATION_TOKEN_AUTHORIZATION_FAILED", false,       \
    "Delegation Token authorization failed.")                                                      \
  X(kDelegationTokenExpired, 66, "DELEGATION_TOKEN_EXPIRED", false,                                \
    "Delegation Token is expired.")                                                                \
  X(kInvalidPrincipalType, 67, "INVALID_PRINCIPAL_TYPE", false,                                    \
    "Supplied principalType is not supported.")                                                    \
  X(kNonEmptyGroup, 68, "NON_EMPTY_GROUP", false, "The group is not empty.")                       \
  X(kGroupIdNotFound, 69, "GROUP_ID_NOT_FOUND", false, "The group id does not exist.")             \
  X(kFetchSessionIdNotFound, 70, "FETCH_SESSION_ID_NOT_FOUND", true,                               \
    "The fetch session ID was not found.")                                                         \
  X(kInvalidFetchSessionEpoch, 71, "INVALID_FETCH_SESSION_EPOCH", true,                            \
    "The fetch session epoch is invalid.")                                                         \
  X(kListenerNotFound, 72, "LISTENER_NOT_FOUND", true,                                             \
    "There is no listener on the leader broker that matches the listener on which metadata "       \
    "request was processed.")                                                                      \
  X(kTopicDeletionDisabled, 73, "TOPIC_DELETION_DISABLED", false, "Topic deletion is disabled.")   \
  X(kFencedLeaderEpoch, 74, "FENCED_LEADER_EPOCH", true,                                           \
    "The leader epoch in the request is older than the epoch on the broker.")                      \
  X(kUnknownLeaderEpoch, 75, "UNKNOWN_LEADER_EPOCH", true,                                         \
    "The leader epoch in the request is newer than the epoch on the broker.")                      \
  X(kUnsupportedCompressionType, 76, "UNSUPPORTED_COMPRESSION_TYPE", false,                        \
    "The requesting client does not support the compression type of given partition.")             \
  X(kStaleBrokerEpoch, 77, "STALE_BROKER_EPOCH", false, "Broker epoch has changed.")               \
  X(kOffsetNotAvailable, 78, "OFFSET_NOT_AVAILABLE", true,                                         \
    "The leader high watermark has not caught up from a recent leader election so the offsets "    \
    "cannot be guaranteed to be monotonically increasing.")                                        \
  X(kMemberIdRequired, 79, "MEMBER_ID_REQUIRED", false,                                            \
    "The group member needs to have a valid member id before actually entering a consumer "        \
    "group.")                                                                                      \
  X(kPreferredLeaderNotAvailable, 80, "PREFERRED_LEADER_NOT_AVAILABLE", true,                      \
    "The preferred leader was not available.")                                                     \
  X(kGroupMaxSizeReached, 81, "GROUP_MAX_SIZE_REACHED", false,                                     \
    "The consumer group has reached its max size.")                                                \
  X(kFencedInstanceId, 82, "FENCED_INSTANCE_ID", false,                                            \
    "The broker rejected this static consumer since another consumer with the same "               \
    "group.instance.id has registered with a different member.id.")                                \
  X(kEligibleLeadersNotAvailable, 83, "ELIGIBLE_LEADERS_NOT_AVAILABLE", true,                      \
    "Eligible topic partition leaders are not available.")                                         \
  X(kElectionNotNeeded, 84, "ELECTION_NOT_NEEDED", true,                                           \
    "Leader election not needed for topic partition.")                                             \
  X(kNoReassignmentInProgress, 85, "NO_REASSIGNMENT_IN_PROGRESS", false,                           \
    "No partition reassignment is in progress.")                                                   \
  X(kGroupSubscribedToTopic, 86, "GROUP_SUBSCRIBED_TO_TOPIC", false,                               \
    "Deleting offsets of a topic is forbidden while the consumer group is actively subscribed "    \
    "to it.")                                                                                      \
  X(kInvalidRecord, 87, "INVALID_RECORD", false,                                                   \
    "This record has failed the validation on broker and hence will be rejected.")                 \
  X(kUnstableOffsetCommit, 88, "UNSTABLE_OFFSET_COMMIT", true,                                     \
    "There are unstable offsets that need to be cleared.")                                         \
  X(kThrottlingQuotaExceeded, 89, "THROTTLING_QUOTA_EXCEEDED", true,                               \
    "The throttling quota has been exceeded.")                                                     \
  X(kProducerFenced, 90, "PRODUCER_FENCED", false,                                                 \
    "There is a newer producer with the same transactionalId which fences the current one.")       \
  X(kResourceNotFound, 91, "RESOURCE_NOT_FOUND", false,                                            \
    "A request illegally referred to a resource that does not exist.")                             \
  X(kDuplicateResource, 92, "DUPLICATE_RESOURCE", false,                                           \
    "A request illegally referred to the same resource twice.")                                    \
  X(kUnacceptableCredential, 93, "UNACCEPTABLE_CREDENTIAL", false,                                 \
    "Requested credential would not meet criteria for acceptability.")                             \
  X(kInconsistentVoterSet, 94, "INCONSISTENT_VOTER_SET", false,                                    \
    "Indicates that the either the sender or recipient of a voter-only request is not one of the " \
    "expected voters.")                                                                            \
  X(kInvalidUpdateVersion, 95, "INVALID_UPDATE_VERSION", false,                                    \
    "The given update version was invalid.")                                                       \
  X(kFeatureUpdateFailed, 96, "FEATURE_UPDATE_FAILED", false,                                      \
    "Unable to update finalized features due to an unexpected server error.")                      \
  X(kPrincipalDeserializationFailure, 97, "PRINCIPAL_DESERIALIZATION_FAILURE", false,              \
    "Request principal deserialization failed during forwarding. This indicates an internal "      \
    "error on the broker cluster security setup.")                                                 \
  X(kSnapshotNotFound, 98, "SNAPSHOT_NOT_FOUND", false, "Requested snapshot was not found.")       \
  X(kPositionOutOfRange, 99, "POSITION_OUT_OF_RANGE", false,                                       \
    "Requested position is not greater than or equal to zero, and less than the size of the "      \
    "snapshot.")                                                                                   \
  X(kUnknownTopicId, 100, "UNKNOWN_TOPIC_ID", true, "This server does not host this topic ID.")    \
  X(kDuplicateBrokerRegistration, 101, "DUPLICATE_BROKER_REGISTRATION", false,                     \
    "This broker ID is already in use.")                                                           \
  X(kBrokerIdNotRegistered, 102, "BROKER_ID_NOT_REGISTERED", false,                                \
    "The given broker ID was not registered.")                                                     \
  X(kInconsistentTopicId, 103, "INCONSISTENT_TOPIC_ID", true,                                      \
    "The log's topic ID did not match the topic ID in the request.")                               \
  X(kInconsistentClusterId, 104, "INCONSISTENT_CLUSTER_ID", false,                                 \
    "The clusterId in the request does not match that found on the server.")                       \
  X(kTransactionalIdNotFound, 105, "TRANSACTIONAL_ID_NOT_FOUND", false,                            \
    "The transactionalId could not be found.")                                                     \
  X(kFetchSessionTopicIdError, 106, "FETCH_SESSION_TOPIC_ID_ERROR", true,                          \
    "The fetch session encountered inconsistent topic ID usage.")                                  \
  X(kIneligibleReplica, 107, "INELIGIBLE_REPLICA", false,                                          \
    "The new ISR contains at least one ineligible replica.")                                       \
  X(kNewLeaderElected, 108, "NEW_LEADER_ELECTED", false,                                           \
    "The AlterPartition request successfully updated the partition state but the leader has "      \
    "changed.")                                                                                    \
  X(kOffsetMovedToTieredStorage, 109, "OFFSET_MOVED_TO_TIERED_STORAGE", false,                     \
    "The requested offset is moved to tiered storage.")                                            \
  X(kFencedMemberEpoch, 110, "FENCED_MEMBER_EPOCH", false,                                         \
    "The member epoch is fenced by the group coordinator. The member must abandon all its "        \
    "partitions and rejoin.")                                                                      \
  X(kUnreleasedInstanceId, 111, "UNRELEASED_INSTANCE_ID", false,                                   \
    "The instance ID is still used by another member in the consumer group. That member must "     \
    "leave first.")                                                                                \
  X(kUnsupportedAssignor, 112, "UNSUPPORTED_ASSIGNOR", false,                                      \
    "The assignor or its version range is not supported by the consumer group.")                   \
  X(kStaleMemberEpoch, 113, "STALE_MEMBER_EPOCH", false,                                           \
    "The member epoch is stale. The member must retry after receiving its updated member epoch "   \
    "via the ConsumerGroupHeartbeat API.")                                                         \
  X(kMismatchedEndpointType, 114, "MISMATCHED_ENDPOINT_TYPE", false,                               \
    "The request was sent to an endpoint of the wrong type.")                                      \
  X(kUnsupportedEndpointType, 115, "UNSUPPORTED_ENDPOINT_TYPE", false,                             \
    "This endpoint type is not supported yet.")                                                    \
  X(kUnknownControllerId, 116, "UNKNOWN_CONTROLLER_ID", false, "This controller ID is not known.") \
  X(kUnknownSubscriptionId, 117, "UNKNOWN_SUBSCRIPTION_ID", false,                                 \
    "Client sent a push telemetry request with an invalid or outdated subscription ID.")           \
  X(kTelemetryTooLarge, 118, "TELEMETRY_TOO_LARGE", false,                                         \
    "Client sent a push telemetry request larger than the maximum size the broker will accept.")   \
  X(kInvalidRegistration, 119, "INVALID_REGISTRATION", false,                                      \
    "The controller has considered the broker registration to be invalid.")                        \
  X(kTransactionAbortable, 120, "TRANSACTION_ABORTABLE", false,                                    \
    "The server encountered an error with the transaction. The client can abort the transaction "  \
    "to continue using this transactional ID.")                                                    \
  X(kInvalidRecordState, 121, "INVALID_RECORD_STATE", false,                                       \
    "The record state is invalid. The acknowledgement of delivery could not be completed.")        \
  X(kShareSessionNotFound, 122, "SHARE_SESSION_NOT_FOUND", true,                                   \
    "The share session was not found.")                                                            \
  X(kInvalidShareSessionEpoch, 123, "INVALID_SHARE_SESSION_EPOCH", true,                           \
    "The share session epoch is invalid.")                                                         \
  X(kFencedStateEpoch, 124, "FENCED_STATE_EPOCH", false,                                           \
    "The share coordinator rejected the request because the share-group state epoch did not "      \
    "match.")                                                                                      \
  X(kInvalidVoterKey, 125, "INVALID_VOTER_KEY", false,                                             \
    "The voter key doesn't match the receiving replica's key.")                                    \
  X(kDuplicateVoter, 126, "DUPLICATE_VOTER", false,                                                \
    "The voter is already part of the set of voters.")                                             \
  X(kVoterNotFound, 127, "VOTER_NOT_FOUND", false, "The voter is not part of the set of voters.")  \
  X(kInvalidRegularExpression, 128, "INVALID_REGULAR_EXPRESSION", false,                           \
    "The regular expression is not valid.")                                                        \
  X(kRebootstrapRequired, 129, "REBOOTSTRAP_REQUIRED", false,                                      \
    "Client metadata is stale. The client should rebootstrap to obtain new metadata.")             \
  X(kStreamsInvalidTopology, 130, "STREAMS_INVALID_TOPOLOGY", false,                               \
    "The supplied topology is invalid.")                                                           \
  X(kStreamsInvalidTopologyEpoch, 131, "STREAMS_INVALID_TOPOLOGY_EPOCH", false,                    \
    "The supplied topology epoch is invalid.")                                                     \
  X(kStreamsTopologyFenced, 132, "STREAMS_TOPOLOGY_FENCED", false,                                 \
    "The supplied topology epoch is outdated.")                                                    \
  X(kShareSessionLimitReached, 133, "SHARE_SESSION_LIMIT_REACHED", true,                           \
    "The limit of share sessions has been reached.")

enum class ErrorCode : int16_t {
#define EDDY_KAFKA_ERROR_ENUM(e, code, name, retriable, message) e = code,
  EDDY_KAFKA_ERRORS(EDDY_KAFKA_ERROR_ENUM)
#undef EDDY_KAFKA_ERROR_ENUM
};

struct ErrorInfo {
  ErrorCode code;
  const char* name;  // Kafka's constant name, e.g. "NOT_LEADER_OR_FOLLOWER"
  bool retriable;
  const char* message;
};

// Every error, in code order.
std::span<const ErrorInfo> all_errors();
// nullptr for a code Kafka does not define.
const ErrorInfo* find_error(int16_t code);
const char* error_name(ErrorCode code);
const char* error_message(ErrorCode code);
bool is_retriable(ErrorCode code);
constexpr int16_t to_int(ErrorCode code) { return static_cast<int16_t>(code); }

// The code a client sees for a failure of ours. Handlers that know better (UNKNOWN_TOPIC_ID, not
// UNKNOWN_TOPIC_OR_PARTITION) pick the specific code themselves.
ErrorCode from_status(StatusCode code);
inline ErrorCode from_status(const Status& s) { return from_status(s.code()); }

}  // namespace eddy::protocol
