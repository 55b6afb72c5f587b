#include "client/remotes.h"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/strings.h"
#include "core/url.h"

namespace nest::client {
namespace {

bool IsFingerprint(std::string_view s) {
  if (s.size() < 12 || s.size() > 64) return false;
  for (char c : s) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

base::Status ValidateName(std::string_view name) {
  if (name.empty()) return base::Error::Invalid("a remote name cannot be empty");
  for (char c : name) {
    if (c == ':' || c == '/' || std::isspace(static_cast<unsigned char>(c)) ||
        !std::isprint(static_cast<unsigned char>(c))) {
      return base::Error::Invalid("invalid remote name \"" + std::string(name) +
                                  "\": no ':', '/' or spaces");
    }
  }
  return base::Ok();
}

// A bare host or host:port is https://host:8443, as lxc reads it.
std::string NormalizeAddress(const std::string& addr) {
  if (addr.find("://") != std::string::npos || base::StartsWith(addr, "unix:")) return addr;
  bool has_port = addr.find(':') != std::string::npos && addr.front() != '[';
  return "https://" + addr + (has_port ? "" : ":8443");
}

base::Status ValidateAddress(const std::string& protocol, const std::string& addr) {
  core::Url url = TRY(core::ParseUrl(addr));
  if (protocol == "simplestreams" && url.scheme != "http" && url.scheme != "https") {
    return base::Error::Invalid("a simplestreams remote needs an http:// or https:// URL, not \"" +
                                addr + "\"");
  }
  if (protocol == "lxd" && url.scheme == "http") {
    return base::Error::Invalid("an lxd remote is reached over https:// or unix://, not \"" + addr +
                                "\"");
  }
  return base::Ok();
}

}  // namespace

Remotes Remotes::Default() {
  Remotes r;
  r.Add({"builtin", "builtin", "", true, ""});
  r.Add({"local", "local", "", false, ""});
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

base::Status Remotes::AddRemote(Remote remote) {
  TRY(ValidateName(remote.name));
  if (Find(remote.name)) {
    return base::Error::Conflict("remote \"" + remote.name + "\" already exists");
  }
  if (remote.protocol.empty()) remote.protocol = "lxd";
  if (remote.protocol != "simplestreams" && remote.protocol != "lxd") {
    return base::Error::Invalid("unknown protocol \"" + remote.protocol +
                                "\" (use simplestreams or lxd)");
  }
  remote.address = NormalizeAddress(remote.address);
  TRY_CTX(ValidateAddress(remote.protocol, remote.address), "remote \"" + remote.name + "\"");
  remotes_.push_back(std::move(remote));
  return base::Ok();
}

base::Status Remotes::Remove(std::string_view name) {
  const Remote* r = Find(name);
  if (!r) return base::Error::NotFound("remote \"" + std::string(name) + "\" doesn't exist");
  if (r->is_static()) {
    return base::Error::Invalid("remote \"" + std::string(name) +
                                "\" is built in and cannot be removed");
  }
  if (name == default_remote_) {
    return base::Error::Invalid("remote \"" + std::string(name) +
                                "\" is the default remote: switch to another first "
                                "(nest remote switch local)");
  }
  std::erase_if(remotes_, [&](const Remote& x) { return x.name == name; });
  return base::Ok();
}

base::Status Remotes::Rename(std::string_view old_name, std::string_view new_name) {
  const Remote* r = Find(old_name);
  if (!r) return base::Error::NotFound("remote \"" + std::string(old_name) + "\" doesn't exist");
  if (r->is_static()) {
    return base::Error::Invalid("remote \"" + std::string(old_name) +
                                "\" is built in and cannot be renamed");
  }
  TRY(ValidateName(new_name));
  if (Find(new_name)) {
    return base::Error::Conflict("remote \"" + std::string(new_name) + "\" already exists");
  }
  for (Remote& x : remotes_) {
    if (x.name == old_name) x.name = std::string(new_name);
  }
  if (default_remote_ == old_name) default_remote_ = std::string(new_name);
  return base::Ok();
}

base::Status Remotes::SetDefault(std::string_view name) {
  if (!Find(name))
    return base::Error::NotFound("remote \"" + std::string(name) + "\" doesn't exist");
  default_remote_ = std::string(name);
  return base::Ok();
}

base::Result<nlohmann::json> Remotes::ImageSource(std::string_view image) const {
  std::string_view remote_name = default_remote_;
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
    source[IsFingerprint(name) ? "fingerprint" : "alias"] = std::string(name);
    return source;
  }
  if (remote->protocol == "builtin") {
    source["alias"] = std::string(name);
    source["server"] = remote->name;
    source["protocol"] = remote->protocol;
    return source;
  }
  source["mode"] = "pull";
  source["server"] = remote->address;
  source["protocol"] = remote->protocol;
  source[IsFingerprint(name) ? "fingerprint" : "alias"] = std::string(name);
  if (!remote->certificate.empty()) source["certificate"] = remote->certificate;
  return source;
}

std::string DefaultRemotesConfigPath() {
  if (const char* d = std::getenv("NEST_CONF_DIR"); d && *d) return std::string(d) + "/config.yml";
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : "/root") + "/.config/nest/config.yml";
}

base::Result<Remotes> ParseRemotesConfig(std::string_view text) {
  Remotes out = Remotes::Default();
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return base::Error::Invalid(std::string("the remotes config is not valid YAML: ") + e.what());
  }
  if (root.IsNull()) return out;
  if (!root.IsMap()) return base::Error::Invalid("the remotes config must be a mapping");
  try {
    if (auto remotes = root["remotes"]; remotes && !remotes.IsNull()) {
      if (!remotes.IsMap()) return base::Error::Invalid("\"remotes\" must be a mapping");
      for (const auto& kv : remotes) {
        std::string name = kv.first.as<std::string>();
        if (name == "builtin" || name == "local") continue;
        const YAML::Node& r = kv.second;
        if (!r.IsMap()) return base::Error::Invalid("remote \"" + name + "\" must be a mapping");
        Remote remote;
        remote.name = name;
        remote.address = r["addr"] ? r["addr"].as<std::string>() : "";
        remote.protocol = r["protocol"] ? r["protocol"].as<std::string>() : "lxd";
        remote.is_public = r["public"] && r["public"].as<bool>();
        if (r["certificate"]) remote.certificate = r["certificate"].as<std::string>();
        TRY_CTX(out.AddRemote(remote), "the remotes config");
      }
    }
    if (auto def = root["default-remote"]; def && !def.IsNull()) {
      TRY_CTX(out.SetDefault(def.as<std::string>()), "the remotes config's default-remote");
    }
  } catch (const YAML::Exception& e) {
    return base::Error::Invalid(std::string("the remotes config: ") + e.what());
  }
  return out;
}

std::string RenderRemotesConfig(const Remotes& remotes) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "default-remote" << YAML::Value << remotes.default_remote();
  out << YAML::Key << "remotes" << YAML::Value << YAML::BeginMap;
  for (const Remote& r : remotes.all()) {
    if (r.is_static()) continue;
    out << YAML::Key << r.name << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "addr" << YAML::Value << r.address;
    out << YAML::Key << "protocol" << YAML::Value << r.protocol;
    out << YAML::Key << "public" << YAML::Value << r.is_public;
    if (!r.certificate.empty()) {
      out << YAML::Key << "certificate" << YAML::Value << YAML::Literal << r.certificate;
    }
    out << YAML::EndMap;
  }
  out << YAML::EndMap << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

base::Result<Remotes> LoadRemotes(const std::string& path) {
  std::ifstream f(path);
  if (!f) {
    if (!std::filesystem::exists(path)) return Remotes::Default();
    return base::Error::Internal("cannot read " + path);
  }
  std::stringstream ss;
  ss << f.rdbuf();
  return TRY_CTX(ParseRemotesConfig(ss.str()), path);
}

base::Status SaveRemotes(const std::string& path, const Remotes& remotes) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path dir = fs::path(path).parent_path();
  if (!dir.empty()) {
    fs::create_directories(dir, ec);
    if (ec) return base::Error::Internal("creating " + dir.string() + ": " + ec.message());
    fs::permissions(dir, fs::perms::owner_all, ec);
  }
  std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::trunc);
    f << RenderRemotesConfig(remotes);
    f.flush();
    if (!f) return base::Error::Internal("writing " + tmp);
  }
  fs::rename(tmp, path, ec);
  if (ec) return base::Error::Internal("renaming " + tmp + " to " + path + ": " + ec.message());
  return base::Ok();
}

}  // namespace nest::client
