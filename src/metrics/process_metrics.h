#pragma once
// The process's own metrics, read from /proc at scrape time, under the names Prometheus client
// libraries use (process_cpu_seconds_total, process_resident_memory_bytes, ...), and the
// eddy_build_info gauge (common/build_info.h). docs/metrics.md, "Process".

#include "metrics/registry.h"

namespace eddy::metrics {

Registry::CollectorHandle add_process_collector(Registry& registry);

}  // namespace eddy::metrics
