// StorageDriver::Copy for both drivers, on a small tree in /tmp.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "storage/dir_driver.h"
#include "storage/overlay_driver.h"
#include "sys/files_at.h"
#include "sys/syscalls.h"

namespace nest::storage {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class StorageCopyTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    std::string t = "/tmp/nest-storage-copy-XXXXXX";
    ASSERT_NE(::mkdtemp(t.data()), nullptr);
    work_ = t;
    image_ = work_ + "/image";
    ASSERT_TRUE(sys::MkdirAll(image_ + "/etc", 0755).ok());
    ASSERT_TRUE(sys::WriteFileAtomic(image_ + "/etc/hostname", "img\n", 0644).ok());
    ASSERT_TRUE(sys::Mkdir(work_ + "/containers", 0711).ok());
    auto driver = MakeStorageDriver(GetParam());
    ASSERT_TRUE(driver.ok());
    driver_ = std::move(driver).value();
    ASSERT_TRUE(driver_->Create(Dir("src"), image_).ok());
  }
  void TearDown() override { (void)sys::RemoveAll(work_); }

  std::string Dir(const std::string& name) { return work_ + "/containers/" + name; }
  // Where the container's own files are on the host.
  std::string Own(const std::string& name) {
    return Dir(name) + (GetParam() == "overlay" ? "/overlay/upper" : "/rootfs");
  }
  std::vector<std::string> Entries() {
    auto fd = sys::Open(work_ + "/containers", O_RDONLY | O_DIRECTORY);
    auto names = sys::ListDir(fd->get(), "containers");
    return names.ok() ? names.value() : std::vector<std::string>{};
  }

  std::string work_, image_;
  std::unique_ptr<StorageDriver> driver_;
};

TEST_P(StorageCopyTest, CopiesTheContainersOwnFiles) {
  std::string own = Own("src");
  ASSERT_TRUE(sys::WriteFileAtomic(own + "/written", "data\n", 0640).ok());
  ASSERT_EQ(::mkfifo((own + "/fifo").c_str(), 0600), 0);
  bool xattrs = ::setxattr((own + "/written").c_str(), "user.note", "n", 1, 0) == 0;
  bool root = ::geteuid() == 0;
  if (root) {  // an overlay whiteout: char 0:0
    ASSERT_EQ(::mknod((own + "/gone").c_str(), S_IFCHR | 0000, makedev(0, 0)), 0);
    ASSERT_EQ(::chown((own + "/written").c_str(), 1000, 1001), 0);
  }
  ASSERT_TRUE(driver_->Copy(Dir("src"), Dir("dst"), image_).ok());
  std::string copy = Own("dst");
  EXPECT_EQ(Slurp(copy + "/written"), "data\n");
  struct stat st {};
  ASSERT_EQ(::lstat((copy + "/written").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  if (root) {
    EXPECT_EQ(st.st_uid, 1000u);
    EXPECT_EQ(st.st_gid, 1001u);
    ASSERT_EQ(::lstat((copy + "/gone").c_str(), &st), 0);
    EXPECT_TRUE(S_ISCHR(st.st_mode));
    EXPECT_EQ(st.st_rdev, makedev(0, 0));
  }
  ASSERT_EQ(::lstat((copy + "/fifo").c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  if (xattrs) {
    char v[8] = {};
    EXPECT_EQ(::getxattr((copy + "/written").c_str(), "user.note", v, sizeof v), 1);
  }
  // Independent afterwards.
  ASSERT_TRUE(sys::WriteFileAtomic(copy + "/written", "changed\n", 0640).ok());
  EXPECT_EQ(Slurp(own + "/written"), "data\n");
  EXPECT_EQ(Entries(), (std::vector<std::string>{"dst", "src"}));
  auto start = driver_->PrepareStart(Dir("dst"), {});
  EXPECT_TRUE(start.ok()) << start.error().message();
}

TEST_P(StorageCopyTest, RefusesAnExistingTargetAndLeavesNothing) {
  ASSERT_TRUE(driver_->Create(Dir("dst"), image_).ok());
  auto copied = driver_->Copy(Dir("src"), Dir("dst"), image_);
  ASSERT_FALSE(copied.ok());
  EXPECT_EQ(copied.error().kind(), base::ErrorKind::kConflict);
  EXPECT_EQ(Entries(), (std::vector<std::string>{"dst", "src"}));
}

TEST_P(StorageCopyTest, RefusesADeviceNode) {
  if (::geteuid() != 0) GTEST_SKIP() << "mknod needs root";
  ASSERT_EQ(::mknod((Own("src") + "/null").c_str(), S_IFCHR | 0666, makedev(1, 3)), 0);
  auto copied = driver_->Copy(Dir("src"), Dir("dst"), image_);
  ASSERT_FALSE(copied.ok());
  EXPECT_NE(copied.error().message().find("null: a device node is not copied"), std::string::npos)
      << copied.error().message();
  EXPECT_EQ(Entries(), (std::vector<std::string>{"src"}));
}

TEST_P(StorageCopyTest, AMissingSourceLeavesNothing) {
  auto copied = driver_->Copy(Dir("nosuch"), Dir("dst"), image_);
  ASSERT_FALSE(copied.ok());
  EXPECT_EQ(Entries(), (std::vector<std::string>{"src"}));
}

INSTANTIATE_TEST_SUITE_P(Drivers, StorageCopyTest, ::testing::Values("overlay", "dir"));

}  // namespace
}  // namespace nest::storage
