// Parameters of HTTP header values, as multipart uploads and downloads use them.
#pragma once

#include <string>
#include <string_view>

namespace nest::core {

// The value of parameter `key` (case-insensitive) in a header value such as
// `form-data; name="rootfs"; filename="x y"`; quotes and backslash escapes are
// removed. "" when absent.
std::string HeaderParameter(std::string_view header_value, std::string_view key);

// The boundary of a `multipart/form-data; boundary=...` Content-Type; "" when the
// type is not multipart/form-data or names no boundary.
std::string MultipartBoundary(std::string_view content_type);

}  // namespace nest::core
