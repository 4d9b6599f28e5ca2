#include "broker/data_dir_lock.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "../../testing/temp_dir.h"

namespace eddy::broker {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(DataDirLockTest, HolderWritesItsPidIntoEveryLockFile) {
  eddy::testing::TempDir a("lock-a");
  eddy::testing::TempDir b("lock-b");
  auto lock = DataDirLock::acquire({a.path(), b.path()});
  ASSERT_TRUE(lock.is_ok()) << lock.status().to_string();
  std::string pid = std::to_string(::getpid()) + "\n";
  EXPECT_EQ(read_file(a.path() + "/.lock"), pid);
  EXPECT_EQ(read_file(b.path() + "/.lock"), pid);
}

TEST(DataDirLockTest, SecondAcquireIsRefusedNamingTheDirAndTheHolderAndWritesNothing) {
  eddy::testing::TempDir a("lock-a");
  eddy::testing::TempDir b("lock-b");
  auto held = DataDirLock::acquire({b.path()});
  ASSERT_TRUE(held.is_ok());
  // flock locks belong to open file descriptions: a second acquire in this process is refused
  // exactly as another process's would be.
  auto second = DataDirLock::acquire({a.path(), b.path()});
  ASSERT_FALSE(second.is_ok());
  EXPECT_EQ(second.status().code(), StatusCode::kFailedPrecondition);
  const std::string& m = second.status().message();
  EXPECT_NE(m.find("data directory " + b.path() + " is in use by another process (pid " +
                   std::to_string(::getpid())),
            std::string::npos)
      << m;
  EXPECT_EQ(read_file(b.path() + "/.lock"), std::to_string(::getpid()) + "\n");
  // The refused acquire gave up the lock it took on the first directory.
  EXPECT_TRUE(DataDirLock::acquire({a.path()}).is_ok());
}

TEST(DataDirLockTest, ReleasedDirectoriesCanBeLockedAgain) {
  eddy::testing::TempDir a("lock-a");
  auto first = DataDirLock::acquire({a.path()});
  ASSERT_TRUE(first.is_ok());
  first->release();
  EXPECT_TRUE(DataDirLock::acquire({a.path()}).is_ok());
}

TEST(DataDirLockTest, OneDirectoryNamedTwiceIsLockedOnce) {
  eddy::testing::TempDir a("lock-a");
  // metadata.log.dir defaults to the first log dir: the same directory under two spellings.
  auto lock = DataDirLock::acquire({a.path(), a.path() + "/", a.path() + "/."});
  EXPECT_TRUE(lock.is_ok()) << lock.status().to_string();
}

TEST(DataDirLockTest, MissingDirectoryIsCreated) {
  eddy::testing::TempDir a("lock-a");
  auto lock = DataDirLock::acquire({a.path() + "/new/logs"});
  ASSERT_TRUE(lock.is_ok()) << lock.status().to_string();
  EXPECT_FALSE(read_file(a.path() + "/new/logs/.lock").empty());
}

}  // namespace
}  // namespace eddy::broker
