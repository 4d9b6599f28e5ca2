// Enrichment: each click in --clicks (key: user id, value: page) is joined with the user's
// current region from the table --users (key: user id, value: region) and written to --output as
// "<page> from <region>"; clicks of unknown users say "unknown" (a left join).
#include <string>

#include "eddy/streams/streams_builder.h"
#include "example_main.h"

using namespace eddy::streams;

int main(int argc, char** argv) {
  auto args = examples::parse(
      argc, argv, "[--bootstrap host:port] [--clicks t] [--users t] [--output t] [--describe]");
  StreamsBuilder b;
  auto users = b.table<std::string, std::string>(args.get("users", "users"));
  b.stream<std::string, std::string>(args.get("clicks", "clicks"))
      .leftJoin(users,
                [](const std::string& page, const std::string* region) {
                  return page + " from " + (region ? *region : std::string("unknown"));
                })
      .to(args.get("output", "enriched-clicks"));
  return examples::run(b.build(), args, "streams-enrichment");
}
