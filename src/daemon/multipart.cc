#include "daemon/multipart.h"

#include <openssl/rand.h>
#include <strings.h>

#include <cctype>
#include <cstdlib>

#include "base/strings.h"
#include "core/http_header.h"

namespace nest::daemon {
base::Result<std::vector<MultipartPart>> ParseMultipart(std::string_view body,
                                                        std::string_view boundary) {
  if (boundary.empty()) return base::Error::Invalid("multipart body: no boundary");
  const std::string dash = "--" + std::string(boundary);
  const std::string delimiter = "\r\n" + dash;
  size_t pos;
  if (base::StartsWith(body, dash)) {
    pos = dash.size();
  } else {
    size_t first = body.find(delimiter);
    if (first == std::string_view::npos) {
      return base::Error::Invalid("multipart body: opening boundary not found");
    }
    pos = first + delimiter.size();
  }
  std::vector<MultipartPart> parts;
  for (;;) {
    if (body.substr(pos, 2) == "--") return parts;  // closing boundary
    size_t eol = body.find("\r\n", pos);
    if (eol == std::string_view::npos) {
      return base::Error::Invalid("multipart body: ends before the closing boundary");
    }
    size_t headers_end = body.find("\r\n\r\n", eol);
    if (headers_end == std::string_view::npos) {
      return base::Error::Invalid("multipart body: part headers do not end");
    }
    MultipartPart part;
    std::string_view headers = body.substr(eol + 2, headers_end - eol - 2);
    if (eol + 2 > headers_end) headers = {};
    for (const std::string& line : base::Split(headers, '\n')) {
      std::string_view l = line;
      if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
      size_t colon = l.find(':');
      if (colon == std::string_view::npos) continue;
      if (std::string_view name = base::Trim(l.substr(0, colon));
          name.size() == 19 && ::strncasecmp(name.data(), "content-disposition", 19) == 0) {
        part.name = core::HeaderParameter(l.substr(colon + 1), "name");
        part.filename = core::HeaderParameter(l.substr(colon + 1), "filename");
      }
    }
    size_t data_start = headers_end + 4;
    size_t next = body.find(delimiter, data_start);
    if (next == std::string_view::npos) {
      return base::Error::Invalid("multipart body: part \"" + part.name +
                                  "\" ends before the closing boundary");
    }
    part.data = body.substr(data_start, next - data_start);
    parts.push_back(std::move(part));
    pos = next + delimiter.size();
  }
}

std::string NewMultipartBoundary() {
  unsigned char raw[30];
  if (RAND_bytes(raw, sizeof(raw)) != 1) {
    for (auto& c : raw) c = static_cast<unsigned char>(std::rand());
  }
  return base::HexEncode(raw, sizeof raw);
}

std::string MultipartPartHeader(std::string_view boundary, std::string_view name,
                                std::string_view filename, bool first) {
  std::string out = first ? "" : "\r\n";
  out += "--" + std::string(boundary) + "\r\n";
  out += "Content-Disposition: form-data; name=\"" + std::string(name) + "\"; filename=\"" +
         std::string(filename) + "\"\r\n";
  out += "Content-Type: application/octet-stream\r\n\r\n";
  return out;
}

std::string MultipartTrailer(std::string_view boundary) {
  return "\r\n--" + std::string(boundary) + "--\r\n";
}

}  // namespace nest::daemon
