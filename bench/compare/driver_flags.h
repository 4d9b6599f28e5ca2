#pragma once
// Command-line flags of the bench/run drivers (eddy-load, eddy-redis-load): `--name value` pairs
// bound to variables, and `--name` switches. An unknown flag, a missing value or a number that
// does not parse calls usage(), which does not return.

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace eddy::bench {

class Flags {
 public:
  Flags& add(const char* name, std::string* v) {
    return bind(name, [v](const std::string& s) { *v = s; });
  }
  Flags& add(const char* name, int* v) {
    return bind(name, [v](const std::string& s) { *v = std::stoi(s); });
  }
  Flags& add(const char* name, int64_t* v) {
    return bind(name, [v](const std::string& s) { *v = std::stoll(s); });
  }
  Flags& add(const char* name, size_t* v) {
    return bind(name, [v](const std::string& s) { *v = std::stoul(s); });
  }
  Flags& add_switch(const char* name, bool* v) {
    switches_.emplace_back(name, v);
    return *this;
  }

  void parse(int argc, char** argv, void (*usage)()) {
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      if (set_switch(a)) continue;
      const auto it = find(a);
      if (it == values_.end() || i + 1 >= argc) usage();
      try {
        it->second(argv[++i]);
      } catch (const std::logic_error&) {  // std::invalid_argument, std::out_of_range
        usage();
      }
    }
  }

 private:
  using Setter = std::function<void(const std::string&)>;

  Flags& bind(const char* name, Setter set) {
    values_.emplace_back(name, std::move(set));
    return *this;
  }
  bool set_switch(const std::string& a) {
    for (auto& [name, v] : switches_) {
      if (a == name) {
        *v = true;
        return true;
      }
    }
    return false;
  }
  std::vector<std::pair<std::string, Setter>>::iterator find(const std::string& a) {
    auto it = values_.begin();
    while (it != values_.end() && it->first != a) ++it;
    return it;
  }

  std::vector<std::pair<std::string, Setter>> values_;
  std::vector<std::pair<std::string, bool*>> switches_;
};

// The workload flags every driver takes with the same meaning (bench/run passes them alike), for
// any Options struct with these members.
template <class Options>
Flags& add_workload_flags(Flags& f, Options& o) {
  return f.add("--mode", &o.mode)
      .add("--topic", &o.topic)
      .add("--partitions", &o.partitions)
      .add("--producers", &o.producers)
      .add("--records", &o.records)
      .add("--record-bytes", &o.record_bytes)
      .add("--rate", &o.rate)
      .add("--duration-s", &o.duration_s)
      .add("--timeout-s", &o.timeout_s);
}

}  // namespace eddy::bench
