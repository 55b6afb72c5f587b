#include "core/image_metadata.h"

#include <yaml-cpp/yaml.h>

#include <initializer_list>

namespace nest::core {
namespace {

struct ArchNames {
  std::string_view kernel;
  std::initializer_list<std::string_view> aliases;
};

// LXD's shared/osarch/architectures.go.
const ArchNames kArchitectures[] = {
    {"i686", {"i386", "i586", "386", "x86", "generic_32"}},
    {"x86_64", {"amd64", "generic_64"}},
    {"armv6l", {"armel", "arm"}},
    {"armv7l", {"armhf", "armhfp", "armv7a", "armv7hl", "armv7hnl", "armv7nhl", "armv7"}},
    {"armv8l", {}},
    {"aarch64", {"arm64", "arm64/v8", "armv8"}},
    {"ppc", {"powerpc"}},
    {"ppc64", {"powerpc64"}},
    {"ppc64le", {"ppc64el"}},
    {"s390x", {}},
    {"mips", {"mipsel", "mipsle"}},
    {"mips64", {"mips64el", "mips64le"}},
    {"riscv32", {}},
    {"riscv64", {}},
    {"loongarch64", {}},
};

const std::pair<std::string_view, std::string_view> kDebianNames[] = {
    {"x86_64", "amd64"}, {"aarch64", "arm64"}, {"armv7l", "armhf"},
    {"armv6l", "armel"}, {"i686", "i386"},     {"ppc64le", "ppc64el"},
    {"ppc", "powerpc"},  {"mips", "mipsel"},   {"mips64", "mips64el"},
};

base::Error Shape(const std::string& field, const std::string& expected) {
  return base::Error::Invalid("metadata.yaml: \"" + field + "\" " + expected);
}

base::Result<std::map<std::string, std::string>> StringMap(const YAML::Node& node,
                                                           const std::string& field) {
  std::map<std::string, std::string> out;
  if (!node || node.IsNull()) return out;
  if (!node.IsMap()) return Shape(field, "must map names to strings");
  for (const auto& kv : node) {
    if (!kv.first.IsScalar() || !(kv.second.IsScalar() || kv.second.IsNull()))
      return Shape(field, "must map names to strings");
    out[kv.first.Scalar()] = kv.second.IsNull() ? "" : kv.second.Scalar();
  }
  return out;
}

base::Result<int64_t> Seconds(const YAML::Node& node, const std::string& field) {
  try {
    return node.as<int64_t>();
  } catch (const YAML::Exception&) {
    return Shape(field, "must be a whole number of unix seconds");
  }
}

base::Result<ImageTemplate> ParseTemplate(const YAML::Node& node, const std::string& path) {
  std::string field = "templates: " + path;
  if (!node.IsMap()) return Shape(field, "must be a mapping");
  ImageTemplate t;
  try {
    if (const YAML::Node when = node["when"]; when && !when.IsNull()) {
      if (!when.IsSequence()) return Shape(field + ": when", "must be a list of triggers");
      for (const auto& w : when) t.when.push_back(w.as<std::string>());
    }
    if (const YAML::Node c = node["create_only"]; c && !c.IsNull()) t.create_only = c.as<bool>();
    if (const YAML::Node f = node["template"]; f && !f.IsNull())
      t.template_file = f.as<std::string>();
  } catch (const YAML::Exception&) {
    return Shape(field,
                 "has a field of the wrong type (when: list, create_only: bool, "
                 "template: string)");
  }
  t.properties = TRY(StringMap(node["properties"], field + ": properties"));
  return t;
}

}  // namespace

base::Result<std::string> KernelArchitecture(std::string_view name) {
  for (const ArchNames& a : kArchitectures) {
    if (a.kernel == name) return std::string(a.kernel);
    for (std::string_view alias : a.aliases) {
      if (alias == name) return std::string(a.kernel);
    }
  }
  return base::Error::Invalid("unknown architecture \"" + std::string(name) + "\"");
}

base::Result<ImageMetadata> ParseImageMetadata(std::string_view text) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return base::Error::Invalid("metadata.yaml is not valid YAML: " + std::string(e.what()));
  }
  if (!root.IsMap()) {
    return base::Error::Invalid("metadata.yaml is not valid YAML: expected a mapping at the top");
  }
  ImageMetadata m;
  const YAML::Node arch = root["architecture"];
  if (!arch || !arch.IsScalar() || arch.Scalar().empty())
    return base::Error::Invalid("metadata.yaml lacks \"architecture\"");
  m.architecture = TRY_CTX(KernelArchitecture(arch.Scalar()), "metadata.yaml");

  const YAML::Node created = root["creation_date"];
  if (!created || created.IsNull())
    return base::Error::Invalid("metadata.yaml lacks \"creation_date\"");
  m.creation_date = TRY(Seconds(created, "creation_date"));
  if (m.creation_date == 0) return base::Error::Invalid("metadata.yaml lacks \"creation_date\"");
  if (const YAML::Node expiry = root["expiry_date"]; expiry && !expiry.IsNull())
    m.expiry_date = TRY(Seconds(expiry, "expiry_date"));

  m.properties = TRY(StringMap(root["properties"], "properties"));

  const YAML::Node templates = root["templates"];
  if (templates && !templates.IsNull()) {
    if (!templates.IsMap()) return Shape("templates", "must map paths to templates");
    for (const auto& kv : templates) {
      if (!kv.first.IsScalar()) return Shape("templates", "must map paths to templates");
      m.templates[kv.first.Scalar()] = TRY(ParseTemplate(kv.second, kv.first.Scalar()));
    }
  }
  return m;
}

std::string FormatImageMetadata(const ImageMetadata& m) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "architecture" << YAML::Value << m.architecture;
  out << YAML::Key << "creation_date" << YAML::Value << m.creation_date;
  out << YAML::Key << "expiry_date" << YAML::Value << m.expiry_date;
  out << YAML::Key << "properties" << YAML::Value << YAML::BeginMap;
  for (const auto& [k, v] : m.properties) out << YAML::Key << k << YAML::Value << v;
  out << YAML::EndMap;
  out << YAML::Key << "templates" << YAML::Value << YAML::BeginMap;
  for (const auto& [path, t] : m.templates) {
    out << YAML::Key << path << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "when" << YAML::Value << YAML::Flow << t.when;
    out << YAML::Key << "create_only" << YAML::Value << t.create_only;
    out << YAML::Key << "template" << YAML::Value << t.template_file;
    out << YAML::Key << "properties" << YAML::Value << YAML::BeginMap;
    for (const auto& [k, v] : t.properties) out << YAML::Key << k << YAML::Value << v;
    out << YAML::EndMap;
    out << YAML::EndMap;
  }
  out << YAML::EndMap;
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

base::Result<std::string> DebianArchitecture(std::string_view name) {
  std::string kernel = TRY(KernelArchitecture(name));
  for (const auto& [k, debian] : kDebianNames) {
    if (k == kernel) return std::string(debian);
  }
  return kernel;
}

}  // namespace nest::core
