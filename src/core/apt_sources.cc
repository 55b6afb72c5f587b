#include "core/apt_sources.h"

#include <algorithm>
#include <cctype>

#include "base/strings.h"

namespace nest::core {
namespace {

std::vector<std::string> Words(std::string_view s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == ' ' || c == '\t') {
      if (!cur.empty()) out.push_back(std::move(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Schemes debootstrap can fetch from (no apt methods such as mirror+file: or cdrom:).
bool FetchableUri(const std::string& uri) {
  return base::StartsWith(uri, "http://") || base::StartsWith(uri, "https://") ||
         base::StartsWith(uri, "file:/");
}

bool Contains(const std::vector<std::string>& v, std::string_view x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

void Finish(AptSource* s, std::vector<AptSource>* out) {
  if (!s->types.empty() || !s->uris.empty()) out->push_back(std::move(*s));
  *s = AptSource{};
}

}  // namespace

std::vector<AptSource> ParseAptSourcesList(std::string_view text) {
  std::vector<AptSource> out;
  for (const auto& raw : base::Split(text, '\n')) {
    std::string line(raw.substr(0, raw.find('#')));
    std::vector<std::string> w = Words(line);
    if (w.size() < 3 || (w[0] != "deb" && w[0] != "deb-src")) continue;
    size_t i = 1;
    if (base::StartsWith(w[i], "[")) {
      while (i < w.size() && !base::EndsWith(w[i], "]")) ++i;
      ++i;
    }
    if (i + 1 >= w.size()) continue;
    AptSource s;
    s.types = {w[0]};
    s.uris = {w[i]};
    s.suites = {w[i + 1]};
    s.components.assign(w.begin() + static_cast<long>(i) + 2, w.end());
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<AptSource> ParseAptSourcesDeb822(std::string_view text) {
  std::vector<AptSource> out;
  AptSource cur;
  std::string field;
  for (const auto& line : base::Split(text, '\n')) {
    if (base::StartsWith(line, "#")) continue;
    if (base::Trim(line).empty()) {
      Finish(&cur, &out);
      field.clear();
      continue;
    }
    std::string value;
    if (line[0] == ' ' || line[0] == '\t') {
      value = line;  // continuation of `field`
    } else {
      size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      field = Lower(base::Trim(std::string_view(line).substr(0, colon)));
      value = line.substr(colon + 1);
    }
    std::vector<std::string> w = Words(value);
    if (field == "types") cur.types.insert(cur.types.end(), w.begin(), w.end());
    if (field == "uris") cur.uris.insert(cur.uris.end(), w.begin(), w.end());
    if (field == "suites") cur.suites.insert(cur.suites.end(), w.begin(), w.end());
    if (field == "components") cur.components.insert(cur.components.end(), w.begin(), w.end());
    if (field == "enabled" && !w.empty() && Lower(w[0]) == "no") cur.enabled = false;
  }
  Finish(&cur, &out);
  return out;
}

base::Result<std::string> ChooseDebianMirror(const std::vector<AptSource>& sources,
                                             std::string_view release,
                                             const std::vector<std::string>& known_codenames,
                                             std::string_view where) {
  auto find = [&](auto&& suite_fits) -> std::string {
    for (const auto& s : sources) {
      if (!s.enabled || !Contains(s.types, "deb") || s.uris.empty()) continue;
      if (!FetchableUri(s.uris.front())) continue;
      if (std::any_of(s.suites.begin(), s.suites.end(), suite_fits)) return s.uris.front();
    }
    return "";
  };
  std::string uri = find([&](const std::string& suite) { return suite == release; });
  if (uri.empty()) {
    uri = find([&](const std::string& suite) { return Contains(known_codenames, suite); });
  }
  if (uri.empty()) {
    return base::Error::NotFound("no Debian mirror in the apt sources (" + std::string(where) +
                                 "): need a \"deb\" source for a Debian suite such as " +
                                 std::string(release));
  }
  while (uri.size() > 1 && uri.back() == '/') uri.pop_back();
  return uri;
}

}  // namespace nest::core
