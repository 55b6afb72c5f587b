#include <gtest/gtest.h>

#include "db/database.h"

namespace nest::db {
namespace {

TEST(DatabaseCertificates, AddListGetDelete) {
  auto db = Database::Open(":memory:");
  ASSERT_TRUE(db.ok()) << db.error().message();
  CertificateRecord c;
  c.fingerprint = "ab01";
  c.name = "peer";
  c.certificate = "-----BEGIN CERTIFICATE-----\n...";
  ASSERT_TRUE((*db)->CreateCertificate(c).ok());
  auto dup = (*db)->CreateCertificate(c);
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().kind(), base::ErrorKind::kConflict);

  auto got = (*db)->GetCertificate("ab01");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->name, "peer");
  EXPECT_EQ(got->type, "client");
  EXPECT_FALSE(got->restricted);
  EXPECT_EQ((*db)->ListCertificates()->size(), 1u);

  ASSERT_TRUE((*db)->DeleteCertificate("ab01").ok());
  EXPECT_EQ((*db)->GetCertificate("ab01").error().kind(), base::ErrorKind::kNotFound);
  EXPECT_EQ((*db)->DeleteCertificate("ab01").error().kind(), base::ErrorKind::kNotFound);
}

}  // namespace
}  // namespace nest::db
