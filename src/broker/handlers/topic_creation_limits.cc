#include "broker/handlers/topic_creation_limits.h"

#include <algorithm>
#include <limits>
#include <string>

#include "broker/controller_mutation_quota.h"

namespace eddy::broker {

namespace {

using metadata::ControllerResult;
using protocol::ErrorCode;

int64_t new_partitions(const metadata::pb::MetadataBatch& batch) {
  int64_t n = 0;
  for (const auto& r : batch.records()) n += r.has_partition() ? 1 : 0;
  return n;
}

int32_t clamp_ms(int64_t ms) {
  return static_cast<int32_t>(std::min<int64_t>(ms, std::numeric_limits<int32_t>::max()));
}

}  // namespace

metadata::MetadataStore::Plan with_creation_limits(const BrokerContext& ctx,
                                                   metadata::MetadataStore::Plan create,
                                                   QuotaMode mode, bool validate_only,
                                                   int32_t* throttle_ms) {
  const BrokerContext* c = &ctx;
  return [c, create = std::move(create), mode, validate_only, throttle_ms](
             const metadata::MetadataImage& image, metadata::pb::MetadataBatch* out) {
    ControllerResult r = create(image, out);
    if (!r.ok()) return r;
    int64_t adding = new_partitions(*out);
    int64_t max_partitions = c->config->get_long("max.partitions");
    auto existing = static_cast<int64_t>(image.partition_count());
    if (existing + adding > max_partitions) {
      return ControllerResult::error(
          ErrorCode::kPolicyViolation,
          "Creating " + std::to_string(adding) + " partitions would take the cluster to " +
              std::to_string(existing + adding) + " partitions, over max.partitions (" +
              std::to_string(max_partitions) + ").");
    }
    if (validate_only || c->mutation_quota == nullptr) return r;
    if (mode == QuotaMode::kPermissive) {
      *throttle_ms = std::max(*throttle_ms, clamp_ms(c->mutation_quota->spend(adding)));
      return r;
    }
    if (int64_t wait_ms = c->mutation_quota->try_spend(adding); wait_ms > 0) {
      *throttle_ms = std::max(*throttle_ms, clamp_ms(wait_ms));
      return ControllerResult::error(ErrorCode::kThrottlingQuotaExceeded,
                                     "The throttling quota has been exceeded (controller.mutation."
                                     "rate); retry in " +
                                         std::to_string(wait_ms) + " ms.");
    }
    return r;
  };
}

}  // namespace eddy::broker
