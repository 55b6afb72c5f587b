#include "core/api/operation.h"

#include "core/api/json.h"

namespace nest::core::api {

void to_json(Json& j, const Operation& v) {
  j = Json{{"id", v.id},
           {"class", v.class_name},
           {"description", v.description},
           {"created_at", v.created_at},
           {"updated_at", v.updated_at},
           {"status", StatusName(v.status_code)},
           {"status_code", v.status_code},
           {"resources", v.resources.empty() ? Json(nullptr) : Json(v.resources)},
           {"metadata", v.metadata},
           {"may_cancel", v.may_cancel},
           {"err", v.err},
           {"location", v.location}};
}

void from_json(const Json& j, Operation& v) {
  ReadField(j, "id", &v.id);
  ReadField(j, "class", &v.class_name);
  ReadField(j, "description", &v.description);
  ReadField(j, "created_at", &v.created_at);
  ReadField(j, "updated_at", &v.updated_at);
  ReadField(j, "status_code", &v.status_code);
  ReadField(j, "resources", &v.resources);
  if (auto it = j.find("metadata"); it != j.end()) v.metadata = *it;
  ReadField(j, "may_cancel", &v.may_cancel);
  ReadField(j, "err", &v.err);
  ReadField(j, "location", &v.location);
}

}  // namespace nest::core::api
