// Reading debootstrap's machine-readable progress (--debian-installer mode, fd 3):
//   "P: <now> <end> [<NAME>]" then "PA: <arg>"... "PF: <format>"   progress
//   "I: <NAME>" / "W: …" / "E: …", then "IA:"/"WA:"/"EA:" args, "IF:"/"WF:"/"EF:"
// Formats are printf-like with %s only. Pure: fed line by line.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace nest::core {

class DebootstrapProgress {
 public:
  // Feeds one line (without newline). Returns true when Summary() changed.
  bool Feed(std::string_view line);

  // "Downloading packages 45% (Retrieving dbus 1.14.10-1~deb12u1)": the current
  // stage with its percentage and the last information message; "" before any.
  std::string Summary() const;
  // The last error message (E:/EF:), "" if none.
  const std::string& last_error() const { return last_error_; }
  // The last info or warning message, formatted.
  const std::string& last_info() const { return last_info_; }

 private:
  std::string stage_;  // formatted PF text
  long long now_ = 0;  // progress within the stage
  long long end_ = 0;
  char pending_ = 0;  // 'P', 'I', 'W' or 'E' while its arguments arrive
  std::vector<std::string> args_;
  std::string last_info_;
  std::string last_error_;
};

// printf-style "%s" substitution, in order; "%%" is '%'. Missing arguments
// become "".
std::string FormatDebootstrapMessage(std::string_view fmt, const std::vector<std::string>& args);

}  // namespace nest::core
