// Word count: counts the words of the lines in --input (default streams-plaintext-input) and
// writes each word's running count to --output (default streams-wordcount-output) as a
// string key and a big-endian long value. Kafka Streams' WordCountDemo, in C++.
#include <cctype>
#include <cstdio>
#include <string>
#include <vector>

#include "eddy/streams/streams_builder.h"
#include "example_main.h"

using namespace eddy::streams;

int main(int argc, char** argv) {
  auto args =
      examples::parse(argc, argv,
                      "[--bootstrap host:port] [--input topic] [--output topic] "
                      "[--app-id id] [--state-dir dir] [--commit-interval-ms n] [--describe]");
  StreamsBuilder b;
  b.stream<std::string, std::string>(args.get("input", "streams-plaintext-input"))
      .flatMapValues([](const std::string& line) {
        std::vector<std::string> words;
        std::string w;
        for (char c : line) {
          if (std::isspace(uint8_t(c))) {
            if (!w.empty()) words.push_back(std::move(w));
            w.clear();
          } else {
            w.push_back(char(std::tolower(uint8_t(c))));
          }
        }
        if (!w.empty()) words.push_back(std::move(w));
        return words;
      })
      .groupBy([](const std::string&, const std::string& word) { return word; })
      .count(Materialized<std::string, int64_t>::as("counts-store"))
      .toStream()
      .to(args.get("output", "streams-wordcount-output"));
  // On shutdown, an interactive query of this instance's part of counts-store: how many words it
  // holds and the sum of their counts.
  return examples::run(b.build(), args, "streams-wordcount", [](KafkaStreams& streams) {
    int64_t words = 0, total = 0;
    for (const auto& [word, n] : streams.store<std::string, int64_t>("counts-store").all()) {
      ++words;
      total += n;
    }
    std::printf("counts-store here: %lld words, %lld occurrences\n", (long long)words,
                (long long)total);
  });
}
