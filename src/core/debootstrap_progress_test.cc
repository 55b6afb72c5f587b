#include "core/debootstrap_progress.h"

#include <gtest/gtest.h>

namespace nest::core {
namespace {

TEST(DebootstrapProgress, StagesPercentagesAndMessages) {
  DebootstrapProgress p;
  EXPECT_EQ(p.Summary(), "");
  for (const char* l : {"I: ARCHEXEC", "IF: Target architecture can be executed"}) p.Feed(l);
  EXPECT_EQ(p.Summary(), "Target architecture can be executed");
  for (const char* l : {"P: 0 50060337 DOWNPKGS", "PF: Downloading Packages files", "I: RETRIEVING",
                        "IA: Packages", "IA: ", "IF: Retrieving %s %s"}) {
    p.Feed(l);
  }
  EXPECT_EQ(p.Summary(), "Downloading Packages files 0% (Retrieving Packages)");
  EXPECT_TRUE(p.Feed("P: 25030169 50060337"));
  EXPECT_EQ(p.Summary(), "Downloading Packages files 50% (Retrieving Packages)");
  EXPECT_FALSE(p.Feed("P: 25030169 50060337"));
  for (const char* l : {"P: 3 120 DOWNDEBS", "PF: Downloading packages", "I: RETRIEVING",
                        "IA: dbus", "IA: 1.14.10-1~deb12u1", "IF: Retrieving %s %s"}) {
    p.Feed(l);
  }
  EXPECT_EQ(p.Summary(), "Downloading packages 2% (Retrieving dbus 1.14.10-1~deb12u1)");
}

TEST(DebootstrapProgress, Errors) {
  DebootstrapProgress p;
  for (const char* l : {"E: COULDNTDL", "EA: libc6", "EF: Couldn't download package %s"}) p.Feed(l);
  EXPECT_EQ(p.last_error(), "Couldn't download package libc6");
}

TEST(DebootstrapProgress, Format) {
  EXPECT_EQ(FormatDebootstrapMessage("%s of %s is 100%%", {"a", "b"}), "a of b is 100%");
  EXPECT_EQ(FormatDebootstrapMessage("%s %s", {"only"}), "only");
}

}  // namespace
}  // namespace nest::core
