#include "cli/streams_dir.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

namespace nest::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class StreamsDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "streams-dir-test.XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    root_ = tmpl;
  }
  void TearDown() override { fs::remove_all(root_); }

  static void Write(const fs::path& p, const std::string& text) {
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
  }
  static std::string Read(const fs::path& p) {
    std::ifstream f(p);
    return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  }
  // A staged file in d's staging directory.
  static std::string Stage(const StreamsDir& d, const std::string& name, const std::string& text) {
    std::string p = d.staging() + "/" + name;
    Write(p, text);
    return p;
  }

  fs::path root_;
};

TEST_F(StreamsDirTest, CreatesAMissingDirAndRemovesItWhenNothingWasCommitted) {
  fs::path dir = root_ / "tree";
  {
    auto d = StreamsDir::Open(dir);
    ASSERT_TRUE(d.ok()) << d.error().message();
    EXPECT_TRUE(fs::is_directory((*d)->staging()));
    EXPECT_FALSE((*d)->index_text().has_value());
  }
  EXPECT_FALSE(fs::exists(dir));
}

TEST_F(StreamsDirTest, RefusesWhatIsNotATree) {
  Write(root_ / "other" / "notes.txt", "x");
  auto d = StreamsDir::Open(root_ / "other");
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.error().message().find("is not a simplestreams tree"), std::string::npos);
  EXPECT_EQ(std::distance(fs::directory_iterator(root_ / "other"), fs::directory_iterator()), 1);

  Write(root_ / "file", "x");
  auto f = StreamsDir::Open(root_ / "file");
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.error().message().find("is not a directory"), std::string::npos);

  auto missing = StreamsDir::Open(root_ / "no" / "such");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message().find("its parent must exist"), std::string::npos);
}

TEST_F(StreamsDirTest, CommitPlacesFilesThenDocuments) {
  fs::path dir = root_ / "tree";
  {
    auto d = StreamsDir::Open(dir);
    ASSERT_TRUE(d.ok());
    std::string staged = Stage(**d, "a.meta", "META");
    base::Status s = (*d)->Commit({{staged, "images/x/1/lxd.tar.gz"}}, json{{"products", 1}},
                                  json{{"index", 2}});
    ASSERT_TRUE(s.ok()) << s.error().message();
  }
  EXPECT_EQ(Read(dir / "images/x/1/lxd.tar.gz"), "META");
  EXPECT_EQ(json::parse(Read(dir / "streams/v1/images.json")), (json{{"products", 1}}));
  EXPECT_EQ(json::parse(Read(dir / "streams/v1/index.json")), (json{{"index", 2}}));
  struct stat st {};
  ASSERT_EQ(::stat((dir / "streams/v1/index.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  // Only the tree is left: no staging, no temporary documents.
  std::vector<std::string> names;
  for (const auto& e : fs::recursive_directory_iterator(dir)) names.push_back(e.path().filename());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"1", "images", "images.json", "index.json",
                                             "lxd.tar.gz", "streams", "v1", "x"}));

  auto again = StreamsDir::Open(dir);
  ASSERT_TRUE(again.ok()) << again.error().message();
  EXPECT_EQ(json::parse(*(*again)->products_text()), (json{{"products", 1}}));
}

TEST_F(StreamsDirTest, AFailedCommitLeavesTheOldTree) {
  fs::path dir = root_ / "tree";
  Write(dir / "streams/v1/index.json", "OLD INDEX");
  Write(dir / "streams/v1/images.json", "OLD PRODUCTS");
  Write(dir / "images/blocker", "a file where a directory must go");
  auto d = StreamsDir::Open(dir);
  ASSERT_TRUE(d.ok()) << d.error().message();
  std::string a = Stage(**d, "a", "A"), b = Stage(**d, "b", "B");
  base::Status s = (*d)->Commit({{a, "images/ok/a"}, {b, "images/blocker/b"}}, json{{"new", 1}},
                                json{{"new", 2}});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message().find("images/blocker"), std::string::npos) << s.error().message();
  EXPECT_FALSE(fs::exists(dir / "images/ok")) << "the first move and its directory are undone";
  EXPECT_EQ(Read(a), "A");
  EXPECT_EQ(Read(dir / "streams/v1/index.json"), "OLD INDEX");
  EXPECT_EQ(Read(dir / "streams/v1/images.json"), "OLD PRODUCTS");
}

TEST_F(StreamsDirTest, OneWriterAtATimeAndStaleStagingIsCleared) {
  fs::path dir = root_ / "tree";
  Write(dir / "streams/v1/index.json", "{}");
  Write(dir / ".nest-staging.dead01/leftover", "x");
  auto first = StreamsDir::Open(dir);
  ASSERT_TRUE(first.ok()) << first.error().message();
  EXPECT_FALSE(fs::exists(dir / ".nest-staging.dead01"));
  auto second = StreamsDir::Open(dir);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().kind(), base::ErrorKind::kConflict);
  EXPECT_NE(second.error().message().find("another export-streams"), std::string::npos);
}

TEST_F(StreamsDirTest, RemoveFilesPrunesEmptyDirectoriesBelowImages) {
  fs::path dir = root_ / "tree";
  Write(dir / "streams/v1/index.json", "{}");
  Write(dir / "images/a/1/x", "x");
  Write(dir / "images/a/2/y", "y");
  auto d = StreamsDir::Open(dir);
  ASSERT_TRUE(d.ok());
  (*d)->RemoveFiles({"images/a/1/x"});
  EXPECT_FALSE(fs::exists(dir / "images/a/1"));
  EXPECT_TRUE(fs::exists(dir / "images/a/2/y"));
  (*d)->RemoveFiles({"images/a/2/y"});
  EXPECT_FALSE(fs::exists(dir / "images/a"));
  EXPECT_TRUE(fs::is_directory(dir / "images"));
}

}  // namespace
}  // namespace nest::cli
