// Small string helpers shared by every layer.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace nest::base {

std::vector<std::string> Split(std::string_view s, char sep);
std::string Join(const std::vector<std::string>& parts, std::string_view sep);
std::string_view Trim(std::string_view s);
bool StartsWith(std::string_view s, std::string_view prefix);
bool EndsWith(std::string_view s, std::string_view suffix);
// Lowercase hexadecimal of `len` bytes (digests, random tokens).
std::string HexEncode(const void* data, size_t len);
// Parses a base-10 integer that must fill the whole string.
bool ParseInt64(std::string_view s, long long* out);

}  // namespace nest::base
