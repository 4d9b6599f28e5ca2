#pragma once
// What this binary is: the one place its version and build are read from (the eddy_build_info
// metric, the start-up line, `--version`). The values come from CMake (src/common/CMakeLists.txt).

#include <string_view>

namespace eddy {

struct BuildInfo {
  std::string_view version;     // the project version, e.g. "0.1.0"
  std::string_view revision;    // the git commit built, or "unknown" outside a checkout
  std::string_view build_type;  // CMAKE_BUILD_TYPE: Release, Debug, ...
  std::string_view compiler;    // compiler id and version
};

const BuildInfo& build_info();

}  // namespace eddy
