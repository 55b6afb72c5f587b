#include "client/remotes.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>

#include "client/progress.h"

namespace nest::client {
namespace {

TEST(RemotesConfig, ParsesLxcShape) {
  auto r = ParseRemotesConfig(R"(
default-remote: lab
remotes:
  lab:
    addr: http://127.0.0.1:8700
    protocol: simplestreams
    public: true
  peer:
    addr: unix:///var/lib/other/unix.socket
  local:
    addr: unix://
)");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->default_remote(), "lab");
  EXPECT_EQ(r->Names(), (std::vector<std::string>{"builtin", "local", "lab", "peer"}));
  EXPECT_EQ(r->Find("lab")->protocol, "simplestreams");
  EXPECT_TRUE(r->Find("lab")->is_public);
  EXPECT_EQ(r->Find("peer")->protocol, "lxd");
  EXPECT_EQ(r->Find("local")->protocol, "local");
}

TEST(RemotesConfig, RoundTripsThroughAFile) {
  Remotes r = Remotes::Default();
  ASSERT_TRUE(r.AddRemote({"lab", "simplestreams", "https://images.example.org", true, ""}).ok());
  ASSERT_TRUE(r.AddRemote({"peer", "lxd", "10.0.0.1", false, "-----BEGIN CERT-----\nx\n"}).ok());
  ASSERT_TRUE(r.SetDefault("lab").ok());
  std::string path = std::filesystem::temp_directory_path() / "nest-remotes-test/config.yml";
  ASSERT_TRUE(SaveRemotes(path, r).ok());
  auto back = LoadRemotes(path);
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(back->default_remote(), "lab");
  EXPECT_EQ(back->Find("peer")->address, "https://10.0.0.1:8443");
  EXPECT_EQ(back->Find("peer")->certificate, "-----BEGIN CERT-----\nx\n");
  std::filesystem::remove_all(std::filesystem::path(path).parent_path());
  auto missing = LoadRemotes(path);
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->Names(), (std::vector<std::string>{"builtin", "local"}));
}

TEST(RemotesConfig, RefusesBadInput) {
  EXPECT_FALSE(ParseRemotesConfig("remotes: [").ok());
  EXPECT_FALSE(ParseRemotesConfig("remotes: [a, b]").ok());
  EXPECT_FALSE(ParseRemotesConfig("default-remote: nosuch").ok());
  EXPECT_FALSE(ParseRemotesConfig("remotes: {x: {addr: 'ftp://h', protocol: lxd}}").ok());
  Remotes r = Remotes::Default();
  EXPECT_EQ(r.AddRemote({"local", "lxd", "https://h", false, ""}).error().kind(),
            base::ErrorKind::kConflict);
  EXPECT_FALSE(r.AddRemote({"a:b", "lxd", "https://h", false, ""}).ok());
  EXPECT_FALSE(r.AddRemote({"x", "ftp", "https://h", false, ""}).ok());
  EXPECT_FALSE(r.AddRemote({"x", "simplestreams", "unix:///s", false, ""}).ok());
  EXPECT_FALSE(r.AddRemote({"x", "lxd", "http://h", false, ""}).ok());
  EXPECT_FALSE(r.Remove("local").ok());
  EXPECT_FALSE(r.Rename("builtin", "b").ok());
  EXPECT_EQ(r.Remove("nosuch").error().kind(), base::ErrorKind::kNotFound);
  ASSERT_TRUE(r.AddRemote({"lab", "simplestreams", "http://h", true, ""}).ok());
  ASSERT_TRUE(r.SetDefault("lab").ok());
  EXPECT_FALSE(r.Remove("lab").ok());
  ASSERT_TRUE(r.Rename("lab", "lab2").ok());
  EXPECT_EQ(r.default_remote(), "lab2");
}

TEST(RemotesConfig, ImageSources) {
  Remotes r = Remotes::Default();
  ASSERT_TRUE(r.AddRemote({"lab", "simplestreams", "http://h:1/s", true, ""}).ok());
  auto s = r.ImageSource("lab:debian/12");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ((*s)["server"], "http://h:1/s");
  EXPECT_EQ((*s)["protocol"], "simplestreams");
  EXPECT_EQ((*s)["alias"], "debian/12");
  EXPECT_EQ((*s)["mode"], "pull");
  auto fp = r.ImageSource("lab:0123456789abcdef");
  ASSERT_TRUE(fp.ok());
  EXPECT_EQ((*fp)["fingerprint"], "0123456789abcdef");
  auto local = r.ImageSource("bb");
  ASSERT_TRUE(local.ok());
  EXPECT_FALSE(local->contains("server"));
  ASSERT_TRUE(r.SetDefault("lab").ok());
  auto def = r.ImageSource("bb");
  ASSERT_TRUE(def.ok());
  EXPECT_EQ((*def)["server"], "http://h:1/s");
  auto unknown = r.ImageSource("nope:x");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message().find("unknown remote \"nope\""), std::string::npos);
}

TEST(Progress, TextFromMetadata) {
  EXPECT_EQ(ProgressText({{"download_progress", "rootfs: 45% (3.10MB/s)"}}),
            "rootfs: 45% (3.10MB/s)");
  EXPECT_EQ(ProgressText({{"progress",
                           {{"stage", "rootfs"},
                            {"percent", "45"},
                            {"processed", "12345678"},
                            {"total", "27500000"},
                            {"speed", "3100000"}}},
                          {"download_progress", "ignored when structured"}}),
            "rootfs: 45% 12.35MB/27.50MB (3.10MB/s)");
  EXPECT_EQ(ProgressText({{"build_progress", "debootstrap: 10%"}, {"other", "x"}}),
            "debootstrap: 10%");
  EXPECT_EQ(ProgressText(nlohmann::json::object()), "");
}

TEST(Progress, PlainLinesAtStepsAndStages) {
  char* buf = nullptr;
  size_t len = 0;
  std::FILE* f = open_memstream(&buf, &len);
  {
    ProgressRenderer r(f, false);
    for (int p : {1, 2, 30, 31, 60, 100}) {
      r.Update({{"download_progress", "rootfs: " + std::to_string(p) + "% (1B/s)"}});
    }
    r.Update({{"download_progress", "unpacking"}});
    r.Done();
  }
  std::fclose(f);
  std::string out(buf, len);
  std::free(buf);
  EXPECT_EQ(out,
            "rootfs: 1% (1B/s)\nrootfs: 30% (1B/s)\nrootfs: 60% (1B/s)\nrootfs: 100% (1B/s)\n"
            "unpacking\n");
}

}  // namespace
}  // namespace nest::client
