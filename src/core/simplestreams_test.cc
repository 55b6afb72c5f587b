#include "core/simplestreams.h"

#include <gtest/gtest.h>

#include <string>

namespace nest::core::simplestreams {
namespace {

std::string H(char c) { return std::string(64, c); }

std::string Item(const std::string& ftype, const std::string& path, char sha,
                 const std::string& extra = "") {
  return R"({"ftype":")" + ftype + R"(","path":")" + path + R"(","sha256":")" + H(sha) +
         R"(","size":100)" + extra + "}";
}

std::string Products(const std::string& products) {
  return R"({"content_id":"images","datatype":"image-downloads","format":"products:1.0","products":{)" +
         products + "}}";
}

std::string Product(const std::string& arch, const std::string& aliases,
                    const std::string& versions) {
  return R"({"aliases":")" + aliases + R"(","arch":")" + arch +
         R"(","os":"Debian","release":"bookworm","release_title":"12","variant":"default","versions":{)" +
         versions + "}}";
}

TEST(Simplestreams, ParseIndexKeepsImageDownloadsWithProducts) {
  auto paths = ParseIndex(R"({"format":"index:1.0","index":{
    "images":{"datatype":"image-downloads","path":"streams/v1/images.json","products":["a"]},
    "empty":{"datatype":"image-downloads","path":"streams/v1/empty.json","products":[]},
    "other":{"datatype":"image-ids","path":"streams/v1/ids.json","products":["a"]}}})");
  ASSERT_TRUE(paths.ok()) << paths.error().message();
  EXPECT_EQ(*paths, std::vector<std::string>{"streams/v1/images.json"});
}

TEST(Simplestreams, ParseIndexRefusesHostileInput) {
  EXPECT_FALSE(ParseIndex("{not json").ok());
  EXPECT_FALSE(ParseIndex("[]").ok());
  EXPECT_FALSE(ParseIndex(R"({"index":[]})").ok());
  for (const char* path : {"/etc/passwd", "../x.json", "streams/../../x", "http://evil/x.json",
                           "file:/etc/passwd", "a//b", "a\\b"}) {
    auto r = ParseIndex(std::string(R"({"index":{"i":{"datatype":"image-downloads","path":")") +
                        path + R"(","products":["a"]}}})");
    EXPECT_FALSE(r.ok()) << path;
    if (!r.ok()) {
      EXPECT_NE(r.error().message().find("inside the stream's tree"), std::string::npos);
    }
  }
  auto missing = ParseIndex(R"({"index":{"i":{"datatype":"image-downloads","products":["a"]}}})");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message().find("lacks \"path\""), std::string::npos);
}

TEST(Simplestreams, SplitImagesUseTheCombinedHash) {
  std::string versions =
      R"("20240101_0542":{"label":"release","items":{"lxd.tar.xz":)" +
      Item("lxd.tar.xz", "images/d/lxd.tar.xz", 'a',
           R"(,"combined_squashfs_sha256":")" + H('c') + R"(","combined_rootxz_sha256":")" +
               H('d') + "\"") +
      "," + R"("root.squashfs":)" + Item("squashfs", "images/d/rootfs.squashfs", 'b') + "," +
      R"("root.tar.xz":)" + Item("root.tar.xz", "images/d/root.tar.xz", 'e') + "}}";
  auto images = ParseProducts(Products(R"("debian:bookworm:amd64:default":)" +
                                       Product("amd64", "debian/bookworm,debian/12", versions)),
                              "images.json");
  ASSERT_TRUE(images.ok()) << images.error().message();
  ASSERT_EQ(images->size(), 2u);
  Catalog cat(*images);
  const Image& first = cat.images()[0];
  EXPECT_EQ(first.fingerprint, H('c'));  // squashfs is preferred
  EXPECT_EQ(first.rootfs_type, "squashfs");
  EXPECT_EQ(first.architecture, "x86_64");
  EXPECT_EQ(first.meta.sha256, H('a'));
  ASSERT_TRUE(first.rootfs.has_value());
  EXPECT_EQ(first.rootfs->path, "images/d/rootfs.squashfs");
  EXPECT_EQ(first.size, 200);
  EXPECT_EQ(first.created_at, 1704087720);  // 2024-01-01 05:42 UTC
  EXPECT_EQ(first.properties.at("os"), "Debian");
  EXPECT_EQ(cat.images()[1].fingerprint, H('d'));

  auto r = cat.ResolveAlias("debian/12", "x86_64");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ((*r)->fingerprint, H('c'));
  auto slash = cat.ResolveAlias("debian/12/amd64", "aarch64");
  ASSERT_TRUE(slash.ok()) << slash.error().message();
  EXPECT_EQ((*slash)->fingerprint, H('c'));
  EXPECT_EQ(cat.AliasesOf(H('c')),
            (std::vector<std::string>{"debian/12", "debian/12/amd64", "debian/bookworm",
                                      "debian/bookworm/amd64"}));
}

TEST(Simplestreams, UnifiedImageFingerprintIsItsSha256) {
  auto images = ParseProducts(
      Products(R"("bb:amd64":)" +
               Product("amd64", "busybox",
                       R"("20240101":{"items":{"u":)" +
                           Item("lxd_combined.tar.gz", "images/bb/lxd.tar.gz", 'f') + "}}")),
      "p.json");
  ASSERT_TRUE(images.ok()) << images.error().message();
  ASSERT_EQ(images->size(), 1u);
  EXPECT_EQ((*images)[0].fingerprint, H('f'));
  EXPECT_FALSE((*images)[0].rootfs.has_value());
  EXPECT_EQ((*images)[0].rootfs_type, "tar.gz");
}

TEST(Simplestreams, NewestSerialAndNativeArchitectureWin) {
  auto unified = [](const std::string& serial, char sha) {
    return "\"" + serial + R"(":{"items":{"u":)" + Item("lxd_combined.tar.gz", "i/" + serial, sha) +
           "}}";
  };
  std::string products =
      R"("bb:arm64":)" + Product("arm64", "bb", unified("20240301_0000", '1')) + R"(,"bb:amd64":)" +
      Product("amd64", "bb",
              unified("20240101_0000", '2') + "," + unified("20240201_0000", '3') + "," +
                  unified("notadate", '4')) +
      R"(,"bb:weird":)" + Product("weirdarch", "bb", unified("20250101_0000", '5'));
  auto images = ParseProducts(Products(products), "p.json");
  ASSERT_TRUE(images.ok()) << images.error().message();
  EXPECT_EQ(images->size(), 3u);  // bad serial and unknown arch skipped
  Catalog cat(*images);
  auto amd = cat.ResolveAlias("bb", "x86_64");
  ASSERT_TRUE(amd.ok());
  EXPECT_EQ((*amd)->fingerprint, H('3'));
  auto arm = cat.ResolveAlias("bb", "aarch64");
  ASSERT_TRUE(arm.ok());
  EXPECT_EQ((*arm)->fingerprint, H('1'));
  auto none = cat.ResolveAlias("bb", "s390x");
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().message().find("no image for s390x"), std::string::npos);
  auto unknown = cat.ResolveAlias("nope", "x86_64");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().kind(), base::ErrorKind::kNotFound);
  EXPECT_NE(unknown.error().message().find("aliases: bb"), std::string::npos);

  auto byfp = cat.FindFingerprint(std::string(12, '2'));
  ASSERT_TRUE(byfp.ok());
  EXPECT_EQ((*byfp)->serial, "20240101_0000");
  EXPECT_FALSE(cat.FindFingerprint("abc").ok());
}

TEST(Simplestreams, PersonalitiesFollowTheNativeArchitecture) {
  auto images = ParseProducts(
      Products(R"("x:i386":)" + Product("i386", "x",
                                        R"("20240101":{"items":{"u":)" +
                                            Item("lxd_combined.tar.gz", "i/x", '7') + "}}")),
      "p.json");
  ASSERT_TRUE(images.ok());
  Catalog cat(*images);
  auto r = cat.ResolveAlias("x", "x86_64");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ((*r)->architecture, "i686");
}

TEST(Simplestreams, HostileProductsAreRefused) {
  auto with_item = [](const std::string& item) {
    return Products(R"("p:amd64":)" +
                    Product("amd64", "p", R"("20240101":{"items":{"bad":)" + item + "}}"));
  };
  struct Case {
    std::string item;
    std::string why;
  } cases[] = {
      {Item("lxd.tar.xz", "../../etc/shadow", 'a'), "\"..\" component"},
      {Item("lxd.tar.xz", "/etc/shadow", 'a'), "is absolute"},
      {Item("lxd.tar.xz", "https://evil.example/x", 'a'), "has a scheme"},
      {R"({"ftype":"lxd.tar.xz","sha256":")" + H('a') + R"(","size":1})", "lacks \"path\""},
      {R"({"ftype":"lxd.tar.xz","path":"x","sha256":"zz","size":1})", "sha256"},
      {R"({"ftype":"lxd.tar.xz","path":"x","sha256":")" + H('a') + R"(","size":-1})", "size"},
      {R"({"ftype":"lxd.tar.xz","path":"x","sha256":")" + H('a') + R"(","size":"1"})", "size"},
      {Item("lxd.tar.xz", "x", 'a', R"(,"combined_squashfs_sha256":"short")"), ""},
      {R"("string")", "must be an object"},
  };
  for (const Case& c : cases) {
    std::string text = with_item(c.item);
    if (c.why.empty()) {
      // a bad combined hash only matters with a rootfs to combine it with
      text =
          Products(R"("p:amd64":)" + Product("amd64", "p",
                                             R"("20240101":{"items":{"m":)" + c.item + R"(,"r":)" +
                                                 Item("squashfs", "r", 'b') + "}}"));
    }
    auto r = ParseProducts(text, "p.json");
    EXPECT_FALSE(r.ok()) << c.item;
    if (!r.ok() && !c.why.empty()) {
      EXPECT_NE(r.error().message().find(c.why), std::string::npos) << r.error().message();
      EXPECT_NE(r.error().message().find("p.json: product \"p:amd64\""), std::string::npos)
          << r.error().message();
    }
  }
  EXPECT_FALSE(ParseProducts("{", "p.json").ok());
  EXPECT_FALSE(ParseProducts(R"({"products":[]})", "p.json").ok());
  EXPECT_FALSE(ParseProducts(R"({"products":{"p":{"arch":1}}})", "p.json").ok());
}

TEST(Simplestreams, SerialTimes) {
  EXPECT_EQ(SerialTime("20240101"), 1704067200);
  EXPECT_EQ(SerialTime("20240101_0100"), 1704070800);
  EXPECT_EQ(SerialTime("20240101.1"), 1704067200);
  EXPECT_FALSE(SerialTime("2024010").has_value());
  EXPECT_FALSE(SerialTime("2024x101").has_value());
  EXPECT_FALSE(SerialTime("20241301").has_value());
}

TEST(Simplestreams, RelativePaths) {
  EXPECT_TRUE(ValidateRelativePath("images/a/b.tar.xz", "p").ok());
  EXPECT_TRUE(ValidateRelativePath("a:b/c", "p").ok() == false);
  EXPECT_TRUE(ValidateRelativePath("a/b:c", "p").ok());  // a colon after a slash is a name
  EXPECT_FALSE(ValidateRelativePath("", "p").ok());
  EXPECT_FALSE(ValidateRelativePath("a/./b", "p").ok());
  EXPECT_FALSE(ValidateRelativePath("a/b?x=1", "p").ok());
}

}  // namespace
}  // namespace nest::core::simplestreams
