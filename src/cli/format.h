// Output formatting shared by the commands: lxc-style tables, CSV, YAML, units.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace nest::cli {

using Row = std::vector<std::string>;

// A box-drawn table as lxc prints it: centred headers, left-aligned cells, a
// line between rows; a cell with '\n' spans several lines.
std::string RenderTable(const Row& header, const std::vector<Row>& rows);

// RFC 4180 CSV, no header (lxc --format csv).
std::string RenderCsv(const std::vector<Row>& rows);

// YAML as lxc prints it (strings that would read back as another type are
// quoted). Never fails on JSON input.
std::string ToYaml(const nlohmann::json& value);
std::string ToYaml(const nlohmann::ordered_json& value);

// obj[key] when it is a string, else "".
std::string StringAt(const nlohmann::json& obj, const char* key);
// "ok" → "OK" (ASCII).
std::string Upper(std::string s);

// 675840 → "660.00KiB" (LXD's GetByteSizeStringIEC with 2 decimals).
std::string HumanBytes(int64_t bytes);

// "2026-11-29T01:07:31.76Z" → "2026/11/29 01:07 UTC" in the local time zone;
// "" for LXD's zero time or an unparsable string.
std::string FormatTimestamp(std::string_view rfc3339);

// `nest list`: columns and one row per Instance (or InstanceFull: addresses come
// from "state" when present).
Row ListHeader();
Row ListRow(const nlohmann::json& instance);

// `nest info`: the text lxc info prints for an InstanceFull (or an Instance
// plus its InstanceState in `state`).
std::string RenderInfo(const nlohmann::json& instance);

}  // namespace nest::cli
