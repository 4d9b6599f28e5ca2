#include "common/build_info.h"

namespace eddy {

const BuildInfo& build_info() {
  static const BuildInfo info{EDDY_BUILD_VERSION, EDDY_BUILD_REVISION, EDDY_BUILD_TYPE,
                              EDDY_BUILD_COMPILER};
  return info;
}

}  // namespace eddy
