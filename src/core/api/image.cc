#include "core/api/image.h"

#include "core/api/json.h"

namespace nest::core::api {
namespace {

void PutIfSet(Json& j, const char* key, const std::string& value) {
  if (!value.empty()) j[key] = value;
}

}  // namespace

void to_json(Json& j, const ImageAlias& v) {
  j = Json{{"name", v.name}, {"description", v.description}};
}

void from_json(const Json& j, ImageAlias& v) {
  ReadField(j, "name", &v.name);
  ReadField(j, "description", &v.description);
}

void to_json(Json& j, const ImageSource& v) {
  j = Json{{"alias", v.alias},
           {"certificate", v.certificate},
           {"protocol", v.protocol},
           {"server", v.server},
           {"image_type", v.image_type}};
}

void from_json(const Json& j, ImageSource& v) {
  ReadField(j, "alias", &v.alias);
  ReadField(j, "certificate", &v.certificate);
  ReadField(j, "protocol", &v.protocol);
  ReadField(j, "server", &v.server);
  ReadField(j, "image_type", &v.image_type);
}

void to_json(Json& j, const ImagePut& v) {
  j = Json{{"auto_update", v.auto_update},
           {"properties", v.properties},
           {"public", v.public_},
           {"expires_at", v.expires_at},
           {"profiles", v.profiles}};
}

void from_json(const Json& j, ImagePut& v) {
  ReadField(j, "auto_update", &v.auto_update);
  ReadField(j, "properties", &v.properties);
  ReadField(j, "public", &v.public_);
  ReadField(j, "expires_at", &v.expires_at);
  ReadField(j, "profiles", &v.profiles);
}

void to_json(Json& j, const Image& v) {
  to_json(j, static_cast<const ImagePut&>(v));
  j["aliases"] = v.aliases.empty() ? Json::array() : Json(v.aliases);
  j["architecture"] = v.architecture;
  j["cached"] = v.cached;
  j["filename"] = v.filename;
  j["fingerprint"] = v.fingerprint;
  j["size"] = v.size;
  if (v.update_source) j["update_source"] = *v.update_source;
  j["type"] = v.type;
  j["created_at"] = v.created_at;
  j["last_used_at"] = v.last_used_at;
  j["uploaded_at"] = v.uploaded_at;
}

void from_json(const Json& j, Image& v) {
  from_json(j, static_cast<ImagePut&>(v));
  ReadField(j, "aliases", &v.aliases);
  ReadField(j, "architecture", &v.architecture);
  ReadField(j, "cached", &v.cached);
  ReadField(j, "filename", &v.filename);
  ReadField(j, "fingerprint", &v.fingerprint);
  ReadField(j, "size", &v.size);
  if (auto it = j.find("update_source"); it != j.end() && !it->is_null()) {
    v.update_source = it->get<ImageSource>();
  }
  ReadField(j, "type", &v.type);
  ReadField(j, "created_at", &v.created_at);
  ReadField(j, "last_used_at", &v.last_used_at);
  ReadField(j, "uploaded_at", &v.uploaded_at);
}

void to_json(Json& j, const ImageAliasesEntry& v) {
  j = Json{
      {"name", v.name}, {"description", v.description}, {"target", v.target}, {"type", v.type}};
}

void from_json(const Json& j, ImageAliasesEntry& v) {
  ReadField(j, "name", &v.name);
  ReadField(j, "description", &v.description);
  ReadField(j, "target", &v.target);
  ReadField(j, "type", &v.type);
}

void to_json(Json& j, const ImagesPostSource& v) {
  j = Json{{"type", v.type}};
  PutIfSet(j, "mode", v.mode);
  PutIfSet(j, "server", v.server);
  PutIfSet(j, "protocol", v.protocol);
  PutIfSet(j, "certificate", v.certificate);
  PutIfSet(j, "secret", v.secret);
  PutIfSet(j, "fingerprint", v.fingerprint);
  PutIfSet(j, "alias", v.alias);
  PutIfSet(j, "image_type", v.image_type);
  PutIfSet(j, "url", v.url);
  PutIfSet(j, "name", v.name);
  PutIfSet(j, "project", v.project);
}

void from_json(const Json& j, ImagesPostSource& v) {
  ReadField(j, "type", &v.type);
  ReadField(j, "mode", &v.mode);
  ReadField(j, "server", &v.server);
  ReadField(j, "protocol", &v.protocol);
  ReadField(j, "certificate", &v.certificate);
  ReadField(j, "secret", &v.secret);
  ReadField(j, "fingerprint", &v.fingerprint);
  ReadField(j, "alias", &v.alias);
  ReadField(j, "image_type", &v.image_type);
  ReadField(j, "url", &v.url);
  ReadField(j, "name", &v.name);
  ReadField(j, "project", &v.project);
}

void to_json(Json& j, const ImagesPost& v) {
  to_json(j, static_cast<const ImagePut&>(v));
  PutIfSet(j, "filename", v.filename);
  if (v.source) j["source"] = *v.source;
  PutIfSet(j, "compression_algorithm", v.compression_algorithm);
  j["aliases"] = v.aliases.empty() ? Json::array() : Json(v.aliases);
}

void from_json(const Json& j, ImagesPost& v) {
  from_json(j, static_cast<ImagePut&>(v));
  ReadField(j, "filename", &v.filename);
  if (auto it = j.find("source"); it != j.end() && !it->is_null()) {
    ImagesPostSource source = v.source.value_or(ImagesPostSource{});
    from_json(*it, source);
    v.source = std::move(source);
  }
  ReadField(j, "compression_algorithm", &v.compression_algorithm);
  ReadField(j, "aliases", &v.aliases);
}

}  // namespace nest::core::api
