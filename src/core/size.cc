#include "core/size.h"

#include <string>
#include <utility>

#include "base/strings.h"

namespace nest::core {

base::Result<int64_t> ParseByteSize(std::string_view text) {
  static constexpr std::pair<std::string_view, int64_t> kSuffixes[] = {
      {"KiB", int64_t{1} << 10},
      {"MiB", int64_t{1} << 20},
      {"GiB", int64_t{1} << 30},
      {"TiB", int64_t{1} << 40},
      {"PiB", int64_t{1} << 50},
      {"KB", 1'000},
      {"MB", 1'000'000},
      {"GB", 1'000'000'000},
      {"TB", 1'000'000'000'000},
      {"PB", 1'000'000'000'000'000},
      {"B", 1},
  };
  std::string_view number = text;
  int64_t multiplier = 1;
  for (const auto& [suffix, mult] : kSuffixes) {
    if (base::EndsWith(text, suffix)) {
      number = text.substr(0, text.size() - suffix.size());
      multiplier = mult;
      break;
    }
  }
  long long n = 0;
  bool digits_only = !number.empty() && number.find_first_not_of("0123456789") == number.npos;
  if (!digits_only || !base::ParseInt64(number, &n)) {
    return base::Error::Invalid("invalid size \"" + std::string(text) +
                                "\": expected a whole number of bytes, optionally with a suffix "
                                "such as KiB, MiB, GiB, KB, MB or GB");
  }
  if (n > INT64_MAX / multiplier) {
    return base::Error::Invalid("invalid size \"" + std::string(text) + "\": too large");
  }
  return static_cast<int64_t>(n) * multiplier;
}

}  // namespace nest::core
