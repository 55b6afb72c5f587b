// multipart/form-data bodies as LXD's image upload and export use them: parts
// named "metadata" then "rootfs" (or "rootfs.img"), each with a filename.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace nest::daemon {

struct MultipartPart {
  std::string name;       // Content-Disposition name="..."
  std::string filename;   // Content-Disposition filename="..." ("" if absent)
  std::string_view data;  // points into the parsed body
};

// Splits `body` (which must outlive the result) into its parts, in order.
// Errors (kInvalid): no opening boundary, a part without a blank line after its
// headers, or a body that ends before the closing boundary.
base::Result<std::vector<MultipartPart>> ParseMultipart(std::string_view body,
                                                        std::string_view boundary);

// A fresh random boundary (60 hex digits, as Go's multipart.Writer makes).
std::string NewMultipartBoundary();

// The framing before a part's data: boundary line (preceded by CRLF unless
// `first`), Content-Disposition and Content-Type lines, blank line.
std::string MultipartPartHeader(std::string_view boundary, std::string_view name,
                                std::string_view filename, bool first);
// The closing "\r\n--boundary--\r\n".
std::string MultipartTrailer(std::string_view boundary);

}  // namespace nest::daemon
