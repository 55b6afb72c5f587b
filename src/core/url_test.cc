#include "core/url.h"

#include <gtest/gtest.h>

namespace nest::core {
namespace {

TEST(Url, Parses) {
  auto u = ParseUrl("http://127.0.0.1:8700/streams");
  ASSERT_TRUE(u.ok()) << u.error().message();
  EXPECT_EQ(u->scheme, "http");
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, "8700");
  EXPECT_EQ(u->path, "/streams");
  auto s = ParseUrl("HTTPS://images.example.org");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->scheme, "https");
  EXPECT_EQ(s->port, "443");
  EXPECT_EQ(s->path, "/");
  auto v6 = ParseUrl("http://[::1]:99/x?y=1");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->path, "/x?y=1");
  EXPECT_EQ(v6->Origin(), "http://[::1]:99");
  auto unix_url = ParseUrl("unix:///var/lib/nest/unix.socket");
  ASSERT_TRUE(unix_url.ok());
  EXPECT_EQ(unix_url->path, "/var/lib/nest/unix.socket");
}

TEST(Url, Refuses) {
  for (const char* bad : {"ftp://h/", "h:80", "http:/h", "http://", "http://h:0", "http://h:99999",
                          "http://u:p@h/", "unix://relative", "nonsense"}) {
    EXPECT_FALSE(ParseUrl(bad).ok()) << bad;
  }
}

TEST(Url, Joins) {
  EXPECT_EQ(JoinUrl("http://h/s", "streams/v1/index.json"), "http://h/s/streams/v1/index.json");
  EXPECT_EQ(JoinUrl("http://h/s/", "/a"), "http://h/s/a");
}

}  // namespace
TEST(ParseUrl, SaysWhetherThePortWasGiven) {
  auto given = ParseUrl("https://h:8443/x");
  ASSERT_TRUE(given.ok());
  EXPECT_TRUE(given->port_given);
  auto implied = ParseUrl("https://h/x");
  ASSERT_TRUE(implied.ok());
  EXPECT_FALSE(implied->port_given);
  EXPECT_EQ(implied->port, "443");
}

}  // namespace nest::core
