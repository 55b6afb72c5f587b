// Plain records the database stores. Times are unix nanoseconds, 0 = unset.
// Config and devices are typed maps here; their JSON encoding stays inside db.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace nest::db {

using ConfigMap = std::map<std::string, std::string>;
// Device name -> device config ("type", "path", "pool", ...).
using DeviceMap = std::map<std::string, std::map<std::string, std::string>>;

struct InstanceRecord {
  int64_t id = 0;
  std::string name;
  std::string type = "container";
  std::string architecture;
  std::string description;
  bool ephemeral = false;
  bool stateful = false;
  int64_t created_at = 0;
  int64_t last_used_at = 0;
  std::string image_fingerprint;
  ConfigMap config;
  DeviceMap devices;
  std::vector<std::string> profiles = {"default"};  // applied in order
};

struct ProfileRecord {
  int64_t id = 0;
  std::string name;
  std::string description;
  ConfigMap config;
  DeviceMap devices;
};

// Where an image came from, for auto-update; all empty when it was not
// downloaded from a remote.
struct ImageSource {
  std::string server;
  std::string protocol;  // "simplestreams" or "lxd"
  std::string alias;
  std::string certificate;

  bool empty() const {
    return server.empty() && protocol.empty() && alias.empty() && certificate.empty();
  }
};

struct ImageRecord {
  int64_t id = 0;
  std::string fingerprint;
  std::string filename;
  int64_t size = 0;
  bool is_public = false;
  std::string architecture;
  std::string type = "container";
  int64_t created_at = 0;
  int64_t uploaded_at = 0;
  int64_t last_used_at = 0;
  int64_t expires_at = 0;  // 0 = never
  bool cached = false;
  bool auto_update = false;
  ConfigMap properties;
  ImageSource update_source;
  int64_t last_checked_at = 0;
  // Filled on read (names, sorted); ignored by CreateImage/UpdateImage.
  std::vector<std::string> aliases;
};

struct ImageAliasRecord {
  std::string name;
  std::string fingerprint;  // the target image
  std::string description;
};

// A trusted client certificate.
struct CertificateRecord {
  std::string fingerprint;  // sha256 of the DER, lowercase hex
  std::string type = "client";
  std::string name;
  std::string certificate;  // PEM
  bool restricted = false;
};

}  // namespace nest::db
