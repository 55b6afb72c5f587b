// Image API types (LXD shared/api/image.go).
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace nest::core::api {

// An alias as listed inside an Image.
struct ImageAlias {
  std::string name;
  std::string description;
};

// Where a cached or auto-updating image came from; "update_source" of Image.
struct ImageSource {
  std::string alias;
  std::string certificate;
  std::string protocol;  // "lxd" | "simplestreams"
  std::string server;
  std::string image_type;
};

// PUT/PATCH /1.0/images/<fingerprint>.
struct ImagePut {
  bool auto_update = false;
  std::map<std::string, std::string> properties;
  bool public_ = false;    // JSON "public"
  std::string expires_at;  // RFC 3339
  std::vector<std::string> profiles;
};

// GET /1.0/images/<fingerprint>. update_source is omitted when unset.
struct Image : ImagePut {
  std::vector<ImageAlias> aliases;
  std::string architecture;
  bool cached = false;
  std::string filename;
  std::string fingerprint;
  int64_t size = 0;
  std::optional<ImageSource> update_source;
  std::string type = "container";
  std::string created_at;
  std::string last_used_at;
  std::string uploaded_at;
};

// GET /1.0/images/aliases/<name>; also the body of POST /1.0/images/aliases.
struct ImageAliasesEntry {
  std::string name;
  std::string description;
  std::string target;  // fingerprint
  std::string type = "container";
};

// POST /1.0/images "source" (pull from a remote, or an instance to publish).
struct ImagesPostSource {
  std::string type;  // "image" | "url" | "instance" | "snapshot"
  std::string mode;  // "pull"
  std::string server;
  std::string protocol;
  std::string certificate;
  std::string secret;
  std::string fingerprint;
  std::string alias;
  std::string image_type;
  std::string url;
  std::string name;
  std::string project;
};

// POST /1.0/images (minimal: the fields nest acts on).
struct ImagesPost : ImagePut {
  std::string filename;
  std::optional<ImagesPostSource> source;
  std::string compression_algorithm;
  std::vector<ImageAlias> aliases;
};

void to_json(nlohmann::json& j, const ImageAlias& v);
void from_json(const nlohmann::json& j, ImageAlias& v);
void to_json(nlohmann::json& j, const ImageSource& v);
void from_json(const nlohmann::json& j, ImageSource& v);
void to_json(nlohmann::json& j, const ImagePut& v);
void from_json(const nlohmann::json& j, ImagePut& v);
void to_json(nlohmann::json& j, const Image& v);
void from_json(const nlohmann::json& j, Image& v);
void to_json(nlohmann::json& j, const ImageAliasesEntry& v);
void from_json(const nlohmann::json& j, ImageAliasesEntry& v);
void to_json(nlohmann::json& j, const ImagesPostSource& v);
void from_json(const nlohmann::json& j, ImagesPostSource& v);
void to_json(nlohmann::json& j, const ImagesPost& v);
void from_json(const nlohmann::json& j, ImagesPost& v);

}  // namespace nest::core::api
