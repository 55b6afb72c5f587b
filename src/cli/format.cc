#include "cli/format.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <sstream>

#include "base/strings.h"

namespace nest::cli {
namespace {

using nlohmann::json;

std::string Pad(const std::string& s, size_t width, bool center) {
  size_t pad = width > s.size() ? width - s.size() : 0;
  if (!center) return s + std::string(pad, ' ');
  size_t left = pad / 2;
  return std::string(left, ' ') + s + std::string(pad - left, ' ');
}

std::string Separator(const std::vector<size_t>& widths) {
  std::string line = "+";
  for (size_t w : widths) line += std::string(w + 2, '-') + "+";
  return line + "\n";
}

void AppendRow(std::string* out, const Row& row, const std::vector<size_t>& widths, bool center) {
  std::vector<std::vector<std::string>> lines;
  size_t height = 1;
  for (size_t i = 0; i < widths.size(); ++i) {
    lines.push_back(base::Split(i < row.size() ? row[i] : "", '\n'));
    height = std::max(height, lines.back().size());
  }
  for (size_t l = 0; l < height; ++l) {
    *out += "|";
    for (size_t i = 0; i < widths.size(); ++i) {
      std::string cell = l < lines[i].size() ? lines[i][l] : "";
      *out += " " + Pad(cell, widths[i], center) + " |";
    }
    *out += "\n";
  }
}

bool LooksLikeNumber(const std::string& s) {
  if (s.empty()) return false;
  char* end = nullptr;
  std::strtod(s.c_str(), &end);
  if (end && *end == '\0') return true;
  long long v;
  return base::ParseInt64(s, &v);
}

bool NeedsQuotes(const std::string& s) {
  if (s.empty() || LooksLikeNumber(s)) return true;
  std::string lower = s;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  static const char* kWords[] = {"true", "false", "yes", "no", "on", "off", "null", "~", "y", "n"};
  for (const char* w : kWords) {
    if (lower == w) return true;
  }
  return false;
}

template <typename J>
void Emit(YAML::Emitter& out, const J& v) {
  if (v.is_object()) {
    if (v.empty()) {
      out << YAML::Flow << YAML::BeginMap << YAML::EndMap;
      return;
    }
    out << YAML::BeginMap;
    for (auto it = v.begin(); it != v.end(); ++it) {
      out << YAML::Key << it.key() << YAML::Value;
      Emit(out, it.value());
    }
    out << YAML::EndMap;
  } else if (v.is_array()) {
    if (v.empty()) {
      out << YAML::Flow << YAML::BeginSeq << YAML::EndSeq;
      return;
    }
    out << YAML::BeginSeq;
    for (const auto& e : v) Emit(out, e);
    out << YAML::EndSeq;
  } else if (v.is_string()) {
    const std::string& s = v.template get_ref<const std::string&>();
    if (NeedsQuotes(s)) {
      out << YAML::DoubleQuoted << s;
    } else {
      out << s;
    }
  } else if (v.is_boolean()) {
    out << (v.template get<bool>() ? "true" : "false");
  } else if (v.is_null()) {
    out << "null";
  } else {
    out << v.dump();
  }
}

template <typename J>
std::string ToYamlImpl(const J& value) {
  YAML::Emitter out;
  out.SetIndent(2);
  out.SetMapFormat(YAML::Block);
  out.SetSeqFormat(YAML::Block);
  Emit(out, value);
  std::string s = out.c_str();
  if (s.empty() || s.back() != '\n') s += "\n";
  return s;
}

int64_t Int(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_number() ? it->get<int64_t>() : 0;
}

std::string Addresses(const json& state, const std::string& family) {
  std::vector<std::string> out;
  auto net = state.find("network");
  if (net == state.end() || !net->is_object()) return "";
  for (auto it = net->begin(); it != net->end(); ++it) {
    if (it.key() == "lo" || !it->is_object()) continue;
    auto addrs = it->find("addresses");
    if (addrs == it->end() || !addrs->is_array()) continue;
    for (const json& a : *addrs) {
      if (!a.is_object() || StringAt(a, "family") != family) continue;
      if (StringAt(a, "scope") != "global") continue;
      out.push_back(StringAt(a, "address") + " (" + it.key() + ")");
    }
  }
  std::sort(out.rbegin(), out.rend());
  return base::Join(out, "\n");
}

}  // namespace

std::string StringAt(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : "";
}

std::string Upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
  return s;
}

std::string RenderTable(const Row& header, const std::vector<Row>& rows) {
  std::vector<size_t> widths(header.size(), 0);
  auto measure = [&](const Row& row) {
    for (size_t i = 0; i < widths.size() && i < row.size(); ++i) {
      for (const std::string& line : base::Split(row[i], '\n')) {
        widths[i] = std::max(widths[i], line.size());
      }
    }
  };
  measure(header);
  for (const Row& r : rows) measure(r);
  std::string sep = Separator(widths);
  std::string out = sep;
  AppendRow(&out, header, widths, /*center=*/true);
  out += sep;
  for (const Row& r : rows) {
    AppendRow(&out, r, widths, /*center=*/false);
    out += sep;
  }
  return out;
}

std::string RenderCsv(const std::vector<Row>& rows) {
  std::string out;
  for (const Row& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) {
      if (i) out += ",";
      const std::string& f = row[i];
      bool quote = f.find_first_of(",\"\r\n") != std::string::npos || (!f.empty() && f[0] == ' ');
      if (!quote) {
        out += f;
        continue;
      }
      out += "\"";
      for (char c : f) {
        if (c == '"') out += "\"";
        out += c;
      }
      out += "\"";
    }
    out += "\n";
  }
  return out;
}

std::string ToYaml(const nlohmann::json& value) { return ToYamlImpl(value); }
std::string ToYaml(const nlohmann::ordered_json& value) { return ToYamlImpl(value); }

std::string HumanBytes(int64_t bytes) {
  if (bytes < 1024) return std::to_string(bytes) + "B";
  static const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double v = static_cast<double>(bytes);
  size_t unit = 0;
  v /= 1024;
  while (v >= 1024 && unit + 1 < std::size(kUnits)) {
    v /= 1024;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.2f%s", v, kUnits[unit]);
  return buf;
}

std::string FormatTimestamp(std::string_view rfc3339) {
  std::string s(rfc3339);
  std::tm tm{};
  const char* rest = ::strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (!rest || tm.tm_year + 1900 <= 1) return "";
  time_t t = ::timegm(&tm);
  while (*rest == '.' || std::isdigit(static_cast<unsigned char>(*rest))) ++rest;
  if ((*rest == '+' || *rest == '-') && std::strlen(rest) >= 6) {
    int sign = *rest == '+' ? 1 : -1;
    int hh = std::atoi(std::string(rest + 1, 2).c_str());
    int mm = std::atoi(std::string(rest + 4, 2).c_str());
    t -= sign * (hh * 3600 + mm * 60);
  }
  std::tm local{};
  ::localtime_r(&t, &local);
  char buf[64];
  std::strftime(buf, sizeof(buf), "%Y/%m/%d %H:%M %Z", &local);
  return buf;
}

Row ListHeader() { return {"NAME", "STATE", "IPV4", "IPV6", "TYPE", "SNAPSHOTS"}; }

Row ListRow(const json& inst) {
  json state = inst.contains("state") && inst["state"].is_object() ? inst["state"] : json::object();
  std::string type = Upper(StringAt(inst, "type"));
  if (type.empty()) type = "CONTAINER";
  if (inst.value("ephemeral", false)) type += " (EPHEMERAL)";
  size_t snapshots = 0;
  if (auto it = inst.find("snapshots"); it != inst.end() && it->is_array()) snapshots = it->size();
  return {StringAt(inst, "name"),
          Upper(StringAt(inst, "status")),
          Addresses(state, "inet"),
          Addresses(state, "inet6"),
          type,
          std::to_string(snapshots)};
}

std::string RenderInfo(const json& inst) {
  std::ostringstream out;
  json state = inst.contains("state") && inst["state"].is_object() ? inst["state"] : json::object();
  out << "Name: " << StringAt(inst, "name") << "\n";
  out << "Status: " << Upper(StringAt(inst, "status")) << "\n";
  std::string type = StringAt(inst, "type");
  if (type.empty()) type = "container";
  if (inst.value("ephemeral", false)) type += " (ephemeral)";
  out << "Type: " << type << "\n";
  out << "Architecture: " << StringAt(inst, "architecture") << "\n";
  if (int64_t pid = Int(state, "pid"); pid > 0) out << "PID: " << pid << "\n";
  if (std::string c = FormatTimestamp(StringAt(inst, "created_at")); !c.empty()) {
    out << "Created: " << c << "\n";
  }
  if (std::string l = FormatTimestamp(StringAt(inst, "last_used_at")); !l.empty()) {
    out << "Last Used: " << l << "\n";
  }
  if (StringAt(state, "status") == "Running" || Int(state, "processes") > 0) {
    out << "\nResources:\n";
    out << "  Processes: " << Int(state, "processes") << "\n";
    if (auto cpu = state.find("cpu"); cpu != state.end() && cpu->is_object()) {
      out << "  CPU usage:\n";
      out << "    CPU usage (in seconds): " << Int(*cpu, "usage") / 1000000000 << "\n";
    }
    if (auto mem = state.find("memory"); mem != state.end() && mem->is_object()) {
      out << "  Memory usage:\n";
      out << "    Memory (current): " << HumanBytes(Int(*mem, "usage")) << "\n";
      if (int64_t peak = Int(*mem, "usage_peak"); peak > 0) {
        out << "    Memory (peak): " << HumanBytes(peak) << "\n";
      }
    }
  }
  return out.str();
}

}  // namespace nest::cli
