#include "tls/certificate.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace nest::tls {
namespace {

IdentitySpec Spec() {
  IdentitySpec spec;
  spec.common_name = "root@test";
  spec.dns_names = {"test"};
  spec.ips = {"127.0.0.1", "::1"};
  return spec;
}

TEST(Identity, GeneratesEcP384SelfSigned) {
  auto id = GenerateIdentity(Spec());
  ASSERT_TRUE(id.ok()) << id.error().message();
  EXPECT_NE(id->cert_pem.find("BEGIN CERTIFICATE"), std::string::npos);
  EXPECT_NE(id->key_pem.find("PRIVATE KEY"), std::string::npos);
  auto fp = Fingerprint(id->cert_pem);
  ASSERT_TRUE(fp.ok());
  EXPECT_EQ(fp->size(), 64u);
  // Two identities never share a key or a fingerprint.
  EXPECT_NE(*fp, Fingerprint(GenerateIdentity(Spec())->cert_pem).value());
}

TEST(Identity, LoadOrCreateWritesOnceWithPrivateKeyMode) {
  char tmpl[] = "/tmp/nest-tls-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  std::string dir = tmpl;
  auto first = LoadOrCreateIdentity(dir + "/s.crt", dir + "/s.key", Spec());
  ASSERT_TRUE(first.ok()) << first.error().message();
  struct stat st {};
  ASSERT_EQ(::stat((dir + "/s.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto again = LoadOrCreateIdentity(dir + "/s.crt", dir + "/s.key", Spec());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->cert_pem, first->cert_pem);
  // A key that does not belong to the certificate is refused, not replaced.
  auto other = GenerateIdentity(Spec());
  FILE* f = std::fopen((dir + "/s.key").c_str(), "w");
  std::fputs(other->key_pem.c_str(), f);
  std::fclose(f);
  auto mismatch = LoadOrCreateIdentity(dir + "/s.crt", dir + "/s.key", Spec());
  ASSERT_FALSE(mismatch.ok());
  EXPECT_NE(mismatch.error().message().find("does not match"), std::string::npos);
  std::system(("rm -rf " + dir).c_str());
}

TEST(Fingerprint, IsSha256OfDerAndAcceptsBase64Der) {
  auto id = GenerateIdentity(Spec());
  ASSERT_TRUE(id.ok());
  // The body of the PEM block is the base64 DER that lxc sends.
  std::string pem = id->cert_pem;
  size_t begin = pem.find('\n') + 1;
  size_t end = pem.find("-----END");
  std::string b64 = pem.substr(begin, end - begin);
  auto normalized = NormalizeCertificate(b64);
  ASSERT_TRUE(normalized.ok()) << normalized.error().message();
  EXPECT_EQ(*normalized, pem);
  EXPECT_EQ(Fingerprint(*normalized).value(), Fingerprint(pem).value());
  EXPECT_EQ(FingerprintDer(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Fingerprint, RejectsGarbage) {
  EXPECT_FALSE(Fingerprint("hello").ok());
  EXPECT_FALSE(NormalizeCertificate("aGVsbG8=").ok());
  EXPECT_FALSE(NormalizeCertificate("").ok());
  auto e = NormalizeCertificate("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.error().message().find("invalid certificate"), std::string::npos);
}

}  // namespace
}  // namespace nest::tls
