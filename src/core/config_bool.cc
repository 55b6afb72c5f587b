#include "core/config_bool.h"

#include <string>

namespace nest::core {

std::optional<bool> ParseBool(std::string_view value) {
  std::string lower(value);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  if (lower == "true" || lower == "1" || lower == "yes" || lower == "on") return true;
  if (lower == "false" || lower == "0" || lower == "no" || lower == "off") return false;
  return std::nullopt;
}

bool IsTrue(std::string_view value) { return ParseBool(value) == std::optional<bool>(true); }

bool IsFalseOrEmpty(std::string_view value) {
  return value.empty() || ParseBool(value) == std::optional<bool>(false);
}

}  // namespace nest::core
