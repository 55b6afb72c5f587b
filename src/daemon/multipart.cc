#include "daemon/multipart.h"

#include <openssl/rand.h>

#include <cctype>
#include <cstdlib>

#include "base/strings.h"

namespace nest::daemon {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The value of parameter `key` in `type; key=value; key2="quoted"`, "" if absent.
std::string HeaderParam(std::string_view header, std::string_view key) {
  size_t pos = header.find(';');
  while (pos != std::string_view::npos) {
    std::string_view rest = header.substr(pos + 1);
    size_t end = 0;
    bool quoted = false;
    while (end < rest.size() && (quoted || rest[end] != ';')) {
      if (rest[end] == '"') quoted = !quoted;
      ++end;
    }
    std::string_view param = Trim(rest.substr(0, end));
    size_t eq = param.find('=');
    if (eq != std::string_view::npos && Lower(Trim(param.substr(0, eq))) == Lower(key)) {
      std::string_view v = Trim(param.substr(eq + 1));
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"') {
        std::string out;
        for (size_t i = 1; i + 1 < v.size(); ++i) {
          if (v[i] == '\\' && i + 2 < v.size()) ++i;
          out += v[i];
        }
        return out;
      }
      return std::string(v);
    }
    pos = end < rest.size() ? pos + 1 + end : std::string_view::npos;
  }
  return "";
}

}  // namespace

std::string MultipartBoundary(std::string_view content_type) {
  std::string_view type = Trim(content_type.substr(0, content_type.find(';')));
  if (Lower(type) != "multipart/form-data") return "";
  return HeaderParam(content_type, "boundary");
}

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
      if (Lower(Trim(l.substr(0, colon))) == "content-disposition") {
        part.name = HeaderParam(l.substr(colon + 1), "name");
        part.filename = HeaderParam(l.substr(colon + 1), "filename");
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
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : raw) out += {kHex[c >> 4], kHex[c & 15]};
  return out;
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
