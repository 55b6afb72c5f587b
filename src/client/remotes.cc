#include "client/remotes.h"

#include <cctype>

#include "base/strings.h"

namespace nest::client {
namespace {

bool IsFingerprint(std::string_view s) {
  if (s.size() < 12 || s.size() > 64) return false;
  for (char c : s) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

Remotes Remotes::Default() {
  Remotes r;
  r.Add({"builtin", "builtin", ""});
  r.Add({"local", "local", ""});
  return r;
}

const Remote* Remotes::Find(std::string_view name) const {
  for (const Remote& r : remotes_) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

std::vector<std::string> Remotes::Names() const {
  std::vector<std::string> names;
  for (const Remote& r : remotes_) names.push_back(r.name);
  return names;
}

base::Result<nlohmann::json> Remotes::ImageSource(std::string_view image) const {
  std::string_view remote_name = "local";
  std::string_view name = image;
  if (size_t colon = image.find(':'); colon != std::string_view::npos) {
    remote_name = image.substr(0, colon);
    name = image.substr(colon + 1);
  }
  const Remote* remote = Find(remote_name);
  if (!remote) {
    return base::Error::Invalid("unknown remote \"" + std::string(remote_name) +
                                "\" (known: " + base::Join(Names(), ", ") + ")");
  }
  if (name.empty()) return base::Error::Invalid("no image given in \"" + std::string(image) + "\"");

  nlohmann::json source = {{"type", "image"}};
  if (remote->protocol == "local") {
    if (IsFingerprint(name)) {
      source["fingerprint"] = std::string(name);
    } else {
      source["alias"] = std::string(name);
    }
    return source;
  }
  source["alias"] = std::string(name);
  source["server"] = remote->address.empty() ? remote->name : remote->address;
  source["protocol"] = remote->protocol;
  return source;
}

}  // namespace nest::client
