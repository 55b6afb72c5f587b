#include "core/names.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>

namespace nest::core {
namespace {

struct NameCase {
  std::string name;
  std::string error;  // empty: valid
};

void Check(const std::function<base::Status(std::string_view)>& validate,
           const std::vector<NameCase>& cases) {
  for (const NameCase& c : cases) {
    base::Status s = validate(c.name);
    if (c.error.empty()) {
      EXPECT_TRUE(s.ok()) << c.name << ": " << s.error().message();
    } else {
      ASSERT_FALSE(s.ok()) << c.name;
      EXPECT_EQ(s.error().kind(), base::ErrorKind::kInvalid);
      EXPECT_EQ(s.error().message(), c.error) << c.name;
    }
  }
}

TEST(Names, Instance) {
  Check(ValidateInstanceName,
        {
            {"c1", ""},
            {"a", ""},
            {"My-Container-2", ""},
            {std::string(63, 'a'), ""},
            {"1abc", "invalid instance name \"1abc\": must not start with a digit"},
            {"", "invalid instance name \"\": must not be empty"},
            {std::string(64, 'a'), "invalid instance name \"" + std::string(64, 'a') +
                                       "\": must be at most 63 characters long"},
            {"-abc", "invalid instance name \"-abc\": must not start with '-'"},
            {"abc-", "invalid instance name \"abc-\": must not end with '-'"},
            {"a_b",
             "invalid instance name \"a_b\": must contain only ASCII letters, digits "
             "and '-', not '_'"},
            {"a.b",
             "invalid instance name \"a.b\": must contain only ASCII letters, digits "
             "and '-', not '.'"},
            {"a b",
             "invalid instance name \"a b\": must contain only ASCII letters, digits "
             "and '-', not whitespace or control characters"},
        });
}

TEST(Names, Profile) {
  Check(ValidateProfileName,
        {
            {"default", ""},
            {"docker_nesting.v2", ""},
            {"", "invalid profile name \"\": must not be empty"},
            {"a/b", "invalid profile name \"a/b\": must not contain '/'"},
            {"..", "invalid profile name \"..\": must not be \".\" or \"..\""},
            {"a b", "invalid profile name \"a b\": must not contain whitespace"},
        });
}

TEST(Names, Alias) {
  Check(ValidateAliasName,
        {
            {"busybox", ""},
            {"debian/12", ""},
            {"", "invalid alias name \"\": must not be empty"},
            {"/x", "invalid alias name \"/x\": must not start with '/'"},
            {"images:x", "invalid alias name \"images:x\": must not contain ':'"},
            {"a\tb", "invalid alias name \"a\tb\": must not contain whitespace"},
        });
}

}  // namespace
}  // namespace nest::core
