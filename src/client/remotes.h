// Remotes: the image sources `nest launch REMOTE:IMAGE` and `nest image copy`
// can name. "builtin" (images nestd builds itself) and "local" (the daemon's
// own store) always exist; others (simplestreams servers, other nestd or LXD
// servers) come from the remotes config file, shaped like lxc's:
//
//   default-remote: local
//   remotes:
//     lab: {addr: "http://127.0.0.1:8700", protocol: simplestreams, public: true}
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace nest::client {

struct Remote {
  std::string name;         // "builtin", "local", "lab"
  std::string protocol;     // "builtin", "local", "simplestreams", "lxd"
  std::string address;      // URL; empty for builtin and local
  bool is_public = false;   // no authentication needed
  std::string certificate;  // lxd over https: the server's PEM certificate, pinned
  bool is_static() const { return protocol == "builtin" || protocol == "local"; }
};

class Remotes {
 public:
  // builtin and local, default-remote local.
  static Remotes Default();

  // nullptr when unknown.
  const Remote* Find(std::string_view name) const;
  std::vector<std::string> Names() const;
  const std::vector<Remote>& all() const { return remotes_; }
  const std::string& default_remote() const { return default_remote_; }

  // Adds without checks (tests, Default()).
  void Add(Remote remote) { remotes_.push_back(std::move(remote)); }

  // `nest remote add`: kInvalid for a bad name (empty, ':', '/', spaces), an
  // unknown protocol or a URL whose scheme the protocol cannot use
  // (simplestreams: http, https; lxd: https, unix); kConflict for a taken name.
  // A bare host becomes https://HOST:8443 as with lxc.
  base::Status AddRemote(Remote remote);
  // kNotFound unknown; kInvalid for builtin/local or the default remote.
  base::Status Remove(std::string_view name);
  // kNotFound unknown old; kConflict taken new; kInvalid builtin/local or a bad new name.
  base::Status Rename(std::string_view old_name, std::string_view new_name);
  // kNotFound unknown.
  base::Status SetDefault(std::string_view name);

  // The InstancesPost/ImagesPost "source" for IMAGE ("[REMOTE:]NAME"; no
  // remote: the default remote): "builtin:busybox" →
  // {"type":"image","alias":"busybox","server":"builtin","protocol":"builtin"};
  // a local image → {"type":"image","alias":…} or {"fingerprint":…} (12–64 hex
  // digits); a configured remote → {"type":"image","mode":"pull","server":URL,
  // "protocol":…,"alias"|"fingerprint":…,"certificate":…}. Errors (kInvalid):
  // an empty image, or an unknown remote: `unknown remote "x" (known: …)`.
  base::Result<nlohmann::json> ImageSource(std::string_view image) const;

 private:
  std::vector<Remote> remotes_;
  std::string default_remote_ = "local";
};

// $NEST_CONF_DIR/config.yml, else $HOME/.config/nest/config.yml.
std::string DefaultRemotesConfigPath();

// The config text → Remotes (builtin and local are always present; entries of
// those names in the file are ignored). kInvalid naming the file's problem.
base::Result<Remotes> ParseRemotesConfig(std::string_view yaml);
std::string RenderRemotesConfig(const Remotes& remotes);

// A missing file is the default set. Save writes atomically (temp + rename),
// creating the directory (0700).
base::Result<Remotes> LoadRemotes(const std::string& path);
base::Status SaveRemotes(const std::string& path, const Remotes& remotes);

}  // namespace nest::client
