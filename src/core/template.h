// Image templates (metadata.yaml "templates"), rendered as LXD renders them with
// pongo2, for the subset images use: {{ expression }} with
//   container.name / instance.name, .architecture, .privileged, .ephemeral,
//   config_get("key", "default"), properties.<key>, trigger,
// and an optional |default:"text" filter. Tags ({% … %}) are refused.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "base/result.h"

namespace nest::core {

struct TemplateContext {
  std::string name;
  std::string architecture;
  bool privileged = false;
  bool ephemeral = false;
  std::string trigger;                            // "create", "copy", "start"
  std::map<std::string, std::string> config;      // expanded instance config
  std::map<std::string, std::string> properties;  // the template's properties
};

// An undefined value renders empty (as pongo2 does). Errors (kInvalid): an
// unterminated {{, a {% tag %}, an expression that is not one of the above.
base::Result<std::string> RenderTemplate(std::string_view text, const TemplateContext& ctx);

}  // namespace nest::core
