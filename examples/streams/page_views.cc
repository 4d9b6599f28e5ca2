// Windowed page views: counts the views of each page (the record key of --input, default
// page-views) per 1-minute tumbling window with 10 s of grace, and writes each window's final
// count once it closes to --output (default page-views-per-minute) as
// "<page>@<window start ms>" -> long.
#include <string>

#include "eddy/streams/streams_builder.h"
#include "example_main.h"

using namespace eddy::streams;
using std::chrono::milliseconds;

int main(int argc, char** argv) {
  auto args =
      examples::parse(argc, argv, "[--bootstrap host:port] [--input t] [--output t] [--describe]");
  StreamsBuilder b;
  b.stream<std::string, std::string>(args.get("input", "page-views"))
      .groupByKey()
      .windowedBy(TimeWindows::ofSizeAndGrace(milliseconds(60000), milliseconds(10000)))
      .count(Materialized<std::string, int64_t>::as("page-views-store"))
      .suppressUntilWindowCloses()
      .toStream()
      .selectKey([](const Windowed<std::string>& w, int64_t) {
        return w.key + "@" + std::to_string(w.window.start_ms);
      })
      .to(args.get("output", "page-views-per-minute"));
  return examples::run(b.build(), args, "streams-page-views");
}
