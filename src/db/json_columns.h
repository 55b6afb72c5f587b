// JSON encoding of the map/list columns. Internal to db.
//
// Decoders fail kInternal ("decoding <what>: ...") when a stored column is not
// the expected shape; non-string scalar values are accepted and stringified.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "db/records.h"

namespace nest::db {

std::string EncodeConfig(const ConfigMap& config);
std::string EncodeDevices(const DeviceMap& devices);
std::string EncodeStringList(const std::vector<std::string>& list);
// An empty source encodes as "{}".
std::string EncodeImageSource(const ImageSource& source);

base::Result<ConfigMap> DecodeConfig(std::string_view json, std::string_view what);
base::Result<DeviceMap> DecodeDevices(std::string_view json, std::string_view what);
base::Result<std::vector<std::string>> DecodeStringList(std::string_view json,
                                                        std::string_view what);
base::Result<ImageSource> DecodeImageSource(std::string_view json, std::string_view what);

}  // namespace nest::db
