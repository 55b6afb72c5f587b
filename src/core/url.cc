#include "core/url.h"

#include <algorithm>
#include <cctype>

namespace nest::core {

std::string Url::Origin() const {
  if (scheme == "unix") return "unix://" + path;
  bool v6 = host.find(':') != std::string::npos;
  return scheme + "://" + (v6 ? "[" + host + "]" : host) + ":" + port;
}

base::Result<Url> ParseUrl(std::string_view text) {
  std::string t(text);
  auto bad = [&](const std::string& why) {
    return base::Error::Invalid("invalid URL \"" + t + "\": " + why);
  };
  Url u;
  size_t colon = t.find(':');
  if (colon == std::string::npos) return bad("no scheme (use http://, https:// or unix://)");
  u.scheme = t.substr(0, colon);
  std::transform(u.scheme.begin(), u.scheme.end(), u.scheme.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  std::string rest = t.substr(colon + 1);
  if (u.scheme == "unix") {
    if (rest.rfind("//", 0) == 0) rest = rest.substr(2);
    if (rest.empty() || rest[0] != '/') return bad("a unix URL needs an absolute socket path");
    u.path = rest;
    return u;
  }
  if (u.scheme != "http" && u.scheme != "https") {
    return bad("unsupported scheme \"" + u.scheme + "\" (use http://, https:// or unix://)");
  }
  if (rest.rfind("//", 0) != 0) return bad("expected \"" + u.scheme + "://\"");
  rest = rest.substr(2);
  size_t slash = rest.find_first_of("/?#");
  std::string authority = rest.substr(0, slash);
  u.path = slash == std::string::npos ? "/" : rest.substr(slash);
  if (size_t hash = u.path.find('#'); hash != std::string::npos) u.path.resize(hash);
  if (u.path.empty() || u.path[0] != '/') u.path = "/" + u.path;
  if (authority.find('@') != std::string::npos) return bad("credentials in URLs are not supported");
  std::string port;
  if (!authority.empty() && authority[0] == '[') {
    size_t close = authority.find(']');
    if (close == std::string::npos) return bad("unterminated [IPv6] host");
    u.host = authority.substr(1, close - 1);
    std::string after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return bad("junk after the [IPv6] host");
      port = after.substr(1);
    }
  } else {
    size_t pc = authority.rfind(':');
    u.host = authority.substr(0, pc);
    if (pc != std::string::npos) port = authority.substr(pc + 1);
  }
  if (u.host.empty()) return bad("no host");
  for (char c : u.host) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != ':' &&
        c != '_') {
      return bad("bad character in the host");
    }
  }
  u.port_given = !port.empty();
  if (port.empty()) port = u.scheme == "https" ? "443" : "80";
  if (port.size() > 5 || !std::all_of(port.begin(), port.end(), ::isdigit) ||
      std::stoi(port) == 0 || std::stoi(port) > 65535) {
    return bad("bad port \"" + port + "\"");
  }
  u.port = port;
  return u;
}

std::string JoinUrl(std::string_view base, std::string_view relative) {
  std::string out(base);
  if (out.empty() || out.back() != '/') out += '/';
  while (!relative.empty() && relative.front() == '/') relative.remove_prefix(1);
  return out + std::string(relative);
}

std::string PathEscape(std::string_view segment) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : segment) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += {'%', kHex[c >> 4], kHex[c & 15]};
    }
  }
  return out;
}

}  // namespace nest::core
