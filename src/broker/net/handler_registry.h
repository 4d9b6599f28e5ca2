#pragma once
// One handler per Kafka API, registered by api key with the version range it serves. The
// registry is filled before the server starts and read-only afterwards, so connections read it
// without locks. ApiVersions answers from it: Eddy advertises exactly what is registered.

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "broker/net/request.h"
#include "broker/net/response.h"

namespace eddy::broker {

struct ApiSpec {
  int16_t api_key = -1;
  std::string_view name;
  int16_t min_version = 0;
  int16_t max_version = 0;
  // First flexible version (request header v2, response header v1); -1 when none is.
  int16_t first_flexible = -1;
  // The handler also receives versions outside [min, max] (ApiVersions answers them with
  // UNSUPPORTED_VERSION); for any other API such a request closes the connection, as in Kafka.
  bool handles_unsupported_versions = false;

  bool supports(int16_t v) const { return v >= min_version && v <= max_version; }
  bool is_flexible(int16_t v) const { return first_flexible >= 0 && v >= first_flexible; }
};

// Handlers take the request by value and must answer through the Responder exactly once
// (possibly later, from another thread). They run on the connection's network thread: anything
// that blocks (fsync, waiting on a lock held across I/O) goes elsewhere and answers later.
using Handler = std::function<void(Request request, Responder responder)>;

class HandlerRegistry {
 public:
  static constexpr int16_t kMaxApiKey = 127;

  // Replaces any earlier registration of the same key.
  void add(const ApiSpec& spec, Handler handler);

  struct Entry {
    ApiSpec spec;
    Handler handler;
  };
  const Entry* find(int16_t api_key) const;
  // Registered APIs in api key order.
  std::vector<ApiSpec> specs() const;

 private:
  std::array<std::optional<Entry>, kMaxApiKey + 1> entries_;
};

}  // namespace eddy::broker
