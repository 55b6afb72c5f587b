#include "core/api/profile.h"

#include "core/api/json.h"

namespace nest::core::api {

void to_json(Json& j, const ProfilePut& v) {
  j = Json{{"config", v.config}, {"description", v.description}, {"devices", v.devices}};
}

void from_json(const Json& j, ProfilePut& v) {
  ReadField(j, "config", &v.config);
  ReadField(j, "description", &v.description);
  ReadField(j, "devices", &v.devices);
}

void to_json(Json& j, const Profile& v) {
  to_json(j, static_cast<const ProfilePut&>(v));
  j["name"] = v.name;
  j["used_by"] = v.used_by.empty() ? Json::array() : Json(v.used_by);
}

void from_json(const Json& j, Profile& v) {
  from_json(j, static_cast<ProfilePut&>(v));
  ReadField(j, "name", &v.name);
  ReadField(j, "used_by", &v.used_by);
}

void to_json(Json& j, const ProfilesPost& v) {
  to_json(j, static_cast<const ProfilePut&>(v));
  j["name"] = v.name;
}

void from_json(const Json& j, ProfilesPost& v) {
  from_json(j, static_cast<ProfilePut&>(v));
  ReadField(j, "name", &v.name);
}

void to_json(Json& j, const ProfilePost& v) { j = Json{{"name", v.name}}; }
void from_json(const Json& j, ProfilePost& v) { ReadField(j, "name", &v.name); }

}  // namespace nest::core::api
