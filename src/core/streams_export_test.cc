#include "core/streams_export.h"

#include <gtest/gtest.h>

namespace nest::core {
namespace {

using nlohmann::json;

std::string Hex(char c) { return std::string(64, c); }

// 2026-11-29T04:53:52Z
constexpr int64_t kCreated = 1795928032;

StreamsImage Split(char fp, std::string_view root_ftype = kFtypeSquashfs) {
  StreamsImage img;
  img.fingerprint = Hex(fp);
  img.architecture = "x86_64";
  img.created_at = kCreated;
  img.properties = {{"os", "Debian"}, {"release", "bookworm"}, {"variant", "default"}};
  img.meta = {std::string(kFtypeMeta), "lxd.tar.xz", Hex('1'), 900};
  img.rootfs = StreamsFile{std::string(root_ftype),
                           root_ftype == kFtypeSquashfs ? "rootfs.squashfs" : "root.tar.xz",
                           Hex('2'), 95000};
  return img;
}

StreamsImage Unified(char fp) {
  StreamsImage img;
  img.fingerprint = Hex(fp);
  img.architecture = "amd64";
  img.created_at = kCreated;
  img.properties = {{"os", "busybox"}, {"release", "1.35.0"}};
  img.meta = {std::string(kFtypeCombined), "lxd_combined.tar.gz", Hex(fp), 1234};
  return img;
}

StreamsTree Empty() { return ParseStreamsTree(std::nullopt, std::nullopt).value(); }

StreamsUpdate Update(const StreamsTree& tree, const std::vector<StreamsImage>& images,
                     bool prune = false) {
  auto up = UpdateStreamsTree(tree, images, {prune, "Sun, 29 Nov 2026 04:53:52 +0000"});
  EXPECT_TRUE(up.ok()) << up.error().message();
  return up.ok() ? std::move(up).value() : StreamsUpdate{};
}

// The tree after an update, as a reader would load it back.
StreamsTree Reload(const StreamsUpdate& up) {
  auto t = ParseStreamsTree(up.index.dump(), up.products.dump());
  EXPECT_TRUE(t.ok()) << t.error().message();
  return std::move(t).value();
}

TEST(StreamsExport, Names) {
  EXPECT_EQ(StreamsSerial(kCreated), "20261129_0453");
  EXPECT_EQ(StreamsSerial(0), "19700101_0000");
}

TEST(StreamsExport, FileKindsFromMagic) {
  auto kind = [](std::string_view part, std::string_view head) {
    auto f = StreamsFileFor(part, head);
    return f.ok() ? f->ftype + " " + f->name : "error: " + f.error().message();
  };
  std::string tar(300, '\0');
  tar.replace(257, 5, "ustar");
  EXPECT_EQ(kind("unified", "\x1f\x8b\x08"), "lxd_combined.tar.gz lxd_combined.tar.gz");
  EXPECT_EQ(kind("unified", std::string_view("\xfd"
                                             "7zXZ\0",
                                             6)),
            "lxd_combined.tar.gz lxd_combined.tar.xz");
  EXPECT_EQ(kind("metadata", "\x1f\x8b\x08"), "lxd.tar.xz lxd.tar.gz");
  EXPECT_EQ(kind("metadata", tar), "lxd.tar.xz lxd.tar");
  EXPECT_EQ(kind("rootfs", "hsqs...."), "squashfs rootfs.squashfs");
  EXPECT_EQ(kind("rootfs", "BZh9"), "root.tar.xz root.tar.bz2");
  EXPECT_EQ(kind("rootfs", "\x28\xb5\x2f\xfd"), "root.tar.xz root.tar.zst");
  EXPECT_NE(kind("rootfs", "QFI\xfb").find("nor squashfs"), std::string::npos);
  EXPECT_NE(kind("metadata", "hsqs").find("neither a tarball"), std::string::npos);
}

TEST(StreamsExport, SplitSquashfsImage) {
  StreamsImage img = Split('a');
  img.aliases = {"debian/12", "deb"};
  img.properties["requirements.nesting"] = "true";
  StreamsUpdate up = Update(Empty(), {img});
  const std::string id = "debian:bookworm:amd64:default";
  const std::string dir = "images/debian/bookworm/amd64/default/20261129_0453";

  EXPECT_EQ(up.index["format"], "index:1.0");
  const json& entry = up.index["index"]["images"];
  EXPECT_EQ(entry["datatype"], "image-downloads");
  EXPECT_EQ(entry["path"], "streams/v1/images.json");
  EXPECT_EQ(entry["format"], "products:1.0");
  EXPECT_EQ(entry["products"], json::array({id}));

  EXPECT_EQ(up.products["format"], "products:1.0");
  EXPECT_EQ(up.products["datatype"], "image-downloads");
  const json& p = up.products["products"][id];
  EXPECT_EQ(p["arch"], "amd64");
  EXPECT_EQ(p["os"], "Debian");
  EXPECT_EQ(p["release"], "bookworm");
  EXPECT_EQ(p["release_title"], "bookworm");
  EXPECT_EQ(p["variant"], "default");
  EXPECT_EQ(p["aliases"], "deb,debian/12");
  EXPECT_EQ(p["lxd_requirements"], (json{{"nesting", "true"}}));
  const json& items = p["versions"]["20261129_0453"]["items"];
  ASSERT_EQ(items.size(), 2u);
  const json& meta = items["lxd.tar.xz"];
  EXPECT_EQ(meta["ftype"], "lxd.tar.xz");
  EXPECT_EQ(meta["path"], dir + "/lxd.tar.xz");
  EXPECT_EQ(meta["sha256"], Hex('1'));
  EXPECT_EQ(meta["size"], 900);
  EXPECT_EQ(meta["combined_squashfs_sha256"], Hex('a'));
  EXPECT_FALSE(meta.contains("combined_rootxz_sha256"));
  const json& root = items["root.squashfs"];
  EXPECT_EQ(root["ftype"], "squashfs");
  EXPECT_EQ(root["path"], dir + "/rootfs.squashfs");
  EXPECT_EQ(root["size"], 95000);

  ASSERT_EQ(up.new_files.size(), 2u);
  EXPECT_EQ(up.new_files[0].path, dir + "/lxd.tar.xz");
  EXPECT_FALSE(up.new_files[0].rootfs);
  EXPECT_EQ(up.new_files[1].path, dir + "/rootfs.squashfs");
  EXPECT_TRUE(up.new_files[1].rootfs);
  EXPECT_TRUE(up.removed_files.empty());
  EXPECT_EQ(StreamsVersionFingerprint(p["versions"]["20261129_0453"]), Hex('a'));
}

TEST(StreamsExport, SplitTarballImageCarriesRootxzAndLegacyHashes) {
  StreamsUpdate up = Update(Empty(), {Split('b', kFtypeRootTar)});
  const json& items = up.products["products"]["debian:bookworm:amd64:default"]["versions"]
                                 ["20261129_0453"]["items"];
  EXPECT_EQ(items["lxd.tar.xz"]["combined_rootxz_sha256"], Hex('b'));
  EXPECT_EQ(items["lxd.tar.xz"]["combined_sha256"], Hex('b'));
  EXPECT_EQ(items["root.tar.xz"]["ftype"], "root.tar.xz");
}

TEST(StreamsExport, UnifiedImageIsOneCombinedItem) {
  StreamsImage img = Unified('c');
  img.aliases = {"bb"};
  StreamsUpdate up = Update(Empty(), {img});
  const json& p = up.products["products"]["busybox:1.35.0:amd64:default"];
  const json& items = p["versions"]["20261129_0453"]["items"];
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items["lxd_combined.tar.gz"]["ftype"], "lxd_combined.tar.gz");
  EXPECT_EQ(items["lxd_combined.tar.gz"]["sha256"], Hex('c'));
  EXPECT_EQ(p["aliases"], "bb");
  EXPECT_EQ(StreamsVersionFingerprint(p["versions"]["20261129_0453"]), Hex('c'));

  StreamsImage wrong = Unified('d');
  wrong.meta.sha256 = Hex('e');
  auto r = UpdateStreamsTree(Empty(), {wrong}, {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("not its fingerprint"), std::string::npos);
}

TEST(StreamsExport, DefaultsForImagesWithoutProperties) {
  StreamsImage img = Unified('c');
  img.properties = {{"os", "../../etc"}};
  StreamsUpdate up = Update(Empty(), {img});
  ASSERT_EQ(up.new_files.size(), 1u);
  EXPECT_EQ(up.new_files[0].path,
            "images/..-..-etc/cccccccccccc/amd64/default/20261129_0453/lxd_combined.tar.gz");
  EXPECT_TRUE(up.products["products"].contains("..-..-etc:cccccccccccc:amd64:default"));
}

TEST(StreamsExport, MergeKeepsOldSerialsAndMovesAliases) {
  StreamsImage v1 = Split('a');
  v1.aliases = {"deb", "debian/12"};
  StreamsTree t1 = Reload(Update(Empty(), {v1}));

  // v2: same product, a day later, takes "deb"; "debian/12" stays with the product.
  StreamsImage v2 = Split('b');
  v2.created_at = kCreated + 86400;
  v2.aliases = {"deb"};
  StreamsUpdate up = Update(t1, {v2});
  const json& p = up.products["products"]["debian:bookworm:amd64:default"];
  EXPECT_EQ(p["versions"].size(), 2u);
  EXPECT_TRUE(p["versions"].contains("20261129_0453"));
  EXPECT_TRUE(p["versions"].contains("20261130_0453"));
  EXPECT_EQ(p["aliases"], "deb,debian/12");
  ASSERT_EQ(up.new_files.size(), 2u);

  // An alias given to another product leaves the old one.
  StreamsImage other = Unified('c');
  other.aliases = {"deb"};
  StreamsUpdate up2 = Update(Reload(up), {other});
  EXPECT_EQ(up2.products["products"]["debian:bookworm:amd64:default"]["aliases"], "debian/12");
  EXPECT_EQ(up2.products["products"]["busybox:1.35.0:amd64:default"]["aliases"], "deb");
  EXPECT_EQ(up2.index["index"]["images"]["products"].size(), 2u);
}

TEST(StreamsExport, ReExportIsIdempotent) {
  StreamsImage v1 = Split('a');
  v1.aliases = {"deb"};
  StreamsUpdate first = Update(Empty(), {v1});
  StreamsUpdate again = Update(Reload(first), {v1});
  EXPECT_TRUE(again.new_files.empty());
  EXPECT_TRUE(StreamsTreeHas(Reload(first), Hex('a')));
  EXPECT_FALSE(StreamsTreeHas(Reload(first), Hex('b')));
  // The files of an image already there are not needed.
  StreamsImage bare = v1;
  bare.meta = {};
  bare.rootfs.reset();
  StreamsUpdate known = Update(Reload(first), {bare});
  EXPECT_EQ(known.products, first.products);
  EXPECT_EQ(again.reused, std::vector<std::string>{Hex('a')});
  EXPECT_EQ(again.products, first.products);
}

TEST(StreamsExport, SerialCollisionMovesOneMinuteLater) {
  StreamsImage v1 = Split('a'), v2 = Split('b');
  StreamsUpdate up = Update(Reload(Update(Empty(), {v1})), {v2});
  const json& versions = up.products["products"]["debian:bookworm:amd64:default"]["versions"];
  EXPECT_EQ(StreamsVersionFingerprint(versions["20261129_0453"]), Hex('a'));
  EXPECT_EQ(StreamsVersionFingerprint(versions["20261129_0454"]), Hex('b'));
}

TEST(StreamsExport, PruneDropsWhatThisRunDidNotExport) {
  StreamsImage v1 = Split('a');
  v1.aliases = {"old"};
  StreamsImage bb = Unified('c');
  StreamsTree t = Reload(Update(Empty(), {v1, bb}));
  StreamsImage v2 = Split('b');
  v2.created_at = kCreated + 3600;
  v2.aliases = {"new"};
  StreamsUpdate up = Update(t, {v2}, /*prune=*/true);
  const json& products = up.products["products"];
  ASSERT_EQ(products.size(), 1u);
  const json& p = products["debian:bookworm:amd64:default"];
  EXPECT_EQ(p["versions"].size(), 1u);
  EXPECT_TRUE(p["versions"].contains("20261129_0553"));
  EXPECT_EQ(p["aliases"], "new");
  std::vector<std::string> removed = up.removed_files;
  std::sort(removed.begin(), removed.end());
  EXPECT_EQ(removed, (std::vector<std::string>{
                         "images/busybox/1.35.0/amd64/default/20261129_0453/lxd_combined.tar.gz",
                         "images/debian/bookworm/amd64/default/20261129_0453/lxd.tar.xz",
                         "images/debian/bookworm/amd64/default/20261129_0453/rootfs.squashfs"}));
  EXPECT_EQ(up.index["index"]["images"]["products"],
            json::array({"debian:bookworm:amd64:default"}));
}

TEST(StreamsExport, BadImages) {
  auto err = [](const std::vector<StreamsImage>& images) {
    auto r = UpdateStreamsTree(Empty(), images, {});
    return r.ok() ? std::string("ok") : r.error().message();
  };
  StreamsImage img = Split('a');
  EXPECT_NE(err({img, img}).find("listed twice"), std::string::npos);
  StreamsImage arch = Split('a');
  arch.architecture = "z80";
  EXPECT_NE(err({arch}).find("unknown architecture"), std::string::npos);
  StreamsImage ftype = Split('a');
  ftype.rootfs->ftype = "qcow2";
  EXPECT_NE(err({ftype}).find("unknown simplestreams ftype"), std::string::npos);
  StreamsImage name = Split('a');
  name.meta.name = "../x";
  EXPECT_NE(err({name}).find("bad file name"), std::string::npos);
  StreamsImage nohash = Split('a');
  nohash.rootfs->sha256.clear();
  EXPECT_NE(err({nohash}).find("lacks its sha256"), std::string::npos);
  StreamsImage a1 = Split('a'), a2 = Unified('c');
  a1.aliases = a2.aliases = {"same"};
  EXPECT_NE(err({a1, a2}).find("names images of two products"), std::string::npos);
}

TEST(StreamsExport, ParseRefusesForeignOrHostileTrees) {
  auto err = [](std::optional<std::string_view> index, std::optional<std::string_view> products) {
    auto r = ParseStreamsTree(index, products);
    return r.ok() ? std::string("ok") : r.error().message();
  };
  EXPECT_NE(err("{", std::nullopt).find("not valid JSON"), std::string::npos);
  EXPECT_NE(err("[]", std::nullopt).find("not a simplestreams index"), std::string::npos);
  EXPECT_NE(err(std::nullopt, "{}").find("index.json does not"), std::string::npos);
  EXPECT_NE(err(R"({"index":{"images":{"datatype":"image-downloads","path":"x.json"}}})", "{}")
                .find("not a tree written by nest"),
            std::string::npos);
  const char* index =
      R"({"index":{"images":{"datatype":"image-downloads","path":"streams/v1/images.json"}}})";
  EXPECT_NE(err(index, std::nullopt).find("missing"), std::string::npos);
  EXPECT_NE(err(index, R"({"products":[]})").find("no \"products\""), std::string::npos);
  EXPECT_NE(err(index, R"({"products":{"p":{"versions":{"20240101":{"items":{"x":
      {"ftype":"squashfs","path":"../../etc/passwd"}}}}}}})")
                .find("leaves the tree"),
            std::string::npos);
  EXPECT_NE(err(index, R"({"products":{"p":{"versions":{"20240101":{"items":{"x":
      {"ftype":"squashfs","path":"/etc/passwd"}}}}}}})")
                .find("leaves the tree"),
            std::string::npos);
  EXPECT_EQ(err(R"({"index":{}})", std::nullopt), "ok");
}

}  // namespace
}  // namespace nest::core
