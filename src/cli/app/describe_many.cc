#include "cli/app/describe_many.h"

#include <algorithm>
#include <ostream>
#include <regex>
#include <utility>

namespace eddy::cli {

Result<DescribeTargets> with_regex_matches(std::vector<std::string> names,
                                           const std::vector<std::string>& patterns,
                                           const std::vector<std::string>& candidates) {
  DescribeTargets targets;
  for (const auto& pattern : patterns) {
    std::regex re;
    try {
      re = std::regex(pattern);
    } catch (const std::regex_error& e) {
      return invalid_argument("--regex '" + pattern + "': " + e.what());
    }
    bool matched = false;
    for (const auto& c : candidates) {
      if (!std::regex_match(c, re)) continue;
      matched = true;
      if (std::find(names.begin(), names.end(), c) == names.end()) names.push_back(c);
    }
    if (!matched) targets.unmatched_patterns.push_back(pattern);
  }
  targets.names = std::move(names);
  return targets;
}

int describe_many(Context& ctx, const DescribeTargets& targets, std::string_view kind, bool single,
                  const std::function<int(const std::string&, Json*)>& describe) {
  const std::vector<std::string>& names = targets.names;
  Json all = Json::array();
  int code = kExitOk;
  // Silence would read as "described nothing, all well": say what matched nothing.
  for (const std::string& pattern : targets.unmatched_patterns) {
    ctx.err << "eddyctl: no " << kind << " matches --regex '" << pattern << "'\n";
    code = kExitNotFound;
  }
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
