#include "core/server_config.h"

#include <gtest/gtest.h>

namespace nest::core {
namespace {

struct KeyCase {
  const char* key;
  const char* value;
  const char* error;  // nullptr: valid
};

TEST(ServerConfig, Validate) {
  const KeyCase cases[] = {
      {"images.auto_update_cached", "true", nullptr},
      {"images.auto_update_cached", "OFF", nullptr},
      {"images.auto_update_cached", "", nullptr},
      {"images.auto_update_cached", "maybe",
       "invalid value \"maybe\" for images.auto_update_cached: expected true or false"},
      {"images.auto_update_interval", "0", nullptr},
      {"images.auto_update_interval", "24", nullptr},
      {"images.auto_update_interval", "abc",
       "invalid value \"abc\" for images.auto_update_interval: expected a whole number of hours "
       "(0 disables the checks)"},
      {"images.auto_update_interval", "-1",
       "invalid value \"-1\" for images.auto_update_interval: expected a whole number of hours "
       "(0 disables the checks)"},
      {"images.auto_update_interval", "1.5",
       "invalid value \"1.5\" for images.auto_update_interval: expected a whole number of hours "
       "(0 disables the checks)"},
      {"images.remote_cache_expiry", "10", nullptr},
      {"images.remote_cache_expiry", "x",
       "invalid value \"x\" for images.remote_cache_expiry: expected a whole number of days "
       "(0 disables expiry)"},
      {"core.https_address", "", nullptr},
      {"core.https_address", ":8443", nullptr},
      {"core.https_address", "0.0.0.0:8443", nullptr},
      {"core.https_address", "[::]:8443", nullptr},
      {"core.https_address", "[fd00::1]", nullptr},
      {"core.https_address", "example.com", nullptr},
      {"core.https_address", "host:0",
       "invalid value \"host:0\" for core.https_address: expected host:port, [ipv6]:port, :port "
       "or empty"},
      {"core.https_address", "a b:1",
       "invalid value \"a b:1\" for core.https_address: expected "
       "host:port, [ipv6]:port, :port or empty"},
      {"core.https_address", "host:99999",
       "invalid value \"host:99999\" for core.https_address: "
       "expected host:port, [ipv6]:port, :port or empty"},
      {"images.max_unpacked_size", "10GiB", nullptr},
      {"images.max_unpacked_size", "1000", nullptr},
      {"images.max_unpacked_size", "0",
       "invalid value \"0\" for images.max_unpacked_size: expected a size in bytes greater than "
       "0, e.g. 10GiB, 512MiB or 1000000"},
      {"images.foo", "1",
       "unknown server configuration key \"images.foo\" (known keys: core.https_address, "
       "core.remote_token_expiry, "
       "images.auto_update_cached, images.auto_update_interval, images.max_unpacked_size, "
       "images.remote_cache_expiry, storage.driver)"},
      {"storage.driver", "overlay", nullptr},
      {"storage.driver", "dir", nullptr},
      {"storage.driver", "zfs",
       "invalid value \"zfs\" for storage.driver: expected overlay or dir"},
  };
  for (const KeyCase& c : cases) {
    base::Status s = ValidateServerKey(c.key, c.value);
    if (!c.error) {
      EXPECT_TRUE(s.ok()) << c.key << "=" << c.value << ": " << s.error().message();
    } else {
      ASSERT_FALSE(s.ok()) << c.key << "=" << c.value;
      EXPECT_EQ(s.error().kind(), base::ErrorKind::kInvalid);
      EXPECT_EQ(s.error().message(), c.error);
    }
  }
  EXPECT_TRUE(ValidateServerConfig({{"images.auto_update_interval", "0"}}).ok());
  EXPECT_FALSE(ValidateServerConfig({{"images.auto_update_interval", "0"}, {"x", "1"}}).ok());
}

TEST(ServerConfig, DefaultsAndEffective) {
  EXPECT_EQ(DefaultValue("images.auto_update_cached"), "true");
  EXPECT_EQ(DefaultValue("images.auto_update_interval"), "6");
  EXPECT_EQ(DefaultValue("images.remote_cache_expiry"), "10");
  EXPECT_EQ(DefaultValue("core.https_address"), "");
  EXPECT_EQ(DefaultValue("images.max_unpacked_size"), "10GiB");
  EXPECT_EQ(DefaultValue("nope"), "");
  EXPECT_EQ(DefaultValue("storage.driver"), "overlay");
  EXPECT_EQ(DefaultValue("core.remote_token_expiry"), "");
  EXPECT_EQ(ServerKeys().size(), 7u);

  ConfigMap effective = Effective({{"images.auto_update_interval", "0"}});
  EXPECT_EQ(effective["images.auto_update_interval"], "0");
  EXPECT_EQ(effective["images.remote_cache_expiry"], "10");
  EXPECT_EQ(effective["images.auto_update_cached"], "true");
  EXPECT_EQ(effective.size(), 7u);
  EXPECT_EQ(Effective({{"images.remote_cache_expiry", ""}})["images.remote_cache_expiry"], "10");
}

TEST(ServerConfig, TypedGetters) {
  ConfigMap stored = {{"images.auto_update_cached", "off"},
                      {"images.auto_update_interval", "12"},
                      {"images.max_unpacked_size", "512MiB"},
                      {"images.remote_cache_expiry", "garbage"}};
  EXPECT_FALSE(GetBool(stored, "images.auto_update_cached"));
  EXPECT_TRUE(GetBool({}, "images.auto_update_cached"));
  EXPECT_EQ(GetInt(stored, "images.auto_update_interval"), 12);
  EXPECT_EQ(GetInt({}, "images.auto_update_interval"), 6);
  EXPECT_EQ(GetInt(stored, "images.remote_cache_expiry"), 10);
  EXPECT_EQ(GetSize(stored, "images.max_unpacked_size"), 512LL << 20);
  EXPECT_EQ(GetSize({}, "images.max_unpacked_size"), 10LL << 30);
}

}  // namespace
}  // namespace nest::core

namespace nest::core {
namespace {

TEST(ServerConfig, RemoteTokenExpiry) {
  EXPECT_EQ(ParseExpirySeconds("30S").value(), 30);
  EXPECT_EQ(ParseExpirySeconds("2M").value(), 120);
  EXPECT_EQ(ParseExpirySeconds("1H").value(), 3600);
  EXPECT_EQ(ParseExpirySeconds("1d").value(), 86400);
  EXPECT_EQ(ParseExpirySeconds("1w").value(), 604800);
  for (const char* bad : {"", "S", "0S", "-1S", "1x", "1.5H", "H1"}) {
    EXPECT_FALSE(ParseExpirySeconds(bad).ok()) << bad;
  }
  EXPECT_TRUE(ValidateServerKey("core.remote_token_expiry", "5M").ok());
  auto e = ValidateServerKey("core.remote_token_expiry", "soon");
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.error().message().find("\"soon\""), std::string::npos);
}

}  // namespace
}  // namespace nest::core
