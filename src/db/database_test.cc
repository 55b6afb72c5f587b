#include "db/database.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <thread>

namespace nest::db {
namespace {

using base::Error;
using base::ErrorKind;
using base::Ok;
using base::Status;

class DatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/nest-db-test.XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    dir_ = dir;
    path_ = dir_ + "/nest.db";
    auto db = Database::Open(path_);
    ASSERT_TRUE(db.ok()) << db.error().message();
    db_ = std::move(db).value();
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(dir_);
  }

  InstanceRecord Instance(const std::string& name) {
    InstanceRecord r;
    r.name = name;
    r.architecture = "x86_64";
    r.created_at = 1000;
    r.image_fingerprint = "abc123";
    r.config = {{"limits.cpu", "2"}, {"user.note", "héllo \"quoted\""}};
    r.devices = {{"eth0", {{"type", "nic"}, {"nictype", "bridged"}, {"parent", "nestbr0"}}}};
    r.profiles = {"default", "extra"};
    return r;
  }

  std::string dir_;
  std::string path_;
  std::unique_ptr<Database> db_;
};

TEST_F(DatabaseTest, FileIsPrivate) {
  struct stat st;
  ASSERT_EQ(stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_TRUE(db_->SetConfig("k", "v").ok());
  EXPECT_TRUE(std::filesystem::exists(path_ + "-wal"));  // WAL journal mode
}

TEST_F(DatabaseTest, ReopenKeepsDataAndDoesNotRemigrate) {
  ASSERT_TRUE(db_->SetConfig("core.https_address", ":8443").ok());
  db_.reset();
  auto db = Database::Open(path_);
  ASSERT_TRUE(db.ok()) << db.error().message();
  auto config = (*db)->GetConfig();
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->at("core.https_address"), ":8443");
  auto profiles = (*db)->ListProfiles();
  ASSERT_TRUE(profiles.ok());
  EXPECT_EQ(profiles->size(), 1u);
}

TEST_F(DatabaseTest, InMemory) {
  auto db = Database::Open(":memory:");
  ASSERT_TRUE(db.ok()) << db.error().message();
  EXPECT_TRUE((*db)->GetProfile("default").ok());
}

TEST_F(DatabaseTest, ServerConfig) {
  EXPECT_TRUE(db_->GetConfig()->empty());
  ASSERT_TRUE(db_->SetConfig("images.auto_update_interval", "6").ok());
  ASSERT_TRUE(db_->SetConfig("images.auto_update_interval", "12").ok());
  ASSERT_TRUE(db_->SetConfig("images.remote_cache_expiry", "10").ok());
  EXPECT_EQ(db_->GetConfig().value(), (ConfigMap{{"images.auto_update_interval", "12"},
                                                 {"images.remote_cache_expiry", "10"}}));
  ASSERT_TRUE(db_->UnsetConfig("images.remote_cache_expiry").ok());
  ASSERT_TRUE(db_->UnsetConfig("never.set").ok());
  EXPECT_EQ(db_->GetConfig().value(), (ConfigMap{{"images.auto_update_interval", "12"}}));
  ASSERT_TRUE(db_->ReplaceConfig({{"a", "1"}, {"b", "2"}}).ok());
  EXPECT_EQ(db_->GetConfig().value(), (ConfigMap{{"a", "1"}, {"b", "2"}}));
}

TEST_F(DatabaseTest, InstanceRoundTrip) {
  auto id = db_->CreateInstance(Instance("c1"));
  ASSERT_TRUE(id.ok()) << id.error().message();
  auto got = db_->GetInstance("c1");
  ASSERT_TRUE(got.ok()) << got.error().message();
  InstanceRecord want = Instance("c1");
  EXPECT_EQ(got->id, *id);
  EXPECT_EQ(got->name, "c1");
  EXPECT_EQ(got->type, "container");
  EXPECT_EQ(got->architecture, want.architecture);
  EXPECT_EQ(got->created_at, 1000);
  EXPECT_EQ(got->image_fingerprint, "abc123");
  EXPECT_EQ(got->config, want.config);
  EXPECT_EQ(got->devices, want.devices);
  EXPECT_EQ(got->profiles, want.profiles);
  EXPECT_FALSE(got->ephemeral);
}

TEST_F(DatabaseTest, InstanceErrors) {
  ASSERT_TRUE(db_->CreateInstance(Instance("c1")).ok());
  auto dup = db_->CreateInstance(Instance("c1"));
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().kind(), ErrorKind::kConflict);
  EXPECT_EQ(dup.error().message(), "instance \"c1\" already exists");

  auto missing = db_->GetInstance("x");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind(), ErrorKind::kNotFound);
  EXPECT_EQ(missing.error().message(), "instance \"x\" not found");
  EXPECT_EQ(db_->DeleteInstance("x").error().kind(), ErrorKind::kNotFound);
  EXPECT_EQ(db_->TouchInstance("x", 5).error().kind(), ErrorKind::kNotFound);
  EXPECT_EQ(db_->RenameInstance("x", "y").error().kind(), ErrorKind::kNotFound);
}

TEST_F(DatabaseTest, InstanceUpdateTouchRenameDelete) {
  ASSERT_TRUE(db_->CreateInstance(Instance("c1")).ok());
  ASSERT_TRUE(db_->CreateInstance(Instance("c2")).ok());
  InstanceRecord r = db_->GetInstance("c1").value();
  r.config = {{"security.nesting", "true"}};
  r.devices = {};
  r.profiles = {"extra", "default"};
  r.description = "web";
  r.ephemeral = true;
  r.architecture = "aarch64";
  r.image_fingerprint = "ignored";
  ASSERT_TRUE(db_->UpdateInstance(r).ok());
  InstanceRecord got = db_->GetInstance("c1").value();
  EXPECT_EQ(got.config, r.config);
  EXPECT_TRUE(got.devices.empty());
  EXPECT_EQ(got.profiles, (std::vector<std::string>{"extra", "default"}));
  EXPECT_EQ(got.description, "web");
  EXPECT_TRUE(got.ephemeral);
  EXPECT_EQ(got.architecture, "aarch64");
  EXPECT_EQ(got.image_fingerprint, "abc123");

  ASSERT_TRUE(db_->TouchInstance("c1", 777).ok());
  EXPECT_EQ(db_->GetInstance("c1")->last_used_at, 777);

  auto taken = db_->RenameInstance("c1", "c2");
  ASSERT_FALSE(taken.ok());
  EXPECT_EQ(taken.error().kind(), ErrorKind::kConflict);
  EXPECT_EQ(taken.error().message(), "instance \"c2\" already exists");
  ASSERT_TRUE(db_->RenameInstance("c1", "c3").ok());
  EXPECT_EQ(db_->GetInstance("c3")->id, r.id);
  EXPECT_FALSE(db_->GetInstance("c1").ok());

  auto list = db_->ListInstances();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "c2");
  EXPECT_EQ((*list)[1].name, "c3");

  ASSERT_TRUE(db_->DeleteInstance("c2").ok());
  EXPECT_EQ(db_->ListInstances()->size(), 1u);

  InstanceRecord gone = got;
  gone.id = 9999;
  EXPECT_EQ(db_->UpdateInstance(gone).error().kind(), ErrorKind::kNotFound);
}

TEST_F(DatabaseTest, InstancesUsing) {
  InstanceRecord a = Instance("a");
  a.profiles = {"default"};
  InstanceRecord b = Instance("b");
  b.image_fingerprint = "other";
  ASSERT_TRUE(db_->CreateInstance(b).ok());
  ASSERT_TRUE(db_->CreateInstance(a).ok());
  EXPECT_EQ(db_->InstancesUsingImage("abc123").value(), (std::vector<std::string>{"a"}));
  EXPECT_EQ(db_->InstancesUsingProfile("default").value(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(db_->InstancesUsingProfile("extra").value(), (std::vector<std::string>{"b"}));
  EXPECT_TRUE(db_->InstancesUsingProfile("none")->empty());
}

TEST_F(DatabaseTest, DefaultProfilePresent) {
  auto p = db_->GetProfile("default");
  ASSERT_TRUE(p.ok()) << p.error().message();
  EXPECT_EQ(p->description, "Default nest profile");
  EXPECT_TRUE(p->config.empty());
  EXPECT_EQ(p->devices,
            (DeviceMap{{"root", {{"path", "/"}, {"pool", "default"}, {"type", "disk"}}}}));
}

TEST_F(DatabaseTest, ProfileCrud) {
  ProfileRecord p;
  p.name = "gui";
  p.description = "X11";
  p.config = {{"environment.DISPLAY", ":0"}};
  p.devices = {{"x11", {{"type", "disk"}, {"source", "/tmp/.X11-unix"}}}};
  auto id = db_->CreateProfile(p);
  ASSERT_TRUE(id.ok()) << id.error().message();
  auto dup = db_->CreateProfile(p);
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().kind(), ErrorKind::kConflict);
  EXPECT_EQ(dup.error().message(), "profile \"gui\" already exists");

  ProfileRecord got = db_->GetProfile("gui").value();
  EXPECT_EQ(got.id, *id);
  EXPECT_EQ(got.config, p.config);
  EXPECT_EQ(got.devices, p.devices);

  got.description = "changed";
  got.config.clear();
  ASSERT_TRUE(db_->UpdateProfile(got).ok());
  EXPECT_EQ(db_->GetProfile("gui")->description, "changed");
  EXPECT_TRUE(db_->GetProfile("gui")->config.empty());

  auto list = db_->ListProfiles();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "default");
  EXPECT_EQ((*list)[1].name, "gui");

  auto missing = db_->GetProfile("nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind(), ErrorKind::kNotFound);
  EXPECT_EQ(missing.error().message(), "profile \"nope\" not found");

  ASSERT_TRUE(db_->DeleteProfile("gui").ok());
  EXPECT_EQ(db_->DeleteProfile("gui").error().kind(), ErrorKind::kNotFound);
}

TEST_F(DatabaseTest, DefaultProfileProtected) {
  auto del = db_->DeleteProfile("default");
  ASSERT_FALSE(del.ok());
  EXPECT_EQ(del.error().kind(), ErrorKind::kInvalid);
  auto ren = db_->RenameProfile("default", "x");
  ASSERT_FALSE(ren.ok());
  EXPECT_EQ(ren.error().kind(), ErrorKind::kInvalid);
}

TEST_F(DatabaseTest, ProfileInUseRefusedAndRenameFollows) {
  ProfileRecord p;
  p.name = "extra";
  ASSERT_TRUE(db_->CreateProfile(p).ok());
  ASSERT_TRUE(db_->CreateInstance(Instance("c1")).ok());
  InstanceRecord c2 = Instance("c2");
  c2.profiles = {"extra", "default"};
  ASSERT_TRUE(db_->CreateInstance(c2).ok());

  auto del = db_->DeleteProfile("extra");
  ASSERT_FALSE(del.ok());
  EXPECT_EQ(del.error().kind(), ErrorKind::kConflict);
  EXPECT_EQ(del.error().message(), "profile \"extra\" is in use by instances: c1, c2");

  ASSERT_TRUE(db_->CreateProfile(ProfileRecord{0, "taken", "", {}, {}}).ok());
  EXPECT_EQ(db_->RenameProfile("extra", "taken").error().kind(), ErrorKind::kConflict);
  EXPECT_EQ(db_->RenameProfile("ghost", "x").error().kind(), ErrorKind::kNotFound);

  ASSERT_TRUE(db_->RenameProfile("extra", "renamed").ok());
  EXPECT_EQ(db_->GetInstance("c1")->profiles, (std::vector<std::string>{"default", "renamed"}));
  EXPECT_EQ(db_->GetInstance("c2")->profiles, (std::vector<std::string>{"renamed", "default"}));
  EXPECT_TRUE(db_->GetProfile("renamed").ok());
  EXPECT_FALSE(db_->GetProfile("extra").ok());
}

TEST_F(DatabaseTest, RevisionGrowsWithEveryWriteAndOnlyThen) {
  int64_t start = db_->Revision();
  ASSERT_TRUE(db_->GetConfig().ok());
  EXPECT_EQ(db_->Revision(), start) << "a read writes nothing";
  ASSERT_TRUE(db_->SetConfig("core.https_address", ":8443").ok());
  int64_t after_set = db_->Revision();
  EXPECT_GT(after_set, start);
  ASSERT_TRUE(db_->UnsetConfig("core.https_address").ok());
  EXPECT_GT(db_->Revision(), after_set);
  int64_t before_failed = db_->Revision();
  Status failed = db_->InTransaction([&]() -> Status {
    TRY(db_->SetConfig("core.https_address", ":9443"));
    return Error::Invalid("changed my mind");
  });
  EXPECT_FALSE(failed.ok());
  EXPECT_NE(db_->Revision(), before_failed) << "a rolled-back write still moves it on";
}

TEST_F(DatabaseTest, TransactionCommits) {
  Status status = db_->InTransaction([&]() -> Status {
    TRY(db_->SetConfig("a", "1"));
    TRY(db_->CreateInstance(Instance("c1")));
    return Ok();
  });
  ASSERT_TRUE(status.ok()) << status.error().message();
  EXPECT_EQ(db_->GetConfig()->size(), 1u);
  EXPECT_TRUE(db_->GetInstance("c1").ok());
}

TEST_F(DatabaseTest, TransactionRollsBackOnError) {
  ASSERT_TRUE(db_->CreateInstance(Instance("c1")).ok());
  Status status = db_->InTransaction([&]() -> Status {
    TRY(db_->SetConfig("a", "1"));
    TRY(db_->ReplaceConfig({{"b", "2"}}));  // nested atomic method
    TRY(db_->DeleteInstance("c1"));
    TRY(db_->CreateInstance(Instance("c2")));
    return Error::Invalid("changed my mind");
  });
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().message(), "changed my mind");
  EXPECT_TRUE(db_->GetConfig()->empty());
  EXPECT_TRUE(db_->GetInstance("c1").ok());
  EXPECT_FALSE(db_->GetInstance("c2").ok());
  // The database is usable afterwards.
  ASSERT_TRUE(db_->SetConfig("after", "yes").ok());
  EXPECT_EQ(db_->GetConfig()->size(), 1u);
}

TEST_F(DatabaseTest, NestedTransactionRollsBackOnlyInner) {
  Status status = db_->InTransaction([&]() -> Status {
    TRY(db_->SetConfig("outer", "1"));
    Status inner = db_->InTransaction([&]() -> Status {
      TRY(db_->SetConfig("inner", "1"));
      return Error::Invalid("inner fails");
    });
    EXPECT_FALSE(inner.ok());
    return Ok();
  });
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(db_->GetConfig().value(), (ConfigMap{{"outer", "1"}}));
}

TEST_F(DatabaseTest, ConcurrentWriters) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([this, t] {
      for (int i = 0; i < 25; ++i) {
        std::string name = "c" + std::to_string(t) + "-" + std::to_string(i);
        EXPECT_TRUE(db_->CreateInstance(Instance(name)).ok());
        EXPECT_TRUE(db_->InTransaction([&]() -> Status {
                         TRY(db_->TouchInstance(name, i));
                         TRY(db_->SetConfig("last", name));
                         return Ok();
                       })
                        .ok());
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(db_->ListInstances()->size(), 100u);
}

}  // namespace
}  // namespace nest::db
