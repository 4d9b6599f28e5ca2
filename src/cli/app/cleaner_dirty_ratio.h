#pragma once
// The log cleaner's dirty ratio of a compacted topic's partitions (dirty bytes over cleanable
// bytes, what min.cleanable.dirty.ratio is compared with), as each partition's leader exposes it
// on its admin listener: no Kafka API carries it, so `eddyctl topic describe` reads the
// `eddy_log_cleaner_dirty_ratio` gauge from GET /metrics (docs/metrics.md). The leader's admin
// listener comes from the leader's own DescribeConfigs (`admin.listeners`); a wildcard or loopback
// host is replaced by the broker's host from the metadata. A broker whose admin listener is off or
// does not answer leaves its partitions out: the describe shows "-" for them, it does not fail.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "client/admin_client.h"

namespace eddy::cli {

// partition -> dirty ratio, for the partitions of `topic` grouped by leader (leader -> partitions);
// `hosts` maps a broker id to its host in the metadata.
std::map<int32_t, double> cleaner_dirty_ratios(
    client::AdminClient& admin, const std::string& topic,
    const std::map<int32_t, std::vector<int32_t>>& by_leader,
    const std::map<int32_t, std::string>& hosts);

// The samples of the gauge `name` with label topic=`topic` in a Prometheus text exposition:
// partition label -> value. Exposed for tests.
std::map<int32_t, double> parse_partition_gauge(const std::string& exposition,
                                                const std::string& name, const std::string& topic);

// host and port of the first http:// listener in an `admin.listeners` value ("http://h:p,...");
// a wildcard or loopback host becomes `fallback_host` (the broker's metadata host). nullopt when
// there is none.
std::optional<std::pair<std::string, uint16_t>> admin_endpoint(const std::string& listeners,
                                                               const std::string& fallback_host);

}  // namespace eddy::cli
