#include "storage/subprocess.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

namespace nest::storage {
namespace {

std::vector<std::string> Bash(const std::string& script) { return {"/bin/bash", "-c", script}; }

TEST(RunTool, EachStdoutLineArrivesWithoutItsNewlineAndTheLastOneToo) {
  std::vector<std::string> lines;
  auto s = RunTool(Bash("printf 'one\\ntwo\\nthree'"), [&](std::string_view l) {
    lines.emplace_back(l);
    return base::Ok();
  });
  ASSERT_TRUE(s.ok()) << s.error().message();
  EXPECT_EQ(lines, (std::vector<std::string>{"one", "two", "three"}));
}

TEST(RunTool, AFailureNamesTheToolItsStatusAndTheEndOfItsStderr) {
  auto s = RunTool(Bash("echo first >&2; echo 'disk full' >&2; exit 3"), nullptr);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().kind(), base::ErrorKind::kInternal);
  EXPECT_NE(s.error().message().find("/bin/bash exited with status 3"), std::string::npos)
      << s.error().message();
  EXPECT_NE(s.error().message().find("disk full"), std::string::npos) << s.error().message();
}

TEST(RunTool, AMissingToolIsUnavailable) {
  auto s = RunTool({"/nonexistent/tool"}, nullptr);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().kind(), base::ErrorKind::kUnavailable);
  EXPECT_NE(s.error().message().find("/nonexistent/tool"), std::string::npos);
}

TEST(RunTool, AnErrorFromOnLineStopsTheToolAndIsReturned) {
  int seen = 0;
  auto s = RunTool(Bash("while true; do echo y; done"), [&](std::string_view) {
    return ++seen == 3 ? base::Error::Invalid("enough") : base::Ok();
  });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message(), "enough");
  EXPECT_EQ(seen, 3);
}

TEST(RunToolWithStatusFd, StatusLinesComeFromFd3AndOutputGoesToTheLog) {
  char dir[] = "/tmp/nest-subprocess-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  std::string log = std::string(dir) + "/tool.log";
  std::vector<std::string> lines;
  auto s =
      RunToolWithStatusFd(Bash("echo P: 1 >&3; echo chatter; echo oops >&2; printf 'P: 2' >&3"),
                          log, [&](std::string_view l) {
                            lines.emplace_back(l);
                            return base::Ok();
                          });
  ASSERT_TRUE(s.ok()) << s.error().message();
  EXPECT_EQ(lines, (std::vector<std::string>{"P: 1", "P: 2"}));
  std::ifstream in(log);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "chatter\noops\n");
  auto failed = RunToolWithStatusFd(Bash("exit 2"), log, nullptr);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().message(), "/bin/bash exited with status 2");
  std::system((std::string("rm -rf ") + dir).c_str());
}

}  // namespace
}  // namespace nest::storage
