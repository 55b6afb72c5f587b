// JSON plumbing shared by the API types: tolerant field reads and exception-free
// entry points. nlohmann exceptions stop here and become kInvalid errors.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "base/result.h"

namespace nest::core::api {

using Json = nlohmann::json;

// Assigns j[key] to *out when the key is present and not null; otherwise leaves
// *out alone. Throws nlohmann::json::exception on a type mismatch (callers go
// through FromJson/MergeJson/ParseJson, which catch it).
template <typename T>
void ReadField(const Json& j, const char* key, T* out) {
  auto it = j.find(key);
  if (it != j.end() && !it->is_null()) it->get_to(*out);
}

// Overlays the top-level fields present in `j` onto *into (fields not
// in `j` keep their value; a map or list present in `j` replaces the old one
// whole, so key-wise PATCH merges are the caller's). Returns kInvalid naming
// `what` on a type mismatch.
template <typename T>
base::Status MergeJson(const Json& j, T* into, std::string_view what) {
  if (!j.is_object()) {
    return base::Error::Invalid("invalid " + std::string(what) + ": expected a JSON object");
  }
  try {
    from_json(j, *into);
  } catch (const nlohmann::json::exception& e) {
    return base::Error::Invalid("invalid " + std::string(what) + ": " + e.what());
  }
  return base::Ok();
}

// A T from `j`; missing fields keep T's defaults.
template <typename T>
base::Result<T> FromJson(const Json& j, std::string_view what) {
  T out{};
  TRY(MergeJson(j, &out, what));
  return out;
}

// Parses JSON text. Returns kInvalid naming `what` for bad syntax.
inline base::Result<Json> ParseJsonText(std::string_view text, std::string_view what) {
  try {
    return Json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    return base::Error::Invalid("invalid JSON in " + std::string(what) + ": " + e.what());
  }
}

// ParseJsonText then FromJson.
template <typename T>
base::Result<T> ParseJson(std::string_view text, std::string_view what) {
  Json j = TRY(ParseJsonText(text, what));
  return FromJson<T>(j, what);
}

}  // namespace nest::core::api
