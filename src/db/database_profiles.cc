// Database: profiles.
#include <string_view>

#include "base/strings.h"
#include "db/database.h"
#include "db/json_columns.h"
#include "db/statements.h"

namespace nest::db {

using base::Error;
using base::ErrorKind;
using base::Ok;
using base::Result;
using base::Status;

namespace {

constexpr std::string_view kSelectProfile =
    "SELECT id, name, description, config, devices FROM profiles ";
constexpr std::string_view kDefaultProfile = "default";

std::string Quoted(const std::string& name) { return "\"" + name + "\""; }

Error NotFound(const std::string& name) {
  return Error::NotFound("profile " + Quoted(name) + " not found");
}

Error AlreadyExists(const std::string& name) {
  return Error::Conflict("profile " + Quoted(name) + " already exists");
}

Result<ProfileRecord> ReadProfile(const Statement& stmt) {
  ProfileRecord r;
  r.id = stmt.ColumnInt64(0);
  r.name = stmt.ColumnText(1);
  r.description = stmt.ColumnText(2);
  const std::string what = "profile " + Quoted(r.name);
  r.config = TRY(DecodeConfig(stmt.ColumnText(3), what + " config"));
  r.devices = TRY(DecodeDevices(stmt.ColumnText(4), what + " devices"));
  return r;
}

}  // namespace

Result<ProfileRecord> Database::GetProfileLocked(const std::string& name) {
  const std::string context = "loading profile " + Quoted(name);
  auto stmt = TRY_CTX(Query(conn_, std::string(kSelectProfile) + "WHERE name = ?", name), context);
  if (!TRY_CTX(stmt.Step(), context)) return NotFound(name);
  return TRY_CTX(ReadProfile(stmt), context);
}

Result<int64_t> Database::CreateProfile(const ProfileRecord& r) {
  std::lock_guard lock(mu_);
  auto changed = Write(conn_,
                       "INSERT INTO profiles (name, description, config, devices) "
                       "VALUES (?, ?, ?, ?)",
                       r.name, r.description, EncodeConfig(r.config), EncodeDevices(r.devices));
  if (!changed.ok()) {
    if (changed.error().kind() == ErrorKind::kConflict) return AlreadyExists(r.name);
    return std::move(changed).error().Context("creating profile " + Quoted(r.name));
  }
  return conn_.LastInsertRowid();
}

Result<ProfileRecord> Database::GetProfile(const std::string& name) {
  std::lock_guard lock(mu_);
  return GetProfileLocked(name);
}

Result<std::vector<ProfileRecord>> Database::ListProfiles() {
  std::lock_guard lock(mu_);
  auto stmt =
      TRY_CTX(Query(conn_, std::string(kSelectProfile) + "ORDER BY name"), "listing profiles");
  std::vector<ProfileRecord> out;
  while (TRY_CTX(stmt.Step(), "listing profiles")) {
    out.push_back(TRY_CTX(ReadProfile(stmt), "listing profiles"));
  }
  return out;
}

Status Database::UpdateProfile(const ProfileRecord& r) {
  std::lock_guard lock(mu_);
  int changed = TRY_CTX(
      Write(conn_, "UPDATE profiles SET description = ?, config = ?, devices = ? WHERE name = ?",
            r.description, EncodeConfig(r.config), EncodeDevices(r.devices), r.name),
      "updating profile " + Quoted(r.name));
  if (changed == 0) return NotFound(r.name);
  return Ok();
}

Status Database::RenameProfile(const std::string& old_name, const std::string& new_name) {
  std::lock_guard lock(mu_);
  if (old_name == kDefaultProfile) {
    return Error::Invalid("the \"default\" profile cannot be renamed");
  }
  return Atomically([&]() -> Status {
    auto changed = Write(conn_, "UPDATE profiles SET name = ? WHERE name = ?", new_name, old_name);
    if (!changed.ok()) {
      if (changed.error().kind() == ErrorKind::kConflict) return AlreadyExists(new_name);
      return std::move(changed).error().Context("renaming profile " + Quoted(old_name));
    }
    if (*changed == 0) return NotFound(old_name);
    const std::string context = "renaming profile " + Quoted(old_name) + " in instances";
    // Rewrites each instance's list in place, keeping its order.
    TRY_CTX(Write(conn_,
                  "UPDATE instances SET profiles = (SELECT json_group_array(CASE WHEN p.value = ?1 "
                  "THEN ?2 ELSE p.value END) FROM (SELECT value FROM json_each(instances.profiles) "
                  "ORDER BY key) p) WHERE EXISTS (SELECT 1 FROM json_each(instances.profiles) "
                  "WHERE value = ?1)",
                  old_name, new_name),
            context);
    return Ok();
  });
}

Status Database::DeleteProfile(const std::string& name) {
  std::lock_guard lock(mu_);
  if (name == kDefaultProfile) return Error::Invalid("the \"default\" profile cannot be deleted");
  return Atomically([&]() -> Status {
    std::vector<std::string> users =
        TRY_CTX(InstancesUsingProfile(name), "deleting profile " + Quoted(name));
    if (!users.empty()) {
      return Error::Conflict("profile " + Quoted(name) +
                             " is in use by instances: " + base::Join(users, ", "));
    }
    int changed = TRY_CTX(Write(conn_, "DELETE FROM profiles WHERE name = ?", name),
                          "deleting profile " + Quoted(name));
    if (changed == 0) return NotFound(name);
    return Ok();
  });
}

}  // namespace nest::db
