#pragma once
// What `topic describe` and `group describe` share: several names plus --regex matches, and
// the output of several described items (tables one after the other; JSON one object for a
// single named item, else an array).

#include <functional>
#include <string>
#include <vector>

#include "cli/app/command.h"
#include "cli/app/json.h"

namespace eddy::cli {

// `names`, then every candidate whose whole name matches one of `patterns` (ECMAScript regex),
// each once, in order. kInvalidArgument naming the pattern when one does not compile.
Result<std::vector<std::string>> with_regex_matches(std::vector<std::string> names,
                                                    const std::vector<std::string>& patterns,
                                                    const std::vector<std::string>& candidates);

// Runs describe(name, json) for each name (json is null for tables) and prints the result; the
// exit code is the worst one (not-found only when nothing worse happened).
int describe_many(Context& ctx, const std::vector<std::string>& names, bool single,
                  const std::function<int(const std::string&, Json*)>& describe);

}  // namespace eddy::cli
