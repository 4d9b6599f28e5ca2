// Transcript tests in the style of etcd-io/raft's interaction tests: each file under testdata/ is
// a sequence of commands, each followed by "----" and the output it must produce. A behaviour
// change shows up as a readable diff. Regenerate after an intended change with
// EDDY_RAFT_REWRITE=1 and review the diff.
//
// Commands:
//   add-nodes <n> [voters=1,2,3] [prevote=false] [checkquorum=false] [chunk=<bytes>]
//   campaign <id> | tick <id> [<n>] | tick-heartbeat <id> | tick-election <id>
//   propose <id> <data> | propose-conf-change <id> add-learner|add-voter|remove <node>
//   transfer-leadership <from> <to> | read-index <id> <ctx>
//   stabilize | process-ready <id> | deliver-msgs
//   isolate <id> | partition <ids,...> <ids,...> | cut <from> <to> | heal | snapshot <id> <data> |
//   restart <id> status [<id>...] | log <id>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "test_cluster.h"

namespace eddy::raft::testing {
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

class Driver {
 public:
  std::string run(const std::string& line) {
    std::vector<std::string> args = split(line, ' ');
    std::vector<std::string> out;
    const std::string& cmd = args[0];
    auto id = [&](size_t i) { return static_cast<int32_t>(std::stoi(args.at(i))); };
    auto check = [&](const Status& s) {
      if (!s.is_ok()) out.push_back("error: " + s.to_string());
    };
    if (cmd == "add-nodes") {
      add_nodes(args);
    } else if (cmd == "campaign") {
      check(c_.node(id(1)).campaign());
    } else if (cmd == "tick") {
      c_.tick(id(1), args.size() > 2 ? std::stoi(args[2]) : 1);
    } else if (cmd == "tick-heartbeat") {
      c_.tick(id(1), c_.test_node(id(1)).config.heartbeat_ticks);
    } else if (cmd == "tick-election") {
      c_.tick(id(1), 2 * c_.test_node(id(1)).config.election_ticks);
    } else if (cmd == "propose") {
      check(c_.node(id(1)).propose(args.at(2)));
    } else if (cmd == "propose-conf-change") {
      pb::ConfChange cc;
      const std::string& kind = args.at(2);
      cc.set_type(kind == "add-learner" ? pb::CONF_CHANGE_ADD_LEARNER
                  : kind == "add-voter" ? pb::CONF_CHANGE_ADD_VOTER
                                        : pb::CONF_CHANGE_REMOVE_NODE);
      cc.set_node_id(id(3));
      check(c_.node(id(1)).propose_conf_change(cc));
    } else if (cmd == "transfer-leadership") {
      check(c_.node(id(1)).transfer_leadership(NodeId(id(2))));
    } else if (cmd == "read-index") {
      check(c_.node(id(1)).read_index(args.at(2)));
    } else if (cmd == "stabilize") {
      c_.stabilize(&out);
    } else if (cmd == "process-ready") {
      c_.process_ready(id(1), &out);
    } else if (cmd == "deliver-msgs") {
      c_.deliver(&out);
    } else if (cmd == "isolate") {
      c_.isolate(id(1));
    } else if (cmd == "partition") {
      // partition 1,2 3,4,5: no messages cross between the groups.
      std::vector<std::vector<std::string>> groups;
      for (size_t i = 1; i < args.size(); ++i) groups.push_back(split(args[i], ','));
      for (size_t a = 0; a < groups.size(); ++a) {
        for (size_t b = 0; b < groups.size(); ++b) {
          if (a == b) continue;
          for (const auto& x : groups[a]) {
            for (const auto& y : groups[b]) c_.cut(std::stoi(x), std::stoi(y));
          }
        }
      }
    } else if (cmd == "cut") {
      c_.cut(id(1), id(2));
    } else if (cmd == "heal") {
      c_.heal();
    } else if (cmd == "snapshot") {
      check(c_.snapshot_and_compact(id(1), args.at(2)));
    } else if (cmd == "restart") {
      c_.restart(id(1));
    } else if (cmd == "status") {
      std::vector<int32_t> ids;
      for (size_t i = 1; i < args.size(); ++i) ids.push_back(id(i));
      if (ids.empty()) ids = c_.ids();
      for (int32_t n : ids) out.push_back(status(n));
    } else if (cmd == "log") {
      MemoryStorage& s = *c_.test_node(id(1)).storage;
      auto ents = s.entries(*s.first_index(), *s.last_index() + 1, UINT64_MAX);
      out.push_back("snapshot " + std::to_string(s.snapshot()->metadata().term()) + "/" +
                    std::to_string(s.snapshot()->metadata().index()));
      for (const auto& e : *ents) out.push_back(describe(e));
    } else {
      out.push_back("error: unknown command " + cmd);
    }
    std::string text;
    for (const auto& l : out) text += l + "\n";
    return text.empty() ? "ok\n" : text;
  }

 private:
  void add_nodes(const std::vector<std::string>& args) {
    const int n = std::stoi(args.at(1));
    NodeOptions options;
    pb::ConfState cs;
    bool voters_given = false;
    for (size_t i = 2; i < args.size(); ++i) {
      auto kv = split(args[i], '=');
      if (kv[0] == "voters") {
        voters_given = true;
        for (const auto& v : split(kv.at(1), ',')) cs.add_voters(std::stoi(v));
      } else if (kv[0] == "prevote") {
        options.pre_vote = kv.at(1) == "true";
      } else if (kv[0] == "checkquorum") {
        options.check_quorum = kv.at(1) == "true";
      } else if (kv[0] == "chunk") {
        options.max_snapshot_chunk_bytes = std::stoull(kv.at(1));
      }
    }
    const int first = static_cast<int>(c_.ids().size()) + 1;
    if (!voters_given) {
      for (int i = first; i < first + n; ++i) cs.add_voters(i);
    }
    for (int i = first; i < first + n; ++i) {
      bool member = std::find(cs.voters().begin(), cs.voters().end(), i) != cs.voters().end();
      c_.add_node(i, member ? cs : pb::ConfState{}, options);
      // Apply the bootstrap entries quietly: every transcript starts from a formed cluster.
      c_.process_ready(i, nullptr);
    }
  }

  std::string status(int32_t n) {
    NodeStatus st = c_.node(n).status();
    return std::to_string(n) + ": " + role_name(st.role) +
           " term=" + std::to_string(st.term.value()) +
           " lead=" + std::to_string(st.leader.value()) +
           " commit=" + std::to_string(st.commit.value()) +
           " applied=" + std::to_string(st.applied.value()) +
           " last=" + std::to_string(st.last_index.value()) + " " + describe(st.conf_state);
  }

  TestCluster c_;
};

struct Case {
  std::string command;
  std::string expected;
};

std::vector<Case> parse(const std::string& path, std::vector<std::string>* preamble) {
  std::ifstream in(path);
  std::vector<Case> cases;
  std::string line;
  std::vector<std::string> comments;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') {
      comments.push_back(line);
      continue;
    }
    Case c;
    c.command = line;
    std::getline(in, line);  // "----"
    while (std::getline(in, line) && !line.empty()) c.expected += line + "\n";
    preamble->insert(preamble->end(), comments.begin(), comments.end());
    preamble->push_back("\x01" + std::to_string(cases.size()));
    comments.clear();
    cases.push_back(std::move(c));
  }
  preamble->insert(preamble->end(), comments.begin(), comments.end());
  return cases;
}

void run_file(const std::string& name) {
  const std::string path = std::string(EDDY_RAFT_TESTDATA) + "/" + name;
  ASSERT_TRUE(std::filesystem::exists(path)) << path;
  std::vector<std::string> layout;
  std::vector<Case> cases = parse(path, &layout);
  ASSERT_FALSE(cases.empty()) << path;
  Driver d;
  std::vector<std::string> actual;
  for (const Case& c : cases) {
    actual.push_back(d.run(c.command));
    EXPECT_EQ(actual.back(), c.expected) << name << ": " << c.command;
  }
  const char* rewrite = std::getenv("EDDY_RAFT_REWRITE");
  if (rewrite == nullptr || std::string(rewrite) != "1") return;
  std::ofstream out(path, std::ios::trunc);
  for (const auto& l : layout) {
    if (!l.empty() && l[0] == '\x01') {
      size_t i = std::stoul(l.substr(1));
      out << cases[i].command << "\n----\n" << actual[i] << "\n";
    } else {
      out << l << "\n";
    }
  }
}

TEST(RaftInteraction, Election) { run_file("election.txt"); }
TEST(RaftInteraction, PreVoteAndCheckQuorum) { run_file("prevote_checkquorum.txt"); }
TEST(RaftInteraction, PartitionAndRecovery) { run_file("partition.txt"); }
TEST(RaftInteraction, SnapshotCatchUp) { run_file("snapshot.txt"); }
TEST(RaftInteraction, MembershipChanges) { run_file("membership.txt"); }
TEST(RaftInteraction, LeaderTransferAndReadIndex) { run_file("transfer_read_index.txt"); }
TEST(RaftInteraction, RestartFromStorage) { run_file("restart.txt"); }

}  // namespace
}  // namespace eddy::raft::testing
