#include "core/apt_sources.h"

#include <gtest/gtest.h>

namespace nest::core {
namespace {

const std::vector<std::string> kKnown = {"bullseye", "bookworm", "trixie"};

TEST(AptSources, Deb822AsOnThisHost) {
  auto s = ParseAptSourcesDeb822(
      "Types: deb\n"
      "# http://snapshot.debian.org/archive/debian/20250520T000000Z\n"
      "URIs: http://mirror.example/debian/\n"
      "Suites: bookworm bookworm-updates\n"
      "Components: main\n"
      "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n"
      "\n"
      "Types: deb\n"
      "URIs: http://mirror.example/debian-security\n"
      "Suites: bookworm-security\n"
      "Components: main\n");
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].suites, (std::vector<std::string>{"bookworm", "bookworm-updates"}));
  EXPECT_EQ(ChooseDebianMirror(s, "bookworm", kKnown, "x").value(), "http://mirror.example/debian");
  // Another release comes from the same archive, never from the security one.
  EXPECT_EQ(ChooseDebianMirror(s, "trixie", kKnown, "x").value(), "http://mirror.example/debian");
}

TEST(AptSources, Deb822FieldsCaseAndContinuationAndDisabled) {
  auto s = ParseAptSourcesDeb822(
      "types: deb deb-src\nURIs:\n http://a.example/debian\nsuites: trixie\nEnabled: no\n\n"
      "Types: deb\nURIs: https://b.example/debian\nSuites: trixie\n");
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].uris, (std::vector<std::string>{"http://a.example/debian"}));
  EXPECT_FALSE(s[0].enabled);
  EXPECT_EQ(ChooseDebianMirror(s, "trixie", kKnown, "x").value(), "https://b.example/debian");
}

TEST(AptSources, OneLineFormat) {
  auto s = ParseAptSourcesList(
      "# comment\n"
      "deb-src http://src.example/debian bookworm main\n"
      "deb [arch=amd64 signed-by=/k.gpg] http://c.example/debian bookworm main contrib\n"
      "deb cdrom:[Debian]/ bookworm main\n");
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[1].uris, (std::vector<std::string>{"http://c.example/debian"}));
  EXPECT_EQ(s[1].components, (std::vector<std::string>{"main", "contrib"}));
  EXPECT_EQ(ChooseDebianMirror(s, "bookworm", kKnown, "x").value(), "http://c.example/debian");
}

TEST(AptSources, NoMirror) {
  auto s = ParseAptSourcesList(
      "deb http://security.example/debian-security bookworm-security main\n"
      "deb cdrom:[Debian]/ bookworm main\n");
  auto r = ChooseDebianMirror(s, "bookworm", kKnown, "/etc/apt/sources.list");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind(), base::ErrorKind::kNotFound);
  EXPECT_EQ(r.error().message(),
            "no Debian mirror in the apt sources (/etc/apt/sources.list): need a \"deb\" source "
            "for a Debian suite such as bookworm");
}

}  // namespace
}  // namespace nest::core
