#include "core/api/certificate.h"

#include <gtest/gtest.h>

#include "core/api/json.h"
#include "core/base64.h"

namespace nest::core::api {
namespace {

TEST(CertificateToken, EncodesAsLxdDoes) {
  CertificateAddToken t;
  t.client_name = "peer";
  t.fingerprint = "ab12";
  t.addresses = {"127.0.0.1:8443"};
  t.secret = "s3cr3t";
  std::string encoded = EncodeToken(t);
  // base64 of the JSON object with LXD's field names.
  auto json = nlohmann::json::parse(Base64Decode(encoded).value());
  EXPECT_EQ(json["client_name"], "peer");
  EXPECT_EQ(json["fingerprint"], "ab12");
  EXPECT_EQ(json["addresses"], nlohmann::json::array({"127.0.0.1:8443"}));
  EXPECT_EQ(json["secret"], "s3cr3t");
  EXPECT_EQ(json["expires_at"], "0001-01-01T00:00:00Z");

  auto back = DecodeToken(encoded);
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(back->client_name, "peer");
  EXPECT_EQ(back->addresses, t.addresses);
  EXPECT_EQ(back->secret, "s3cr3t");
}

TEST(CertificateToken, DecodesLxdGeneratedToken) {
  // As LXD 5.0 prints it (Go's json.Marshal field order, RFC 3339 expiry).
  std::string lxd_json =
      R"({"client_name":"c1","fingerprint":"904e09f2","addresses":["10.0.0.1:8443"],)"
      R"("secret":"2b2284d4","expires_at":"2026-11-29T06:00:00Z"})";
  auto t = DecodeToken(Base64Encode(lxd_json));
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->fingerprint, "904e09f2");
  EXPECT_EQ(t->expires_at, "2026-11-29T06:00:00Z");
}

TEST(CertificateToken, RejectsMalformedTokens) {
  EXPECT_FALSE(DecodeToken("not base64!").ok());
  EXPECT_FALSE(DecodeToken(Base64Encode("[1,2]")).ok());
  EXPECT_FALSE(DecodeToken(Base64Encode(R"({"fingerprint":"ab"})")).ok());
  EXPECT_FALSE(DecodeToken(Base64Encode(R"({"secret":"ab"})")).ok());
  auto e = DecodeToken(Base64Encode(R"({"secret":1})"));
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.error().message().find("invalid token"), std::string::npos);
}

TEST(CertificatesPost, ReadsLxdFields) {
  auto post = FromJson<CertificatesPost>(
      nlohmann::json::parse(R"({"type":"client","password":"tok","name":"n","token":true})"),
      "post");
  ASSERT_TRUE(post.ok());
  EXPECT_EQ(post->password, "tok");
  EXPECT_TRUE(post->token);
  EXPECT_EQ(post->name, "n");
}

}  // namespace
}  // namespace nest::core::api
