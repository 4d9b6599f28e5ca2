#pragma once
// The broker and topic config reference as markdown, generated from the key tables so the docs
// cannot drift from what the broker accepts (docs/operations.md embeds it).

#include <string>

namespace eddy::broker {

std::string config_reference_markdown();

}  // namespace eddy::broker
