// Base64 (RFC 4648, standard alphabet with padding), as Go's base64.StdEncoding.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace nest::core {

std::string Base64Encode(std::string_view data);
// Whitespace (newlines of wrapped PEM bodies) is skipped. Errors: kInvalid for
// any other character outside the alphabet or a length that is not a multiple of 4.
base::Result<std::string> Base64Decode(std::string_view text);

}  // namespace nest::core
