#pragma once
// What `topic describe` and `group describe` share: several names plus --regex matches, and
// the output of several described items (tables one after the other; JSON one object for a
// single named item, else an array).

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/app/command.h"
#include "cli/app/json.h"

namespace eddy::cli {

// What to describe: `names`, then every candidate whose whole name matches one of `patterns`
// (ECMAScript regex), each once, in order; and the patterns that matched no candidate.
struct DescribeTargets {
  std::vector<std::string> names;
  std::vector<std::string> unmatched_patterns;
};
// kInvalidArgument naming the pattern when one does not compile.
Result<DescribeTargets> with_regex_matches(std::vector<std::string> names,
                                           const std::vector<std::string>& patterns,
                                           const std::vector<std::string>& candidates);

// Runs describe(name, json) for each name (json is null for tables) and prints the result; a
// pattern that matched nothing is reported on stderr ("no `kind` matches --regex P") and is not
// found, as a name that does not exist is. The exit code is the worst one (not-found only when
// nothing worse happened).
int describe_many(Context& ctx, const DescribeTargets& targets, std::string_view kind, bool single,
                  const std::function<int(const std::string&, Json*)>& describe);

}  // namespace eddy::cli
