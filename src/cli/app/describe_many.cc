#include "cli/app/describe_many.h"

#include <algorithm>
#include <ostream>
#include <regex>

namespace eddy::cli {

Result<std::vector<std::string>> with_regex_matches(std::vector<std::string> names,
                                                    const std::vector<std::string>& patterns,
                                                    const std::vector<std::string>& candidates) {
  for (const auto& pattern : patterns) {
    std::regex re;
    try {
      re = std::regex(pattern);
    } catch (const std::regex_error& e) {
      return invalid_argument("--regex '" + pattern + "': " + e.what());
    }
    for (const auto& c : candidates) {
      if (std::regex_match(c, re) && std::find(names.begin(), names.end(), c) == names.end()) {
        names.push_back(c);
      }
    }
  }
  return names;
}

int describe_many(Context& ctx, const std::vector<std::string>& names, bool single,
                  const std::function<int(const std::string&, Json*)>& describe) {
  Json all = Json::array();
  int code = kExitOk;
  for (size_t i = 0; i < names.size(); ++i) {
    if (!ctx.global.json() && i > 0) ctx.out << "\n";
    int c = describe(names[i], ctx.global.json() ? &all : nullptr);
    if (c != kExitOk && (code == kExitOk || c != kExitNotFound)) code = c;
  }
  if (ctx.global.json()) {
    if (!single) {
      ctx.out << all.dump() << "\n";
    } else if (code == kExitOk) {
      ctx.out << all.first().dump() << "\n";
    }
  }
  return code;
}

}  // namespace eddy::cli
