#include "core/template.h"

#include "base/strings.h"

namespace nest::core {
namespace {

// A "quoted" or 'quoted' literal, without its quotes; false if `s` is not one.
bool Literal(std::string_view s, std::string* out) {
  if (s.size() < 2 || (s.front() != '"' && s.front() != '\'') || s.back() != s.front())
    return false;
  *out = std::string(s.substr(1, s.size() - 2));
  return true;
}

base::Result<std::string> Evaluate(std::string_view expr, const TemplateContext& ctx) {
  std::string_view e = base::Trim(expr);
  std::string fallback;
  bool has_default = false;
  if (size_t bar = e.find('|'); bar != std::string_view::npos) {
    std::string_view filter = base::Trim(e.substr(bar + 1));
    if (!base::StartsWith(filter, "default:") ||
        !Literal(base::Trim(filter.substr(8)), &fallback)) {
      return base::Error::Invalid("unsupported template filter \"" + std::string(filter) + "\"");
    }
    has_default = true;
    e = base::Trim(e.substr(0, bar));
  }
  std::string value;
  for (const char* prefix : {"container.", "instance."}) {
    if (!base::StartsWith(e, prefix)) continue;
    std::string_view field = e.substr(std::string_view(prefix).size());
    if (field == "name")
      value = ctx.name;
    else if (field == "architecture")
      value = ctx.architecture;
    else if (field == "privileged")
      value = ctx.privileged ? "true" : "false";
    else if (field == "ephemeral")
      value = ctx.ephemeral ? "true" : "false";
    else
      return base::Error::Invalid("unknown template value \"" + std::string(e) + "\"");
    return value.empty() && has_default ? fallback : value;
  }
  if (base::StartsWith(e, "properties.")) {
    auto it = ctx.properties.find(std::string(e.substr(11)));
    value = it == ctx.properties.end() ? "" : it->second;
  } else if (e == "trigger") {
    value = ctx.trigger;
  } else if (base::StartsWith(e, "config_get(") && base::EndsWith(e, ")")) {
    auto args = base::Split(e.substr(11, e.size() - 12), ',');
    std::string key, def;
    if (args.empty() || args.size() > 2 || !Literal(base::Trim(args[0]), &key) ||
        (args.size() == 2 && !Literal(base::Trim(args[1]), &def))) {
      return base::Error::Invalid("config_get takes (\"key\"[, \"default\"]): " + std::string(e));
    }
    auto it = ctx.config.find(key);
    value = it == ctx.config.end() || it->second.empty() ? def : it->second;
  } else {
    return base::Error::Invalid("unknown template value \"" + std::string(e) + "\"");
  }
  return value.empty() && has_default ? fallback : value;
}

}  // namespace

base::Result<std::string> RenderTemplate(std::string_view text, const TemplateContext& ctx) {
  std::string out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t open = text.find('{', pos);
    if (open == std::string_view::npos || open + 1 >= text.size()) {
      out.append(text.substr(pos));
      break;
    }
    char kind = text[open + 1];
    if (kind != '{' && kind != '%') {
      out.append(text.substr(pos, open + 1 - pos));
      pos = open + 1;
      continue;
    }
    out.append(text.substr(pos, open - pos));
    if (kind == '%') {
      return base::Error::Invalid("template tags ({% … %}) are not supported yet");
    }
    size_t close = text.find("}}", open + 2);
    if (close == std::string_view::npos) {
      return base::Error::Invalid("unterminated {{ in template");
    }
    out += TRY(Evaluate(text.substr(open + 2, close - open - 2), ctx));
    pos = close + 2;
  }
  return out;
}

}  // namespace nest::core
