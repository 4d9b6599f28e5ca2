#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>

#include "metadata/metadata_store.h"

namespace eddy::metadata {
namespace {

class MetadataStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Appended piecewise: GCC 12 warns (-Wrestrict) on "literal" + std::string temporaries.
    std::string name = "eddy-metadata-test-";
    name += std::to_string(::getpid());
    name += '-';
    name += ::testing::UnitTest::GetInstance()->current_test_info()->name();
    dir_ = std::filesystem::temp_directory_path() / name;
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<MetadataStore> open(uint64_t snapshot_bytes = 1 << 20) {
    auto s = MetadataStore::open({dir_.string(), snapshot_bytes});
    EXPECT_TRUE(s.is_ok()) << s.status().to_string();
    return s.is_ok() ? std::move(*s) : nullptr;
  }
  static ControllerResult create(MetadataStore& store, const Controller& c, const std::string& n) {
    return store.commit([&](const MetadataImage& image, pb::MetadataBatch* b) {
      CreateTopicSpec spec;
      spec.name = n;
      return c.create_topic(image, spec, b);
    });
  }
  void register_broker(MetadataStore& store, const Controller& c) {
    BrokerRegistration reg;
    reg.id = 1;
    ASSERT_TRUE(store
                    .commit([&](const MetadataImage&, pb::MetadataBatch* b) {
                      return c.register_broker(reg, b);
                    })
                    .ok());
  }

  std::filesystem::path dir_;
  Controller controller_{ControllerDefaults{}};
};

TEST_F(MetadataStoreTest, CommittedTopicsSurviveReopen) {
  {
    auto store = open();
    register_broker(*store, controller_);
    ASSERT_TRUE(create(*store, controller_, "a").ok());
    ASSERT_TRUE(create(*store, controller_, "b").ok());
  }
  auto store = open();
  auto image = store->image();
  EXPECT_NE(image->topic("a"), nullptr);
  EXPECT_NE(image->topic("b"), nullptr);
  EXPECT_EQ(image->last_offset(), 2);
  EXPECT_FALSE(store->recovered_torn_tail());
}

TEST_F(MetadataStoreTest, ValidateOnlyCommitsNothing) {
  auto store = open();
  register_broker(*store, controller_);
  ASSERT_TRUE(store
                  ->commit(
                      [&](const MetadataImage& image, pb::MetadataBatch* b) {
                        CreateTopicSpec spec;
                        spec.name = "v";
                        return controller_.create_topic(image, spec, b);
                      },
                      /*validate_only=*/true)
                  .ok());
  EXPECT_EQ(store->image()->topic("v"), nullptr);
}

TEST_F(MetadataStoreTest, TornTailIsTruncatedAndEarlierEntriesKept) {
  {
    auto store = open();
    register_broker(*store, controller_);
    ASSERT_TRUE(create(*store, controller_, "a").ok());
  }
  auto log_path = dir_ / "log";
  auto size = std::filesystem::file_size(log_path);
  {
    std::ofstream out(log_path, std::ios::app | std::ios::binary);
    const char torn[] = "\x00\x00\x01\x00garbage";  // a length of 256, then 7 bytes
    out.write(torn, sizeof(torn) - 1);
  }
  {
    auto store = open();
    EXPECT_TRUE(store->recovered_torn_tail());
    EXPECT_NE(store->image()->topic("a"), nullptr);
    EXPECT_EQ(std::filesystem::file_size(log_path), size);
    ASSERT_TRUE(create(*store, controller_, "b").ok());
  }
  auto store = open();
  EXPECT_NE(store->image()->topic("b"), nullptr);
}

// While it lives, the process may write no file past `limit` bytes (RLIMIT_FSIZE): a write across
// it is short and the next fails (EFBIG), as on a disk that fills up in the middle of a write.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t limit) {
    ::getrlimit(RLIMIT_FSIZE, &saved_);
    old_handler_ = ::signal(SIGXFSZ, SIG_IGN);
    rlimit l = saved_;
    l.rlim_cur = limit;
    ::setrlimit(RLIMIT_FSIZE, &l);
  }
  ~FileSizeLimit() {
    ::setrlimit(RLIMIT_FSIZE, &saved_);
    ::signal(SIGXFSZ, old_handler_);
  }
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;

 private:
  rlimit saved_{};
  sighandler_t old_handler_ = SIG_DFL;
};

TEST_F(MetadataStoreTest, TornWriteIsCutBackSoThatLaterEntriesSurviveReopen) {
  {
    auto store = open();
    register_broker(*store, controller_);
    {
      FileSizeLimit full(std::filesystem::file_size(dir_ / "log") + 10);
      EXPECT_FALSE(create(*store, controller_, "refused").ok());
    }
    ASSERT_TRUE(create(*store, controller_, "after").ok());
  }
  auto store = open();
  EXPECT_FALSE(store->recovered_torn_tail());
  EXPECT_EQ(store->image()->topic("refused"), nullptr);
  EXPECT_NE(store->image()->topic("after"), nullptr);
}

TEST_F(MetadataStoreTest, SnapshotBoundsReplayAndKeepsEverything) {
  {
    auto store = open(/*snapshot_bytes=*/256);
    register_broker(*store, controller_);
    for (int i = 0; i < 20; ++i) {
      std::string topic = "t";
      topic += std::to_string(i);
      ASSERT_TRUE(create(*store, controller_, topic).ok());
    }
  }
  EXPECT_TRUE(std::filesystem::exists(dir_ / "snapshot"));
  EXPECT_LT(std::filesystem::file_size(dir_ / "log"), 1024u);
  auto store = open(256);
  EXPECT_EQ(store->image()->topics().size(), 20u);
  EXPECT_EQ(store->image()->last_offset(), 20);
}

TEST_F(MetadataStoreTest, ListenerSeesBeforeAndAfter) {
  auto store = open();
  register_broker(*store, controller_);
  size_t before_topics = 99;
  size_t after_topics = 99;
  store->add_listener([&](const MetadataImage& before, const MetadataImage& after) {
    before_topics = before.topics().size();
    after_topics = after.topics().size();
  });
  ASSERT_TRUE(create(*store, controller_, "a").ok());
  EXPECT_EQ(before_topics, 0u);
  EXPECT_EQ(after_topics, 1u);
}

}  // namespace
}  // namespace eddy::metadata
