#include "core/debian_image.h"

#include <algorithm>
#include <cctype>

#include "base/strings.h"

namespace nest::core {
namespace {

using base::Error;

std::string KnownList() {
  std::vector<std::string> names;
  for (const auto& r : KnownDebianReleases()) {
    names.push_back(std::string(r.codename) + " (" + r.version + ")");
  }
  return base::Join(names, ", ");
}

bool IsPackageChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
}

base::Status ValidatePackageName(const std::string& name, std::string_view alias) {
  auto invalid = [&](const std::string& why) {
    return Error::Invalid("invalid Debian package name \"" + name + "\" in \"" +
                          std::string(alias) + "\": " + why);
  };
  if (name.size() < 2) return invalid("must be at least two characters long");
  if (!std::all_of(name.begin(), name.end(), IsPackageChar)) {
    return invalid("only lowercase letters, digits, '+', '-' and '.' are allowed");
  }
  if (!std::isalnum(static_cast<unsigned char>(name[0]))) {
    return invalid("must start with a letter or digit");
  }
  return base::Ok();
}

}  // namespace

const std::vector<DebianRelease>& KnownDebianReleases() {
  static const std::vector<DebianRelease> kReleases = {
      {"bullseye", "11"}, {"bookworm", "12"}, {"trixie", "13"}};
  return kReleases;
}

base::Result<DebianImageSpec> ParseDebianAlias(std::string_view rest) {
  size_t plus = rest.find('+');
  std::string release(rest.substr(0, plus));
  DebianImageSpec spec;
  for (const auto& r : KnownDebianReleases()) {
    if (release == r.codename || release == r.version) {
      spec.release = r.codename;
      spec.version = r.version;
    }
  }
  if (spec.release.empty()) {
    return Error::NotFound("unknown Debian release \"" + release + "\" (known: " + KnownList() +
                           ")");
  }
  if (plus == std::string_view::npos) return spec;
  std::string_view list = rest.substr(plus + 1);
  if (list.empty()) {
    return Error::Invalid("no package named after '+' in \"debian/" + std::string(rest) + "\"");
  }
  for (const auto& name : base::Split(list, ',')) {
    TRY(ValidatePackageName(name, "debian/" + std::string(rest)));
    spec.packages.push_back(name);
  }
  std::sort(spec.packages.begin(), spec.packages.end());
  spec.packages.erase(std::unique(spec.packages.begin(), spec.packages.end()), spec.packages.end());
  return spec;
}

std::string DebianCanonicalAlias(const DebianImageSpec& spec) {
  std::string alias = "debian/" + spec.release;
  if (!spec.packages.empty()) alias += "+" + base::Join(spec.packages, ",");
  return alias;
}

std::vector<std::string> DebianIncludePackages(const DebianImageSpec& spec) {
  std::vector<std::string> all(std::begin(kDebianBootPackages), std::end(kDebianBootPackages));
  for (const auto& p : spec.packages) {
    if (std::find(all.begin(), all.end(), p) == all.end()) all.push_back(p);
  }
  return all;
}

std::string DebianDescription(const DebianImageSpec& spec) {
  std::string d = "Debian " + spec.release + " (" + spec.version + ") with systemd";
  if (!spec.packages.empty()) d += " + " + base::Join(spec.packages, ", ");
  return d + " (nest builtin)";
}

std::string DebianMetadataYaml(const DebianImageSpec& spec, std::string_view kernel_arch,
                               long long creation) {
  std::string arch(kernel_arch);
  std::string variant = spec.packages.empty() ? "default" : base::Join(spec.packages, ",");
  return "architecture: " + arch + "\ncreation_date: " + std::to_string(creation) +
         "\nexpiry_date: 0\nproperties:\n  architecture: " + arch + "\n  description: \"" +
         DebianDescription(spec) + "\"\n  os: debian\n  release: " + spec.release +
         "\n  serial: \"" + std::to_string(creation) + "\"\n  variant: \"" + variant +
         "\"\ntemplates:\n"
         "  /etc/hostname:\n    when:\n    - create\n    - copy\n"
         "    create_only: false\n    template: hostname.tpl\n    properties: {}\n"
         "  /etc/hosts:\n    when:\n    - create\n    - copy\n"
         "    create_only: false\n    template: hosts.tpl\n    properties: {}\n";
}

std::vector<ImageTemplateFile> DebianTemplates() {
  return {{"hostname.tpl", "{{ container.name }}\n"},
          {"hosts.tpl",
           "127.0.1.1\t{{ container.name }}\n127.0.0.1\tlocalhost\n"
           "::1\t\tlocalhost ip6-localhost ip6-loopback\n"
           "ff02::1\t\tip6-allnodes\nff02::2\t\tip6-allrouters\n"}};
}

}  // namespace nest::core
