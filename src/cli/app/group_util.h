#pragma once
// Pieces the group commands share.

#include <vector>

#include "cli/app/command.h"
#include "client/admin_client.h"
#include "common/bytes.h"
#include "protocol/generated/describe_groups.h"

namespace eddy::cli {

// The partitions of a ConsumerProtocolAssignment (the member assignment of protocol type
// "consumer").
Result<std::vector<TopicPartition>> decode_consumer_assignment(ByteSpan bytes);

// DescribeGroups of one group through its coordinator; kNotFound (GROUP_ID_NOT_FOUND) for a
// group the coordinator does not know.
Result<protocol::DescribeGroupsResponse::DescribedGroup> describe_group(AdminClient& admin,
                                                                        const std::string& group);

// --topic T[:P,P...] (repeatable) and --all-topics.
const std::vector<OptionSpec>& partition_selection_options();
// The partitions those options name, for the group in positionals[0], sorted.
Result<std::vector<TopicPartition>> select_partitions(Context& ctx, AdminClient& admin);

}  // namespace eddy::cli
