// eddyctl offsets get: each partition's offset at a time (ListOffsets), like Kafka's
// kafka-get-offsets.sh --time.

#include <ostream>

#include "cli/app/command.h"
#include "cli/app/json.h"
#include "cli/app/table.h"
#include "cli/app/util.h"

namespace eddy::cli {

namespace {

int offsets_get(Context& ctx) {
  const std::string& topic = ctx.args.positionals[0];
  std::string when = ctx.args.get_or("time", "latest");
  int64_t ts = kLatestTimestamp;
  if (when == "earliest") {
    ts = kEarliestTimestamp;
  } else if (when != "latest") {
    auto parsed = parse_timestamp_ms(when);
    if (!parsed.is_ok()) return ctx.fail(parsed.status());
    ts = *parsed;
  }
  auto admin = ctx.admin();
  if (!admin.is_ok()) return ctx.fail(admin.status());
  std::vector<TopicPartition> tps;
  if (auto list = ctx.args.get("partitions")) {
    auto parsed = parse_int_list(*list, "--partitions");
    if (!parsed.is_ok()) return ctx.fail(parsed.status());
    for (int32_t p : *parsed) tps.push_back({topic, p});
  } else {
    auto md = (*admin)->topic_metadata(topic);
    if (!md.is_ok()) return ctx.fail(md.status());
    for (const auto& p : md->partitions) tps.push_back({topic, p.partition_index});
  }
  auto offsets = (*admin)->list_offsets(tps, ts);
  if (!offsets.is_ok()) return ctx.fail(offsets.status());
  Json arr = Json::array();
  Table t({"TOPIC", "PARTITION", "OFFSET"});
  for (const auto& [tp, offset] : *offsets) {
    // -1: no record at or after the time (Kafka's answer); null in JSON, "-" in the table.
    arr.push(Json::object()
                 .set("topic", tp.topic)
                 .set("partition", tp.partition)
                 .set("offset", offset < 0 ? Json() : Json(offset)));
    t.add({tp.topic, std::to_string(tp.partition), offset < 0 ? "-" : std::to_string(offset)});
  }
  ctx.out << (ctx.global.json() ? arr.dump() + "\n" : t.render());
  return kExitOk;
}

}  // namespace

void register_offsets_commands(std::vector<CommandSpec>& out) {
  out.push_back({{"offsets", "get"},
                 "show each partition's offset at a time (ListOffsets)",
                 "TOPIC",
                 "--time latest (default): the log end offset; earliest: the log start offset;\n"
                 "TIME: the first offset whose timestamp is at or after TIME (none: '-', null in "
                 "JSON).\nExample: eddyctl offsets get orders --time 2024-05-01T12:00:00Z",
                 {{"time", 't', "T", "latest (default), earliest, or a time (ISO 8601 or ms)"},
                  {"partitions", 'p', "P[,P...]", "only these partitions"}},
                 1,
                 1,
                 offsets_get});
}

}  // namespace eddy::cli
