// Instance names: generated ones for `nest launch IMAGE` without a name.
#pragma once

#include <string>
#include <string_view>

namespace nest::cli {

// A random lowercase "adjective-noun" name, e.g. "brave-otter"; always valid.
std::string RandomInstanceName();

// A valid instance name is a hostname label: 1–63 of [a-z0-9-] (uppercase
// allowed as LXD does), not starting with a digit or '-', not ending with '-'.
bool IsValidInstanceName(std::string_view name);

}  // namespace nest::cli
