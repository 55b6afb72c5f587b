#include "core/debian_image.h"

#include <gtest/gtest.h>

#include "core/image_metadata.h"

namespace nest::core {
namespace {

TEST(DebianImage, ReleasesAndAliases) {
  auto spec = ParseDebianAlias("bookworm").value();
  EXPECT_EQ(spec.release, "bookworm");
  EXPECT_EQ(spec.version, "12");
  EXPECT_TRUE(spec.packages.empty());
  EXPECT_EQ(DebianCanonicalAlias(spec), "debian/bookworm");
  EXPECT_EQ(DebianCanonicalAlias(ParseDebianAlias("12").value()), "debian/bookworm");
  EXPECT_EQ(DebianCanonicalAlias(ParseDebianAlias("trixie").value()), "debian/trixie");
}

TEST(DebianImage, UnknownReleaseNamesTheKnownOnes) {
  auto r = ParseDebianAlias("nosuch");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind(), base::ErrorKind::kNotFound);
  EXPECT_EQ(r.error().message(),
            "unknown Debian release \"nosuch\" (known: bullseye (11), bookworm (12), trixie "
            "(13))");
  EXPECT_FALSE(ParseDebianAlias("").ok());
  EXPECT_FALSE(ParseDebianAlias("+lxc").ok());
}

TEST(DebianImage, PackagesAreSortedDedupedAndPartOfTheKey) {
  auto spec = ParseDebianAlias("12+lxc,crun,lxc,libstdc++6").value();
  EXPECT_EQ(spec.packages, (std::vector<std::string>{"crun", "libstdc++6", "lxc"}));
  EXPECT_EQ(DebianCanonicalAlias(spec), "debian/bookworm+crun,libstdc++6,lxc");
  EXPECT_NE(DebianCanonicalAlias(spec), DebianCanonicalAlias(ParseDebianAlias("12+lxc").value()));
  EXPECT_EQ(
      DebianIncludePackages(spec),
      (std::vector<std::string>{"systemd", "systemd-sysv", "dbus", "crun", "libstdc++6", "lxc"}));
  // A boot package named again is not included twice.
  EXPECT_EQ(DebianIncludePackages(ParseDebianAlias("bookworm+dbus").value()).size(), 3u);
}

TEST(DebianImage, BadPackageNames) {
  struct Case {
    std::string alias;
    std::string error;
  } cases[] = {
      {"bookworm+", "no package named after '+' in \"debian/bookworm+\""},
      {"bookworm+Lxc",
       "invalid Debian package name \"Lxc\" in \"debian/bookworm+Lxc\": only lowercase letters, "
       "digits, '+', '-' and '.' are allowed"},
      {"bookworm+lxc,,crun",
       "invalid Debian package name \"\" in \"debian/bookworm+lxc,,crun\": must be at least two "
       "characters long"},
      {"bookworm+-rf",
       "invalid Debian package name \"-rf\" in \"debian/bookworm+-rf\": must start "
       "with a letter or digit"},
      {"bookworm+a;b",
       "invalid Debian package name \"a;b\" in \"debian/bookworm+a;b\": only lowercase letters, "
       "digits, '+', '-' and '.' are allowed"},
      {"bookworm+x",
       "invalid Debian package name \"x\" in \"debian/bookworm+x\": must be at least "
       "two characters long"},
  };
  for (const auto& c : cases) {
    auto r = ParseDebianAlias(c.alias);
    ASSERT_FALSE(r.ok()) << c.alias;
    EXPECT_EQ(r.error().kind(), base::ErrorKind::kInvalid) << c.alias;
    EXPECT_EQ(r.error().message(), c.error);
  }
}

TEST(DebianImage, MetadataParsesAsAnLxdImage) {
  auto spec = ParseDebianAlias("bookworm+lxc").value();
  auto md = ParseImageMetadata(DebianMetadataYaml(spec, "x86_64", 1700000000)).value();
  EXPECT_EQ(md.architecture, "x86_64");
  EXPECT_EQ(md.creation_date, 1700000000);
  EXPECT_EQ(md.properties["os"], "debian");
  EXPECT_EQ(md.properties["release"], "bookworm");
  EXPECT_EQ(md.properties["variant"], "lxc");
  EXPECT_EQ(md.properties["description"], "Debian bookworm (12) with systemd + lxc (nest builtin)");
  ASSERT_EQ(md.templates.count("/etc/hostname"), 1u);
  EXPECT_EQ(md.templates["/etc/hostname"].template_file, "hostname.tpl");
  EXPECT_EQ(md.templates["/etc/hosts"].when, (std::vector<std::string>{"create", "copy"}));
  auto files = DebianTemplates();
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].name, "hostname.tpl");
  EXPECT_EQ(files[1].name, "hosts.tpl");
}

}  // namespace
}  // namespace nest::core
