// Validation of user-chosen names: instances, profiles, image aliases.
#pragma once

#include <string_view>

#include "base/result.h"

namespace nest::core {

// LXD's hostname rule: 1..63 characters of ASCII letters, digits and '-', not
// starting with a digit or '-', not ending with '-'.
// Returns kInvalid saying what is wrong: `invalid instance name "1abc": must not
// start with a digit`.
base::Status ValidateInstanceName(std::string_view name);

// Non-empty, at most 63 characters, no '/', no whitespace or control
// characters, not "." or "..". Returns kInvalid saying what is wrong.
base::Status ValidateProfileName(std::string_view name);

// Non-empty, no leading '/', no whitespace or control characters, no ':'
// (the remote separator). '/' inside is fine ("debian/12").
base::Status ValidateAliasName(std::string_view name);

}  // namespace nest::core
