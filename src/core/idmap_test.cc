#include "core/idmap.h"

#include <gtest/gtest.h>

namespace nest::core {
namespace {

struct DelegationCase {
  const char* name;
  const char* text;
  const char* user;
  std::optional<uint32_t> uid;
  std::optional<IdRange> want;
  const char* error;  // substring of the error, when want is empty
};

TEST(Idmap, FindDelegation) {
  const DelegationCase cases[] = {
      {"simple", "root:1000000:1000000000\n", "root", {}, IdRange{1000000, 1000000000}, ""},
      {"comments and blanks",
       "# comment\n\n  \nroot:100000:65536\n",
       "root",
       {},
       IdRange{100000, 65536},
       ""},
      {"first big enough wins",
       "root:100000:1000\nroot:200000:65536\nroot:300000:70000\n",
       "root",
       {},
       IdRange{200000, 65536},
       ""},
      {"other users skipped",
       "alice:100000:65536\nroot:165536:65536\n",
       "root",
       {},
       IdRange{165536, 65536},
       ""},
      {"numeric root", "0:500000:65536\n", "root", {}, IdRange{500000, 65536}, ""},
      {"numeric uid given", "1000:500000:65536\n", "alice", 1000u, IdRange{500000, 65536}, ""},
      {"no trailing newline", "root:1:65536", "root", {}, IdRange{1, 65536}, ""},
      {"empty file",
       "",
       "root",
       {},
       {},
       "no subordinate id range for root in /etc/subuid (found none with at least 65536 ids): "
       "add a line such as \"root:1000000:1000000000\""},
      {"only other users",
       "alice:100000:65536\n",
       "root",
       {},
       {},
       "found none with at least 65536 ids)"},
      {"too small",
       "root:100000:1000\n",
       "root",
       {},
       {},
       "(found none with at least 65536 ids, only 1 smaller one): add a line"},
      {"malformed fields",
       "root:100000\n",
       "root",
       {},
       {},
       "/etc/subuid line 1: malformed entry \"root:100000\", expected name:start:count"},
      {"malformed number", "# x\nroot:abc:65536\n", "root", {}, {}, "/etc/subuid line 2:"},
      {"overflowing range", "root:4294967295:65536\n", "root", {}, {}, "line 1: malformed"},
  };
  for (const DelegationCase& c : cases) {
    auto got = FindDelegation(c.text, "/etc/subuid", c.user, c.uid);
    if (c.want) {
      ASSERT_TRUE(got.ok()) << c.name << ": " << got.error().message();
      EXPECT_EQ(got.value(), *c.want) << c.name;
    } else {
      ASSERT_FALSE(got.ok()) << c.name;
      EXPECT_EQ(got.error().kind(), base::ErrorKind::kInvalid) << c.name;
      EXPECT_NE(got.error().message().find(c.error), std::string::npos)
          << c.name << ": " << got.error().message();
    }
  }
}

TEST(Idmap, HostIdmapAndRendering) {
  auto map = HostIdmap("root:100000:65536\n", "/etc/subuid", "root:200000:131072\n", "/etc/subgid",
                       "root");
  ASSERT_TRUE(map.ok()) << map.error().message();
  EXPECT_EQ(map->uid, (IdRange{100000, 65536}));
  EXPECT_EQ(map->gid, (IdRange{200000, 131072}));
  EXPECT_EQ(UidMapText(*map), "0 100000 65536\n");
  EXPECT_EQ(GidMapText(*map), "0 200000 131072\n");

  auto missing_gid = HostIdmap("root:100000:65536\n", "/etc/subuid", "", "/etc/subgid", "root");
  ASSERT_FALSE(missing_gid.ok());
  EXPECT_NE(missing_gid.error().message().find("/etc/subgid"), std::string::npos);
}

TEST(Idmap, ToHostAndBack) {
  const IdRange range{100000, 65536};
  struct Case {
    uint32_t container;
    std::optional<uint32_t> host;
  } cases[] = {{0, 100000}, {1000, 101000}, {65535, 165535}, {65536, std::nullopt}};
  for (const Case& c : cases) {
    EXPECT_EQ(ToHost(range, c.container), c.host) << c.container;
    if (c.host) {
      EXPECT_EQ(ToContainer(range, *c.host), c.container);
    }
  }
  EXPECT_EQ(ToContainer(range, 99999), std::nullopt);
  EXPECT_EQ(ToContainer(range, 165536), std::nullopt);
  EXPECT_EQ(ToHost(IdRange{4294901760u, 65535}, 65534), 4294967294u);
}

TEST(Idmap, ParseKernelIdMap) {
  auto full = ParseKernelIdMap("         0          0 4294967295\n");
  ASSERT_TRUE(full.ok());
  EXPECT_EQ(full.value(), (std::vector<IdMapEntry>{{0, 0, 4294967295u}}));

  auto two = ParseKernelIdMap("0 100000 65536\n\t65536\t1000\t1\n");
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(two.value(), (std::vector<IdMapEntry>{{0, 100000, 65536}, {65536, 1000, 1}}));

  auto bad = ParseKernelIdMap("0 100000\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(),
            "id map line 1: malformed \"0 100000\", expected \"<ns> <host> <count>\"");
  EXPECT_TRUE(ParseKernelIdMap("").ok());
}

}  // namespace
}  // namespace nest::core
