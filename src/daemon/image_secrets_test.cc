#include "daemon/image_secrets.h"

#include <gtest/gtest.h>

#include <string>

namespace nest::daemon {
namespace {

using ops::OpStatus;

const std::string kFp(64, 'a');
const std::string kOther(64, 'b');

std::string SecretOf(const ops::Operation& op) { return op.metadata()["secret"]; }

TEST(ImageSecretsTest, CreateMakesARunningTokenOperation) {
  ops::OperationManager mgr(nullptr);
  ImageSecrets secrets(mgr);
  auto op = secrets.Create(kFp);
  nlohmann::json j = op->ToJson();
  EXPECT_EQ(j["class"], "token");
  EXPECT_EQ(j["status"], "Running");
  EXPECT_EQ(j["may_cancel"], true);
  EXPECT_EQ(j["resources"], (nlohmann::json{{"images", {"/1.0/images/" + kFp}}}));
  std::string s = SecretOf(*op);
  EXPECT_EQ(s.size(), 64u);
  EXPECT_EQ(s.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(SecretOf(*secrets.Create(kFp)), s);
  EXPECT_EQ(secrets.pending(), 2u);
}

TEST(ImageSecretsTest, ValidOnlyForItsImageAndItsSecret) {
  ops::OperationManager mgr(nullptr);
  ImageSecrets secrets(mgr);
  auto op = secrets.Create(kFp);
  std::string s = SecretOf(*op);
  EXPECT_TRUE(secrets.Valid(kFp, s));
  EXPECT_TRUE(secrets.Valid(kFp, s));  // looking does not use it up
  EXPECT_FALSE(secrets.Valid(kOther, s));
  EXPECT_FALSE(secrets.Valid(kFp, ""));
  EXPECT_FALSE(secrets.Valid(kFp, s.substr(0, 63)));
  EXPECT_FALSE(secrets.Valid(kFp, s + "0"));
  std::string wrong = s;
  wrong[10] = wrong[10] == '0' ? '1' : '0';
  EXPECT_FALSE(secrets.Valid(kFp, wrong));
  EXPECT_FALSE(secrets.Consume(kOther, s));
  EXPECT_EQ(op->status(), OpStatus::kRunning);
}

TEST(ImageSecretsTest, ConsumeUsesItUpOnce) {
  ops::OperationManager mgr(nullptr);
  ImageSecrets secrets(mgr);
  auto op = secrets.Create(kFp);
  auto other = secrets.Create(kFp);
  std::string s = SecretOf(*op);
  EXPECT_TRUE(secrets.Consume(kFp, s));
  EXPECT_EQ(op->status(), OpStatus::kSuccess);
  EXPECT_FALSE(secrets.Valid(kFp, s));
  EXPECT_FALSE(secrets.Consume(kFp, s));
  // Cancelling a used secret's operation is refused; the other secret still works.
  auto st = mgr.Cancel(op);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().kind(), base::ErrorKind::kConflict);
  EXPECT_TRUE(secrets.Valid(kFp, SecretOf(*other)));
  EXPECT_EQ(secrets.pending(), 1u);
}

TEST(ImageSecretsTest, CancelInvalidates) {
  ops::OperationManager mgr(nullptr);
  ImageSecrets secrets(mgr);
  auto op = secrets.Create(kFp);
  std::string s = SecretOf(*op);
  ASSERT_TRUE(mgr.Cancel(op).ok());
  EXPECT_EQ(op->status(), OpStatus::kCancelled);
  EXPECT_FALSE(secrets.Valid(kFp, s));
  EXPECT_FALSE(secrets.Consume(kFp, s));
  EXPECT_EQ(secrets.pending(), 0u);
}

}  // namespace
}  // namespace nest::daemon
