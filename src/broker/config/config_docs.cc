#include "broker/config/config_docs.h"

#include "broker/config/broker_config.h"
#include "metadata/topic_config.h"

namespace eddy::broker {
namespace {

// Built by appending: GCC 12 warns (-Wrestrict) on "literal" + std::string temporaries.
std::string row(const metadata::ConfigDef& d, std::string_view synonym) {
  std::string out = "| `";
  out += d.name;
  out += "` | ";
  out += metadata::config_type_name(d.type);
  out += " | ";
  if (d.default_value) {
    out += "`";
    out += *d.default_value;
    out += "`";
  } else {
    out += "(none)";
  }
  out += " | ";
  out += metadata::describe_valid_values(d);
  out += " | ";
  out += d.doc;
  if (!synonym.empty()) {
    out += " Broker default: `";
    out += synonym;
    out += "`.";
  }
  out += " |\n";
  return out;
}

}  // namespace

std::string config_reference_markdown() {
  std::string out =
      "### Broker keys\n\n| key | type | default | valid values | meaning |\n"
      "|---|---|---|---|---|\n";
  for (const auto& d : broker_config_defs()) out += row(d, "");
  out +=
      "\n### Topic keys\n\nSet with CreateTopics / AlterConfigs / IncrementalAlterConfigs. A "
      "topic without an override inherits the broker key named in the last column.\n\n"
      "| key | type | default | valid values | meaning |\n|---|---|---|---|---|\n";
  for (const auto& t : metadata::topic_config_defs()) {
    out += row(t.def, t.broker_synonym);
  }
  return out;
}

}  // namespace eddy::broker
