// Remotes: the image sources `nest launch REMOTE:IMAGE` can name. Only the
// built-in ones exist today ("builtin": images nestd builds itself, "local":
// the daemon's own image store); a remotes config file can add more later.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace nest::client {

struct Remote {
  std::string name;      // "builtin", "local"
  std::string protocol;  // "builtin", "local"; later "simplestreams", "lxd"
  std::string address;   // empty for the daemon itself
};

class Remotes {
 public:
  // builtin and local.
  static Remotes Default();

  // nullptr when unknown.
  const Remote* Find(std::string_view name) const;
  std::vector<std::string> Names() const;
  void Add(Remote remote) { remotes_.push_back(std::move(remote)); }

  // The InstancesPost "source" for IMAGE: "builtin:busybox" →
  // {"type":"image","alias":"busybox","server":"builtin","protocol":"builtin"};
  // "local:ALIAS" or "ALIAS" → {"type":"image","alias":"ALIAS"}; 12–64 hex
  // digits → {"type":"image","fingerprint":...}. Errors (kInvalid): an empty
  // image, or an unknown remote: `unknown remote "x" (known: builtin, local)`.
  base::Result<nlohmann::json> ImageSource(std::string_view image) const;

 private:
  std::vector<Remote> remotes_;
};

}  // namespace nest::client
