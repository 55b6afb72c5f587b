#include <gtest/gtest.h>

#include "db/database.h"

namespace nest::db {
namespace {

using base::ErrorKind;

constexpr char kFp1[] = "aa11bb22cc33";
constexpr char kFp2[] = "aa11ff00dd44";

class ImagesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = Database::Open(":memory:");
    ASSERT_TRUE(db.ok()) << db.error().message();
    db_ = std::move(db).value();
  }

  ImageRecord Image(const std::string& fingerprint) {
    ImageRecord r;
    r.fingerprint = fingerprint;
    r.filename = "debian-12.tar.xz";
    r.size = 123456789;
    r.is_public = true;
    r.architecture = "x86_64";
    r.created_at = 10;
    r.uploaded_at = 20;
    r.expires_at = 0;
    r.cached = true;
    r.auto_update = true;
    r.properties = {{"os", "Debian"}, {"release", "bookworm"}};
    r.update_source = {"https://images.example.org", "simplestreams", "debian/12", ""};
    r.last_checked_at = 30;
    return r;
  }

  std::unique_ptr<Database> db_;
};

TEST_F(ImagesTest, RoundTrip) {
  auto id = db_->CreateImage(Image(kFp1));
  ASSERT_TRUE(id.ok()) << id.error().message();
  auto got = db_->GetImage(kFp1);
  ASSERT_TRUE(got.ok()) << got.error().message();
  ImageRecord want = Image(kFp1);
  EXPECT_EQ(got->id, *id);
  EXPECT_EQ(got->filename, want.filename);
  EXPECT_EQ(got->size, want.size);
  EXPECT_TRUE(got->is_public);
  EXPECT_EQ(got->type, "container");
  EXPECT_EQ(got->created_at, 10);
  EXPECT_EQ(got->uploaded_at, 20);
  EXPECT_TRUE(got->cached);
  EXPECT_TRUE(got->auto_update);
  EXPECT_EQ(got->properties, want.properties);
  EXPECT_EQ(got->update_source.server, "https://images.example.org");
  EXPECT_EQ(got->update_source.protocol, "simplestreams");
  EXPECT_EQ(got->update_source.alias, "debian/12");
  EXPECT_EQ(got->last_checked_at, 30);
  EXPECT_TRUE(got->aliases.empty());
}

TEST_F(ImagesTest, EmptyUpdateSource) {
  ImageRecord r = Image(kFp1);
  r.update_source = {};
  ASSERT_TRUE(db_->CreateImage(r).ok());
  EXPECT_TRUE(db_->GetImage(kFp1)->update_source.empty());
}

TEST_F(ImagesTest, Errors) {
  ASSERT_TRUE(db_->CreateImage(Image(kFp1)).ok());
  auto dup = db_->CreateImage(Image(kFp1));
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().kind(), ErrorKind::kConflict);
  auto missing = db_->GetImage("ffff");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind(), ErrorKind::kNotFound);
  EXPECT_EQ(missing.error().message(), "image \"ffff\" not found");
  EXPECT_EQ(db_->DeleteImage("ffff").error().kind(), ErrorKind::kNotFound);
  EXPECT_EQ(db_->TouchImage("ffff", 1).error().kind(), ErrorKind::kNotFound);
  EXPECT_EQ(db_->UpdateImage(Image("ffff")).error().kind(), ErrorKind::kNotFound);
}

TEST_F(ImagesTest, Prefix) {
  ASSERT_TRUE(db_->CreateImage(Image(kFp1)).ok());
  ASSERT_TRUE(db_->CreateImage(Image(kFp2)).ok());
  EXPECT_EQ(db_->GetImageByPrefix("aa11b")->fingerprint, kFp1);
  EXPECT_EQ(db_->GetImageByPrefix(kFp2)->fingerprint, kFp2);
  auto ambiguous = db_->GetImageByPrefix("aa11");
  ASSERT_FALSE(ambiguous.ok());
  EXPECT_EQ(ambiguous.error().kind(), ErrorKind::kInvalid);
  EXPECT_NE(ambiguous.error().message().find("ambiguous"), std::string::npos);
  EXPECT_EQ(db_->GetImageByPrefix("bb").error().kind(), ErrorKind::kNotFound);
  EXPECT_EQ(db_->GetImageByPrefix("a%").error().kind(), ErrorKind::kNotFound);
  EXPECT_EQ(db_->GetImageByPrefix("").error().kind(), ErrorKind::kInvalid);
}

TEST_F(ImagesTest, UpdateTouchListDelete) {
  ASSERT_TRUE(db_->CreateImage(Image(kFp2)).ok());
  ASSERT_TRUE(db_->CreateImage(Image(kFp1)).ok());
  ImageRecord r = db_->GetImage(kFp1).value();
  r.cached = false;
  r.auto_update = false;
  r.expires_at = 99;
  r.properties = {{"os", "Alpine"}};
  r.update_source = {};
  ASSERT_TRUE(db_->UpdateImage(r).ok());
  ImageRecord got = db_->GetImage(kFp1).value();
  EXPECT_FALSE(got.cached);
  EXPECT_FALSE(got.auto_update);
  EXPECT_EQ(got.expires_at, 99);
  EXPECT_EQ(got.properties, r.properties);
  EXPECT_TRUE(got.update_source.empty());

  ASSERT_TRUE(db_->TouchImage(kFp1, 555).ok());
  EXPECT_EQ(db_->GetImage(kFp1)->last_used_at, 555);

  auto list = db_->ListImages();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].fingerprint, kFp1);
  EXPECT_EQ((*list)[1].fingerprint, kFp2);

  ASSERT_TRUE(db_->DeleteImage(kFp1).ok());
  EXPECT_EQ(db_->ListImages()->size(), 1u);
}

TEST_F(ImagesTest, Aliases) {
  ASSERT_TRUE(db_->CreateImage(Image(kFp1)).ok());
  ASSERT_TRUE(db_->CreateImage(Image(kFp2)).ok());
  ASSERT_TRUE(db_->CreateAlias("debian", kFp1, "Debian stable").ok());
  ASSERT_TRUE(db_->CreateAlias("bookworm", kFp1, "").ok());

  auto dup = db_->CreateAlias("debian", kFp2, "");
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().kind(), ErrorKind::kConflict);
  EXPECT_EQ(dup.error().message(), "image alias \"debian\" already exists");
  auto no_image = db_->CreateAlias("x", "ffff", "");
  ASSERT_FALSE(no_image.ok());
  EXPECT_EQ(no_image.error().kind(), ErrorKind::kNotFound);

  auto alias = db_->GetAlias("debian");
  ASSERT_TRUE(alias.ok());
  EXPECT_EQ(alias->fingerprint, kFp1);
  EXPECT_EQ(alias->description, "Debian stable");
  auto missing = db_->GetAlias("nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind(), ErrorKind::kNotFound);
  EXPECT_EQ(missing.error().message(), "image alias \"nope\" not found");

  EXPECT_EQ(db_->GetImage(kFp1)->aliases, (std::vector<std::string>{"bookworm", "debian"}));

  ASSERT_TRUE(db_->UpdateAlias({"debian", kFp2, "moved"}).ok());
  EXPECT_EQ(db_->GetAlias("debian")->fingerprint, kFp2);
  EXPECT_EQ(db_->UpdateAlias({"debian", "ffff", ""}).error().kind(), ErrorKind::kNotFound);
  EXPECT_EQ(db_->UpdateAlias({"nope", kFp2, ""}).error().kind(), ErrorKind::kNotFound);

  EXPECT_EQ(db_->RenameAlias("debian", "bookworm").error().kind(), ErrorKind::kConflict);
  ASSERT_TRUE(db_->RenameAlias("debian", "stable").ok());
  auto list = db_->ListAliases();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "bookworm");
  EXPECT_EQ((*list)[1].name, "stable");
  EXPECT_EQ((*list)[1].fingerprint, kFp2);

  ASSERT_TRUE(db_->DeleteAlias("stable").ok());
  EXPECT_EQ(db_->DeleteAlias("stable").error().kind(), ErrorKind::kNotFound);
}

TEST_F(ImagesTest, DeletingImageCascadesAliases) {
  ASSERT_TRUE(db_->CreateImage(Image(kFp1)).ok());
  ASSERT_TRUE(db_->CreateImage(Image(kFp2)).ok());
  ASSERT_TRUE(db_->CreateAlias("a", kFp1, "").ok());
  ASSERT_TRUE(db_->CreateAlias("b", kFp2, "").ok());
  ASSERT_TRUE(db_->DeleteImage(kFp1).ok());
  EXPECT_EQ(db_->GetAlias("a").error().kind(), ErrorKind::kNotFound);
  auto list = db_->ListAliases();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].name, "b");
}

}  // namespace
}  // namespace nest::db
