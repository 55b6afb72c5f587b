#include "daemon/http/request.h"

#include <strings.h>

#include "base/strings.h"

namespace nest::daemon::http {

std::string Request::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() && ::strncasecmp(k.data(), name.data(), k.size()) == 0) return v;
  }
  return "";
}

std::string Request::Query(const std::string& key, std::string fallback) const {
  auto it = query.find(key);
  return it == query.end() ? std::move(fallback) : it->second;
}

namespace {

bool ContainsTokenCi(std::string_view value, std::string_view token) {
  for (const auto& part : base::Split(value, ',')) {
    std::string_view t = base::Trim(part);
    if (t.size() == token.size() && ::strncasecmp(t.data(), token.data(), t.size()) == 0) {
      return true;
    }
  }
  return false;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool Request::IsWebSocketUpgrade() const {
  return ContainsTokenCi(Header("Connection"), "upgrade") &&
         ContainsTokenCi(Header("Upgrade"), "websocket");
}

base::Result<nlohmann::json> ParseJsonBody(const Request& request) {
  if (base::Trim(request.body).empty()) return base::Error::Invalid("unexpected EOF");
  try {
    return nlohmann::json::parse(request.body);
  } catch (const nlohmann::json::parse_error& e) {
    // A truncated document is what Go reports as "unexpected EOF".
    if (e.byte >= request.body.size()) return base::Error::Invalid("unexpected EOF");
    return base::Error::Invalid("invalid JSON body at byte " + std::to_string(e.byte) + ": " +
                                e.what());
  }
}

std::string UrlDecode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%' && i + 2 < s.size()) {
      int hi = HexValue(s[i + 1]);
      int lo = HexValue(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_is_space && c == '+' ? ' ' : c);
  }
  return out;
}

std::string UrlEncode(std::string_view s) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace nest::daemon::http
