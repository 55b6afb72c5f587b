#include "core/names.h"

#include <string>

namespace nest::core {
namespace {

constexpr size_t kMaxHostnameLength = 63;

bool IsAsciiLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsSpaceOrControl(char c) {
  unsigned char u = static_cast<unsigned char>(c);
  return u <= 0x20 || u == 0x7f;
}

base::Error Bad(const char* what, std::string_view name, const std::string& why) {
  return base::Error::Invalid(std::string("invalid ") + what + " name \"" + std::string(name) +
                              "\": " + why);
}

}  // namespace

base::Status ValidateInstanceName(std::string_view name) {
  constexpr const char* kWhat = "instance";
  if (name.empty()) return Bad(kWhat, name, "must not be empty");
  if (name.size() > kMaxHostnameLength) {
    return Bad(kWhat, name, "must be at most 63 characters long");
  }
  if (IsDigit(name.front())) return Bad(kWhat, name, "must not start with a digit");
  if (name.front() == '-') return Bad(kWhat, name, "must not start with '-'");
  if (name.back() == '-') return Bad(kWhat, name, "must not end with '-'");
  for (char c : name) {
    if (!IsAsciiLetter(c) && !IsDigit(c) && c != '-') {
      std::string shown =
          IsSpaceOrControl(c) ? "whitespace or control characters" : std::string("'") + c + "'";
      return Bad(kWhat, name, "must contain only ASCII letters, digits and '-', not " + shown);
    }
  }
  return base::Ok();
}

base::Status ValidateProfileName(std::string_view name) {
  constexpr const char* kWhat = "profile";
  if (name.empty()) return Bad(kWhat, name, "must not be empty");
  if (name.size() > kMaxHostnameLength) {
    return Bad(kWhat, name, "must be at most 63 characters long");
  }
  if (name == "." || name == "..") return Bad(kWhat, name, "must not be \".\" or \"..\"");
  for (char c : name) {
    if (c == '/') return Bad(kWhat, name, "must not contain '/'");
    if (IsSpaceOrControl(c)) return Bad(kWhat, name, "must not contain whitespace");
  }
  return base::Ok();
}

base::Status ValidateAliasName(std::string_view name) {
  constexpr const char* kWhat = "alias";
  if (name.empty()) return Bad(kWhat, name, "must not be empty");
  if (name.front() == '/') return Bad(kWhat, name, "must not start with '/'");
  for (char c : name) {
    if (c == ':') return Bad(kWhat, name, "must not contain ':'");
    if (IsSpaceOrControl(c)) return Bad(kWhat, name, "must not contain whitespace");
  }
  return base::Ok();
}

}  // namespace nest::core
