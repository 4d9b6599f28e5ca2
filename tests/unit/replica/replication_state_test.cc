// Transcript tests of the replication state (ReplicationState and the divergence rules), in the
// style of the Raft interaction tests: testdata/replication/*.txt hold commands, each followed by
// "----" and the output it must produce. Regenerate after an intended change with
// EDDY_REPLICATION_REWRITE=1 and review the diff.
//
// Commands (a leader's view, local replica 1 unless `local=` says otherwise):
//   leader [local=1] epoch=E pepoch=P replicas=1,2,3 isr=1,2,3 start=S now=T
//   follower epoch=E pepoch=P leader=L replicas=... isr=...
//   fetch r=R offset=O leo=L now=T [start=S]  a follower fetch at O when the leader's LEO is L,
//                                         reporting its log start S (-1, unknown, when absent)
//   hw local=N min-isr=M                  the HW the ISR allows over the leader's safe end N
//   expand r=R hw=H                       proposes (and marks pending) an expansion
//   shrink leo=L now=T lag=MS             proposes (and marks pending) a shrink
//   lw local=S [dead=2,3]                 the low watermark over the leader's log start S and
//                                         the followers whose brokers are alive (not in dead)
//   committed isr=... pepoch=P | failed   the controller's answer
//   metadata pepoch=P replicas=... isr=...
//   state
// And the follower's side of KIP-101/KIP-279, over two simulated logs (epoch cache + LEO):
//   log NAME epochs=E@START,... leo=N hw=H
//   reconcile leader=NAME follower=NAME   fetch rounds until the follower no longer diverges

#include "broker/replica/replication_state.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace eddy::broker {
namespace {

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, sep)) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

std::vector<int32_t> ints(const std::string& s) {
  std::vector<int32_t> out;
  for (const auto& x : split(s, ',')) out.push_back(std::stoi(x));
  return out;
}

std::string join(const std::vector<int32_t>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) out += (i ? "," : "") + std::to_string(v[i]);
  return out + "]";
}

// A log as replication sees it: the leader-epoch cache and the log end.
struct SimLog {
  std::vector<std::pair<int32_t, int64_t>> epochs;  // (epoch, start offset), ascending
  int64_t leo = 0;
  int64_t hw = 0;

  int32_t latest_epoch() const { return epochs.empty() ? -1 : epochs.back().first; }
  // Kafka's LeaderEpochFileCache.endOffsetFor (log::LeaderEpochCache::end_offset_for).
  EpochAndOffset end_offset_for(int32_t epoch) const {
    if (epoch < 0 || epochs.empty()) return {-1, -1};
    if (epoch == latest_epoch()) return {epoch, leo};
    if (epoch > latest_epoch()) return {-1, -1};
    if (epoch < epochs.front().first) return {epoch, epochs.front().second};
    for (size_t i = 0; i + 1 < epochs.size(); ++i) {
      if (epochs[i + 1].first > epoch) return {epochs[i].first, epochs[i + 1].second};
    }
    return {-1, -1};
  }
  void truncate_to(int64_t offset) {
    leo = std::min(leo, offset);
    hw = std::min(hw, leo);
    while (!epochs.empty() && epochs.back().second >= leo) epochs.pop_back();
  }
  std::string describe() const {
    std::string out = "epochs=";
    for (size_t i = 0; i < epochs.size(); ++i) {
      out +=
          (i ? "," : "") + std::to_string(epochs[i].first) + "@" + std::to_string(epochs[i].second);
    }
    return out + " leo=" + std::to_string(leo);
  }
};

class Driver {
 public:
  std::string run(const std::string& line) {
    std::vector<std::string> args = split(line, ' ');
    std::map<std::string, std::string> kv;
    for (size_t i = 1; i < args.size(); ++i) {
      auto eq = args[i].find('=');
      if (eq != std::string::npos) kv[args[i].substr(0, eq)] = args[i].substr(eq + 1);
    }
    auto num = [&](const std::string& k) { return std::stoll(kv.at(k)); };
    const std::string& cmd = args[0];
    std::vector<std::string> out;
    if (cmd == "leader" || cmd == "follower") {
      const int32_t local = kv.count("local") ? static_cast<int32_t>(num("local")) : 1;
      state_ = std::make_unique<ReplicationState>(local);
      ReplicaAssignment a;
      a.leader = cmd == "leader" ? local : static_cast<int32_t>(num("leader"));
      a.leader_epoch = static_cast<int32_t>(num("epoch"));
      a.partition_epoch = static_cast<int32_t>(num("pepoch"));
      a.replicas = ints(kv.at("replicas"));
      a.isr = ints(kv.at("isr"));
      if (cmd == "leader") {
        state_->become_leader(a, num("start"), num("now"));
      } else {
        state_->become_follower(a);
      }
      out.push_back(describe());
    } else if (cmd == "fetch") {
      state_->update_follower(static_cast<int32_t>(num("r")), num("offset"),
                              kv.count("start") ? num("start") : -1, num("leo"), num("now"));
      const FollowerState* f = state_->follower(static_cast<int32_t>(num("r")));
      std::string start = f != nullptr && f->log_start_offset >= 0
                              ? " start=" + std::to_string(f->log_start_offset)
                              : "";
      out.push_back(f == nullptr
                        ? "not a follower"
                        : "r" + kv.at("r") + " leo=" + std::to_string(f->log_end_offset) + start +
                              " caught_up=" + std::to_string(f->last_caught_up_ms));
    } else if (cmd == "lw") {
      const std::vector<int32_t> dead =
          kv.count("dead") ? ints(kv.at("dead")) : std::vector<int32_t>{};
      const int64_t lw = state_->low_watermark(num("local"), [&](int32_t broker) {
        return std::find(dead.begin(), dead.end(), broker) == dead.end();
      });
      out.push_back("lw=" + std::to_string(lw));
    } else if (cmd == "hw") {
      auto hw = state_->high_watermark(num("local"), static_cast<int32_t>(num("min-isr")));
      out.push_back(hw ? "hw=" + std::to_string(*hw) : "hw frozen");
    } else if (cmd == "expand") {
      auto isr = state_->isr_to_expand(static_cast<int32_t>(num("r")), num("hw"));
      if (isr) state_->set_pending(*isr);
      out.push_back(isr ? "propose isr=" + join(*isr) : "no change");
    } else if (cmd == "shrink") {
      auto isr = state_->isr_to_shrink(num("leo"), num("now"), num("lag"));
      if (isr) state_->set_pending(*isr);
      out.push_back(isr ? "propose isr=" + join(*isr) : "no change");
    } else if (cmd == "committed") {
      state_->alter_partition_committed(ints(kv.at("isr")), static_cast<int32_t>(num("pepoch")));
      out.push_back(describe());
    } else if (cmd == "failed") {
      state_->alter_partition_failed();
      out.push_back(describe());
    } else if (cmd == "metadata") {
      ReplicaAssignment a = state_->assignment();
      a.partition_epoch = static_cast<int32_t>(num("pepoch"));
      a.replicas = ints(kv.at("replicas"));
      a.isr = ints(kv.at("isr"));
      state_->update_assignment(a);
      out.push_back(describe());
    } else if (cmd == "state") {
      out.push_back(describe());
    } else if (cmd == "log") {
      SimLog& l = logs_[args.at(1)];
      l = SimLog{};
      for (const auto& e : split(kv.at("epochs"), ',')) {
        auto at = e.find('@');
        l.epochs.emplace_back(std::stoi(e.substr(0, at)), std::stoll(e.substr(at + 1)));
      }
      l.leo = num("leo");
      l.hw = kv.count("hw") ? num("hw") : 0;
      out.push_back(args.at(1) + ": " + l.describe());
    } else if (cmd == "reconcile") {
      reconcile(logs_.at(kv.at("leader")), logs_.at(kv.at("follower")), &out);
    } else {
      out.push_back("unknown command " + cmd);
    }
    std::string joined;
    for (const auto& o : out) joined += o + "\n";
    return joined;
  }

 private:
  // The fetch rounds of a follower against a leader: each fetch carries (LEO, latest epoch); the
  // leader answers DivergingEpoch or accepts; the follower truncates as truncation_offset() says.
  static void reconcile(const SimLog& leader, SimLog& follower, std::vector<std::string>* out) {
    for (int round = 0; round < 10; ++round) {
      const int32_t last_epoch = follower.latest_epoch();
      auto div = diverging_epoch(last_epoch, follower.leo, leader.end_offset_for(last_epoch));
      if (!div) {
        out->push_back("fetch offset=" + std::to_string(follower.leo) +
                       " last_epoch=" + std::to_string(last_epoch) + ": in step");
        return;
      }
      TruncationDecision d =
          truncation_offset(*div, follower.end_offset_for(div->epoch), follower.leo, follower.hw);
      const int64_t fetch_offset = follower.leo;
      follower.truncate_to(d.offset);
      out->push_back("fetch offset=" + std::to_string(fetch_offset) +
                     " last_epoch=" + std::to_string(last_epoch) + ": diverging " +
                     std::to_string(div->epoch) + "/" + std::to_string(div->end_offset) +
                     " -> truncate to " + std::to_string(d.offset) +
                     (d.completed ? "" : " (not completed)") + "; " + follower.describe());
    }
    out->push_back("no convergence in 10 rounds");
  }

  std::string describe() const {
    const ReplicaAssignment& a = state_->assignment();
    std::string s = std::string(state_->is_leader() ? "leader" : "follower") +
                    " epoch=" + std::to_string(a.leader_epoch) +
                    " pepoch=" + std::to_string(a.partition_epoch) + " isr=" + join(a.isr) +
                    " maximal=" + join(state_->maximal_isr());
    if (state_->pending()) s += " pending=" + join(*state_->pending());
    return s;
  }

  std::unique_ptr<ReplicationState> state_;
  std::map<std::string, SimLog> logs_;
};

std::string run_file(const std::string& path, bool rewrite) {
  std::ifstream in(path);
  std::string line;
  std::string out;
  Driver driver;
  std::string command;
  bool in_output = false;
  while (std::getline(in, line)) {
    if (in_output) {
      if (line.empty()) {
        in_output = false;
        out += "\n";
      }
      continue;
    }
    if (line.empty() || line[0] == '#') {
      out += line + "\n";
      continue;
    }
    if (line == "----") {
      out += "----\n" + driver.run(command);
      in_output = true;
      continue;
    }
    command = line;
    out += line + "\n";
  }
  if (rewrite) std::ofstream(path) << out;
  return out;
}

TEST(ReplicationTranscript, AllFiles) {
  const std::string dir = std::string(EDDY_REPLICA_TESTDATA);
  const bool rewrite = std::getenv("EDDY_REPLICATION_REWRITE") != nullptr;
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".txt") continue;
    ++files;
    std::ifstream in(entry.path());
    std::stringstream want;
    want << in.rdbuf();
    const std::string got = run_file(entry.path().string(), rewrite);
    EXPECT_EQ(got, want.str()) << entry.path();
  }
  EXPECT_GT(files, 0);
}

}  // namespace
}  // namespace eddy::broker
