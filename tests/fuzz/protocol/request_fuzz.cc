// Every request decoder: the first byte picks the API (an index into the API table), the second
// the version, and the rest is the body.

#include <cstddef>
#include <cstdint>

#include "fuzz_check.h"
#include "protocol/api.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace eddy::protocol;
  if (size < 2) return 0;
  auto apis = all_apis();
  const ApiInfo& api = apis[data[0] % apis.size()];
  const auto version =
      static_cast<int16_t>(api.min_version + data[1] % (api.max_version - api.min_version + 1));
  eddy::ByteSpan body(data + 2, size - 2);
  auto decoded = decode_request(api.key, version, body);
  if (decoded.is_ok()) fuzz::check_reencode(api.key, version, *decoded);
  return 0;
}
