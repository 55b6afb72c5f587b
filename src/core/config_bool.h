// Boolean config values as LXD reads them.
#pragma once

#include <optional>
#include <string_view>

namespace nest::core {

// true/1/yes/on -> true, false/0/no/off -> false (case-insensitive);
// anything else (including "") -> nullopt.
std::optional<bool> ParseBool(std::string_view value);

// LXD's shared.IsTrue: only a recognised true value is true.
bool IsTrue(std::string_view value);

// LXD's shared.IsFalseOrEmpty: "" or a recognised false value.
bool IsFalseOrEmpty(std::string_view value);

}  // namespace nest::core
