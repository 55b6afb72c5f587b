// Profile API types (LXD shared/api/profile.go).
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace nest::core::api {

// PUT/PATCH /1.0/profiles/<name>.
struct ProfilePut {
  std::map<std::string, std::string> config;
  std::string description;
  std::map<std::string, std::map<std::string, std::string>> devices;
};

// GET /1.0/profiles/<name>. used_by is always an array (never null).
struct Profile : ProfilePut {
  std::string name;
  std::vector<std::string> used_by;
};

// POST /1.0/profiles.
struct ProfilesPost : ProfilePut {
  std::string name;
};

// POST /1.0/profiles/<name>: rename.
struct ProfilePost {
  std::string name;
};

void to_json(nlohmann::json& j, const ProfilePut& v);
void from_json(const nlohmann::json& j, ProfilePut& v);
void to_json(nlohmann::json& j, const Profile& v);
void from_json(const nlohmann::json& j, Profile& v);
void to_json(nlohmann::json& j, const ProfilesPost& v);
void from_json(const nlohmann::json& j, ProfilesPost& v);
void to_json(nlohmann::json& j, const ProfilePost& v);
void from_json(const nlohmann::json& j, ProfilePost& v);

}  // namespace nest::core::api
