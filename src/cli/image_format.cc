#include "cli/image_format.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <sstream>

#include "cli/format.h"

namespace nest::cli {
namespace {

using nlohmann::json;

bool Flag(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_boolean() && it->get<bool>();
}

int64_t Size(const json& j) {
  auto it = j.find("size");
  return it != j.end() && it->is_number() ? it->get<int64_t>() : 0;
}

std::string MiB(int64_t bytes) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.2fMiB", static_cast<double>(bytes) / 1024.0 / 1024.0);
  return buf;
}

// Seconds since the epoch, or -1 for unset, unparsable, or the zero times
// (Go's year 1 and LXD 5.0's 1970-01-01 for "never").
time_t ParseTime(std::string_view rfc3339) {
  std::string s(rfc3339);
  std::tm tm{};
  const char* rest = ::strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (!rest || tm.tm_year + 1900 <= 1970) return -1;
  return ::timegm(&tm);
}

std::string FormatUtc(time_t t, const char* layout) {
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof(buf), layout, &tm);
  return buf;
}

std::vector<std::string> AliasNames(const json& image) {
  std::vector<std::string> out;
  if (auto it = image.find("aliases"); it != image.end() && it->is_array()) {
    for (const auto& a : *it) {
      if (a.is_object()) out.push_back(StringAt(a, "name"));
    }
  }
  return out;
}

}  // namespace

std::string ImageTimestamp(std::string_view rfc3339) {
  time_t t = ParseTime(rfc3339);
  return t < 0 ? "" : FormatUtc(t, "%Y/%m/%d %H:%M UTC");
}

Row ImageListHeader() {
  return {"ALIAS",        "FINGERPRINT", "PUBLIC", "DESCRIPTION",
          "ARCHITECTURE", "TYPE",        "SIZE",   "UPLOAD DATE"};
}

Row ImageListRow(const json& image) {
  std::vector<std::string> aliases = AliasNames(image);
  std::string alias;
  for (const auto& a : aliases) {
    if (alias.empty() || (!a.empty() && a.size() < alias.size())) alias = a;
  }
  if (aliases.size() > 1) alias += " (" + std::to_string(aliases.size() - 1) + " more)";
  std::string description;
  if (auto p = image.find("properties"); p != image.end() && p->is_object()) {
    description = StringAt(*p, "description");
  }
  std::string type = Upper(StringAt(image, "type"));
  if (type.empty()) type = "CONTAINER";
  std::string uploaded;
  if (time_t t = ParseTime(StringAt(image, "uploaded_at")); t >= 0) {
    // Go's "Jan 2, 2006 at 3:04pm (MST)": no leading zeros on day and hour.
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char buf[64];
    int hour12 = tm.tm_hour % 12 == 0 ? 12 : tm.tm_hour % 12;
    char mon[8];
    std::strftime(mon, sizeof(mon), "%b", &tm);
    std::snprintf(buf, sizeof(buf), "%s %d, %d at %d:%02d%s (UTC)", mon, tm.tm_mday,
                  tm.tm_year + 1900, hour12, tm.tm_min, tm.tm_hour < 12 ? "am" : "pm");
    uploaded = buf;
  }
  return {alias,
          StringAt(image, "fingerprint").substr(0, 12),
          Flag(image, "public") ? "yes" : "no",
          description,
          StringAt(image, "architecture"),
          type,
          MiB(Size(image)),
          uploaded};
}

base::Result<std::string> RenderImageList(const json& images, const std::string& format) {
  if (!images.is_array()) return base::Error::Internal("image list is not an array");
  if (format == "json") return images.dump() + "\n";
  if (format == "yaml") return ToYaml(images);
  if (format != "table" && format != "csv") {
    return base::Error::Invalid("invalid format \"" + format + "\" (table, csv, json, yaml)");
  }
  std::vector<Row> rows;
  for (const json& img : images) {
    if (img.is_object()) rows.push_back(ImageListRow(img));
  }
  std::sort(rows.begin(), rows.end(),
            [](const Row& a, const Row& b) { return a[0] != b[0] ? a[0] < b[0] : a[1] < b[1]; });
  return format == "csv" ? RenderCsv(rows) : RenderTable(ImageListHeader(), rows);
}

std::string RenderImageInfo(const json& image) {
  std::ostringstream out;
  out << "Fingerprint: " << StringAt(image, "fingerprint") << "\n";
  out << "Size: " << MiB(Size(image)) << "\n";
  out << "Architecture: " << StringAt(image, "architecture") << "\n";
  std::string type = StringAt(image, "type");
  out << "Type: " << (type.empty() ? "container" : type) << "\n";
  out << "Public: " << (Flag(image, "public") ? "yes" : "no") << "\n";
  out << "Timestamps:\n";
  if (std::string c = ImageTimestamp(StringAt(image, "created_at")); !c.empty()) {
    out << "    Created: " << c << "\n";
  }
  std::string up = ImageTimestamp(StringAt(image, "uploaded_at"));
  out << "    Uploaded: " << up << "\n";
  std::string exp = ImageTimestamp(StringAt(image, "expires_at"));
  out << "    Expires: " << (exp.empty() ? "never" : exp) << "\n";
  std::string used = ImageTimestamp(StringAt(image, "last_used_at"));
  out << "    Last used: " << (used.empty() ? "never" : used) << "\n";
  out << "Properties:\n";
  if (auto p = image.find("properties"); p != image.end() && p->is_object()) {
    for (auto it = p->begin(); it != p->end(); ++it) {
      out << "    " << it.key() << ": " << (it->is_string() ? it->get<std::string>() : it->dump())
          << "\n";
    }
  }
  out << "Aliases:\n";
  if (auto a = image.find("aliases"); a != image.end() && a->is_array()) {
    for (const auto& alias : *a) {
      std::string d = StringAt(alias, "description");
      out << "    - " << StringAt(alias, "name") << (d.empty() ? "" : " (" + d + ")") << "\n";
    }
  }
  out << "Cached: " << (Flag(image, "cached") ? "yes" : "no") << "\n";
  out << "Auto update: " << (Flag(image, "auto_update") ? "enabled" : "disabled") << "\n";
  if (Flag(image, "cached")) {
    std::string expires = ImageTimestamp(StringAt(image, "cache_expires_at"));
    out << "Cache expires: "
        << (expires.empty() ? "never (images.remote_cache_expiry is 0)"
                            : expires + " unless used (images.remote_cache_expiry)")
        << "\n";
  }
  if (auto s = image.find("update_source"); s != image.end() && s->is_object()) {
    out << "Source:\n";
    out << "    Server: " << StringAt(*s, "server") << "\n";
    out << "    Protocol: " << StringAt(*s, "protocol") << "\n";
    out << "    Alias: " << StringAt(*s, "alias") << "\n";
    std::string checked = ImageTimestamp(StringAt(image, "last_checked_at"));
    out << "    Last checked: " << (checked.empty() ? "never" : checked) << "\n";
    if (Flag(image, "auto_update") && StringAt(*s, "protocol") != "builtin") {
      std::string next = ImageTimestamp(StringAt(image, "next_update_check_at"));
      out << "    Next check: "
          << (next.empty() ? "never (images.auto_update_interval is 0)" : next) << "\n";
    }
  }
  if (auto u = image.find("used_by"); u != image.end() && u->is_array() && !u->empty()) {
    out << "Used by:\n";
    for (const auto& user : *u) {
      std::string url = user.is_string() ? user.get<std::string>() : user.dump();
      out << "    - " << url.substr(url.rfind('/') + 1) << "\n";
    }
  }
  auto profiles = image.find("profiles");
  if (profiles == image.end() || !profiles->is_array() || profiles->empty()) {
    out << "Profiles: []\n";
  } else {
    out << "Profiles:\n";
    for (const auto& p : *profiles) {
      out << "    - " << (p.is_string() ? p.get<std::string>() : p.dump()) << "\n";
    }
  }
  return out.str();
}

nlohmann::ordered_json ImageWritable(const json& image) {
  nlohmann::ordered_json out;
  for (const char* key : {"auto_update", "properties", "public", "expires_at", "profiles"}) {
    if (image.contains(key)) out[key] = nlohmann::ordered_json::parse(image[key].dump());
  }
  return out;
}

}  // namespace nest::cli
