#include "db/json_columns.h"

#include <nlohmann/json.hpp>

namespace nest::db {

using base::Error;
using base::Result;
using nlohmann::json;

namespace {

Error DecodeError(std::string_view what, const std::string& reason) {
  return Error::Internal("decoding " + std::string(what) + ": " + reason);
}

Result<std::string> ScalarToString(const json& value, std::string_view what) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_null()) return std::string();
  if (value.is_primitive()) return value.dump();
  return DecodeError(what, "expected a string, got " + std::string(value.type_name()));
}

Result<ConfigMap> ObjectToConfig(const json& object, std::string_view what) {
  if (!object.is_object()) {
    return DecodeError(what, "expected an object, got " + std::string(object.type_name()));
  }
  ConfigMap out;
  for (auto it = object.begin(); it != object.end(); ++it) {
    out[it.key()] = TRY(ScalarToString(it.value(), what));
  }
  return out;
}

Result<json> Parse(std::string_view text, std::string_view what) {
  try {
    if (text.empty()) return json::object();
    return json::parse(text);
  } catch (const json::exception& e) {
    return DecodeError(what, e.what());
  }
}

// Invalid UTF-8 is replaced rather than thrown on.
std::string Dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

std::string EncodeConfig(const ConfigMap& config) { return Dump(json(config)); }

std::string EncodeDevices(const DeviceMap& devices) { return Dump(json(devices)); }

std::string EncodeStringList(const std::vector<std::string>& list) { return Dump(json(list)); }

std::string EncodeImageSource(const ImageSource& source) {
  if (source.empty()) return "{}";
  return Dump(json{{"server", source.server},
                   {"protocol", source.protocol},
                   {"alias", source.alias},
                   {"certificate", source.certificate}});
}

Result<ConfigMap> DecodeConfig(std::string_view text, std::string_view what) {
  json parsed = TRY(Parse(text, what));
  return ObjectToConfig(parsed, what);
}

Result<DeviceMap> DecodeDevices(std::string_view text, std::string_view what) {
  json parsed = TRY(Parse(text, what));
  if (!parsed.is_object()) {
    return DecodeError(what, "expected an object, got " + std::string(parsed.type_name()));
  }
  DeviceMap out;
  for (auto it = parsed.begin(); it != parsed.end(); ++it) {
    out[it.key()] = TRY(ObjectToConfig(it.value(), std::string(what) + " device " + it.key()));
  }
  return out;
}

Result<std::vector<std::string>> DecodeStringList(std::string_view text, std::string_view what) {
  json parsed = TRY(Parse(text, what));
  if (!parsed.is_array()) {
    return DecodeError(what, "expected an array, got " + std::string(parsed.type_name()));
  }
  std::vector<std::string> out;
  for (const auto& item : parsed) out.push_back(TRY(ScalarToString(item, what)));
  return out;
}

Result<ImageSource> DecodeImageSource(std::string_view text, std::string_view what) {
  ConfigMap fields = TRY(DecodeConfig(text, what));
  ImageSource source;
  source.server = fields["server"];
  source.protocol = fields["protocol"];
  source.alias = fields["alias"];
  source.certificate = fields["certificate"];
  return source;
}

}  // namespace nest::db
