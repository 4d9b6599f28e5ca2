#include "cli/app/command.h"

#include <cstdlib>
#include <iostream>

#include "common/build_info.h"

namespace eddy::cli {

const std::vector<OptionSpec>& global_options() {
  static const std::vector<OptionSpec> kGlobal = {
      {"bootstrap", 'b', "HOST:PORT[,...]",
       "broker to bootstrap from (default $EDDY_BOOTSTRAP, else 127.0.0.1:9092)"},
      {"format", 0, "table|json", "output format (default table)"},
      {"timeout-ms", 0, "MS", "connect and request timeout (default 10000)"},
      {"help", 'h', "", "show help"},
  };
  return kGlobal;
}

namespace {

std::string option_line(const OptionSpec& o) {
  std::string s = "  ";
  s += o.short_name != 0 ? std::string("-") + o.short_name + ", " : "    ";
  s += "--" + o.name;
  if (!o.value_name.empty()) s += " " + o.value_name;
  if (s.size() < 34)
    s.append(34 - s.size(), ' ');
  else
    s += "  ";
  return s + o.help + "\n";
}

std::string join(const std::vector<std::string>& words) {
  std::string s;
  for (const auto& w : words) s += (s.empty() ? "" : " ") + w;
  return s;
}

std::string command_help(const CommandSpec& c) {
  std::string s = "usage: eddyctl " + join(c.path) + (c.options.empty() ? "" : " [options]") +
                  (c.usage.empty() ? "" : " " + c.usage) + "\n\n" + c.summary + "\n";
  if (!c.description.empty()) s += "\n" + c.description + "\n";
  if (!c.options.empty()) {
    s += "\noptions:\n";
    for (const auto& o : c.options) s += option_line(o);
  }
  s += "\nglobal options:\n";
  for (const auto& o : global_options()) s += option_line(o);
  return s;
}

// Help for a group of commands ("eddyctl topic --help") or the whole tool.
std::string group_help(const std::vector<std::string>& prefix) {
  std::string s = "usage: eddyctl " + (prefix.empty() ? std::string("COMMAND") : join(prefix)) +
                  (prefix.empty() ? "" : " SUBCOMMAND") + " [options] [args]\n\n";
  if (prefix.empty()) {
    s += "eddyctl administers an Eddy (or any Kafka) cluster: topics, consumer groups, producing,\n"
         "consuming and performance tests.\n\n";
  }
  s += "commands:\n";
  for (const auto& c : command_registry()) {
    if (c.path.size() < prefix.size() ||
        !std::equal(prefix.begin(), prefix.end(), c.path.begin())) {
      continue;
    }
    std::string name = "  " + join(c.path);
    if (name.size() < 30) name.append(30 - name.size(), ' ');
    s += name + c.summary + "\n";
  }
  s += "\nglobal options:\n";
  for (const auto& o : global_options()) s += option_line(o);
  if (prefix.empty())
    s += "  --version                       print version, git commit and build type\n";
  s += "\nRun `eddyctl COMMAND --help` for a command's options. Exit codes: 0 ok, 1 the broker\n"
       "refused or the operation failed, 2 usage error, 3 broker unreachable, 4 not found.\n";
  return s;
}

const OptionSpec* find_option(const std::vector<OptionSpec>& options, const std::string& name,
                              char short_name) {
  for (const auto& o : options) {
    if ((!name.empty() && o.name == name) || (short_name != 0 && o.short_name == short_name)) {
      return &o;
    }
  }
  return nullptr;
}

}  // namespace

std::optional<std::string> Args::get(const std::string& name) const {
  auto it = values.find(name);
  if (it == values.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

std::string Args::get_or(const std::string& name, const std::string& fallback) const {
  return get(name).value_or(fallback);
}

std::vector<std::string> Args::all(const std::string& name) const {
  auto it = values.find(name);
  return it == values.end() ? std::vector<std::string>{} : it->second;
}

Result<int64_t> Args::get_int(const std::string& name, int64_t fallback, int64_t min,
                              int64_t max) const {
  auto text = get(name);
  if (!text.has_value()) return fallback;
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(text->c_str(), &end, 10);
  if (text->empty() || *end != '\0' || errno != 0) {
    return invalid_argument("--" + name + ": '" + *text + "' is not an integer");
  }
  if (v < min || v > max) {
    return invalid_argument("--" + name + ": " + *text + " is out of range [" +
                            std::to_string(min) + ", " + std::to_string(max) + "]");
  }
  return static_cast<int64_t>(v);
}

Result<AdminClient*> Context::admin() {
  if (admin_ == nullptr) {
    AdminClient::Options options;
    options.bootstrap = global.bootstrap;
    options.timeout_ms = global.timeout_ms;
    EDDY_ASSIGN_OR_RETURN(admin_, AdminClient::connect(options));
  }
  return admin_.get();
}

int Context::fail(const Status& status) {
  err << "eddyctl: " << status.message() << "\n";
  switch (status.code()) {
    case StatusCode::kInvalidArgument:
      return kExitUsage;
    case StatusCode::kUnavailable:
    case StatusCode::kTimeout:
      err << "  hint: is a broker listening at " << global.bootstrap
          << "? Set it with -b HOST:PORT or EDDY_BOOTSTRAP.\n";
      return kExitUnreachable;
    case StatusCode::kNotFound:
      return kExitNotFound;
    default:
      return kExitError;
  }
}

int Context::usage_error(const std::string& message) { return fail(invalid_argument(message)); }

std::vector<CommandSpec>& command_registry() {
  static std::vector<CommandSpec> registry = [] {
    std::vector<CommandSpec> r;
    register_cluster_commands(r);
    register_config_commands(r);
    register_topic_commands(r);
    register_group_commands(r);
    register_io_commands(r);
    register_perf_commands(r);
    register_leader_commands(r);
    register_broker_commands(r);
    register_partition_commands(r);
    register_offsets_commands(r);
    register_logdirs_commands(r);
    register_completion_commands(r);
    return r;
  }();
  return registry;
}

int run_eddyctl(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
  if (argv.size() == 1 && argv[0] == "--version") {
    out << "eddyctl " << build_info::describe() << "\n";
    return kExitOk;
  }
  Global global;
  if (const char* env = std::getenv("EDDY_BOOTSTRAP"); env != nullptr && *env != '\0') {
    global.bootstrap = env;
  }
  // The command is the longest registered path that the leading words spell; global options
  // (and their values) may come before it.
  std::vector<std::string> words;
  std::vector<size_t> word_index;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (!a.empty() && a[0] == '-') {
      std::string name = a.size() > 2 && a[1] == '-' ? a.substr(2, a.find('=') - 2) : "";
      char short_name = a.size() == 2 ? a[1] : 0;
      const OptionSpec* g = find_option(global_options(), name, short_name);
      if (g == nullptr || g->name == "help") break;
      if (!g->value_name.empty() && a.find('=') == std::string::npos) ++i;
      continue;
    }
    words.push_back(a);
    word_index.push_back(i);
  }
  const CommandSpec* cmd = nullptr;
  for (const auto& c : command_registry()) {
    if (c.path.size() <= words.size() && std::equal(c.path.begin(), c.path.end(), words.begin()) &&
        (cmd == nullptr || c.path.size() > cmd->path.size())) {
      cmd = &c;
    }
  }
  std::vector<std::string> prefix;
  if (cmd == nullptr) {
    // Help for "eddyctl", a group ("eddyctl topic", "eddyctl cluster config"), or an unknown
    // word: the prefix is the longest run of leading words that begins some command's path.
    for (const auto& c : command_registry()) {
      size_t n = 0;
      while (n < words.size() && n + 1 < c.path.size() && c.path[n] == words[n]) ++n;
      if (n > prefix.size()) prefix.assign(words.begin(), words.begin() + static_cast<long>(n));
    }
    bool asked = words.empty() && argv.empty();
    for (const auto& a : argv) asked = asked || a == "--help" || a == "-h";
    asked = asked && words.size() == prefix.size();
    if (asked || (words.size() == prefix.size() && !prefix.empty())) {
      (asked ? out : err) << group_help(prefix);
      return asked ? kExitOk : kExitUsage;
    }
    err << "eddyctl: unknown command '" << join(words) << "'; see `eddyctl --help`\n";
    return kExitUsage;
  }
  Args args;
  auto usage = [&](const std::string& message) {
    err << "eddyctl " << join(cmd->path) << ": " << message << "\n(see `eddyctl " << join(cmd->path)
        << " --help`)\n";
    return static_cast<int>(kExitUsage);
  };
  // Everything but the command's own words, in order.
  std::vector<std::string> rest;
  for (size_t i = 0, w = 0; i < argv.size(); ++i) {
    if (w < cmd->path.size() && word_index[w] == i) {
      ++w;
      continue;
    }
    rest.push_back(argv[i]);
  }
  bool only_positionals = false;
  for (size_t i = 0; i < rest.size(); ++i) {
    const std::string& a = rest[i];
    if (only_positionals || a.size() < 2 || a[0] != '-') {
      args.positionals.push_back(a);
      continue;
    }
    if (a == "--") {
      only_positionals = true;
      continue;
    }
    std::string name;
    char short_name = 0;
    std::optional<std::string> inline_value;
    if (a[1] == '-') {
      name = a.substr(2);
      size_t eq = name.find('=');
      if (eq != std::string::npos) {
        inline_value = name.substr(eq + 1);
        name.resize(eq);
      }
    } else {
      short_name = a[1];
      if (a.size() > 2) inline_value = a.substr(2);
    }
    const OptionSpec* spec = find_option(cmd->options, name, short_name);
    bool is_global = false;
    if (spec == nullptr) {
      spec = find_option(global_options(), name, short_name);
      is_global = spec != nullptr;
    }
    if (spec == nullptr) return usage("unknown option '" + a + "'");
    if (spec->name == "help") {
      out << command_help(*cmd);
      return kExitOk;
    }
    std::string value = "true";
    if (!spec->value_name.empty()) {
      if (inline_value.has_value()) {
        value = *inline_value;
      } else if (i + 1 < rest.size()) {
        value = rest[++i];
      } else {
        return usage("option --" + spec->name + " needs a value (" + spec->value_name + ")");
      }
    } else if (inline_value.has_value()) {
      return usage("option --" + spec->name + " takes no value");
    }
    if (is_global) {
      if (spec->name == "bootstrap") global.bootstrap = value;
      if (spec->name == "format") {
        if (value != "table" && value != "json") return usage("--format must be table or json");
        global.format = value;
      }
      if (spec->name == "timeout-ms") {
        char* end = nullptr;
        long ms = std::strtol(value.c_str(), &end, 10);
        if (*end != '\0' || ms <= 0 || ms > 3'600'000) {
          return usage("--timeout-ms must be between 1 and 3600000");
        }
        global.timeout_ms = static_cast<int>(ms);
      }
    } else {
      args.values[spec->name].push_back(value);
    }
  }
  if (args.positionals.size() < cmd->min_args) {
    return usage("missing argument: " + cmd->usage);
  }
  if (args.positionals.size() > cmd->max_args) {
    return usage("unexpected argument '" + args.positionals[cmd->max_args] + "'");
  }
  Context ctx(std::move(args), std::move(global), out, err);
  return cmd->run(ctx);
}

}  // namespace eddy::cli
