#include "cli/app/alter_configs.h"

#include "client/kafka_error.h"

namespace eddy::cli {

Status alter_resource_configs(client::Connection& conn, int8_t type, const std::string& name,
                              std::vector<ConfigChange> changes, bool validate_only,
                              const std::string& what) {
  protocol::IncrementalAlterConfigsRequest req;
  req.validate_only = validate_only;
  req.resources.push_back({type, name, std::move(changes), {}});
  auto resp = conn.call<protocol::IncrementalAlterConfigsResponse>(req);
  if (!resp.is_ok()) return resp.status();
  if (resp->responses.size() != 1) {
    return corruption("IncrementalAlterConfigs answered " + std::to_string(resp->responses.size()) +
                      " resources for one");
  }
  const auto& r = resp->responses[0];
  return client::kafka_error(r.error_code, "alter configs of " + what, r.error_message);
}

}  // namespace eddy::cli
