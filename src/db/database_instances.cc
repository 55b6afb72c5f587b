// Database: instances.
#include <string_view>

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

constexpr std::string_view kSelectInstance =
    "SELECT id, name, type, architecture, description, ephemeral, stateful, created_at, "
    "last_used_at, image_fingerprint, config, devices, profiles FROM instances ";

std::string Quoted(const std::string& name) { return "\"" + name + "\""; }

Error NotFound(const std::string& name) {
  return Error::NotFound("instance " + Quoted(name) + " not found");
}

Error AlreadyExists(const std::string& name) {
  return Error::Conflict("instance " + Quoted(name) + " already exists");
}

Result<InstanceRecord> ReadInstance(const Statement& stmt) {
  InstanceRecord r;
  r.id = stmt.ColumnInt64(0);
  r.name = stmt.ColumnText(1);
  r.type = stmt.ColumnText(2);
  r.architecture = stmt.ColumnText(3);
  r.description = stmt.ColumnText(4);
  r.ephemeral = stmt.ColumnInt64(5) != 0;
  r.stateful = stmt.ColumnInt64(6) != 0;
  r.created_at = stmt.ColumnInt64(7);
  r.last_used_at = stmt.ColumnInt64(8);
  r.image_fingerprint = stmt.ColumnText(9);
  const std::string what = "instance " + Quoted(r.name);
  r.config = TRY(DecodeConfig(stmt.ColumnText(10), what + " config"));
  r.devices = TRY(DecodeDevices(stmt.ColumnText(11), what + " devices"));
  r.profiles = TRY(DecodeStringList(stmt.ColumnText(12), what + " profiles"));
  return r;
}

}  // namespace

Result<InstanceRecord> Database::GetInstanceLocked(const std::string& name) {
  const std::string context = "loading instance " + Quoted(name);
  auto stmt = TRY_CTX(Query(conn_, std::string(kSelectInstance) + "WHERE name = ?", name), context);
  if (!TRY_CTX(stmt.Step(), context)) return NotFound(name);
  return TRY_CTX(ReadInstance(stmt), context);
}

Result<std::vector<std::string>> Database::InstanceNamesLocked(std::string_view sql,
                                                               const std::string& arg) {
  auto stmt = TRY(Query(conn_, sql, arg));
  std::vector<std::string> names;
  while (TRY(stmt.Step())) names.push_back(stmt.ColumnText(0));
  return names;
}

Result<int64_t> Database::CreateInstance(const InstanceRecord& r) {
  std::lock_guard lock(mu_);
  auto changed = Write(conn_,
                       "INSERT INTO instances (name, type, architecture, description, ephemeral, "
                       "stateful, created_at, last_used_at, image_fingerprint, config, devices, "
                       "profiles) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       r.name, r.type, r.architecture, r.description, r.ephemeral, r.stateful,
                       r.created_at, r.last_used_at, r.image_fingerprint, EncodeConfig(r.config),
                       EncodeDevices(r.devices), EncodeStringList(r.profiles));
  if (!changed.ok()) {
    if (changed.error().kind() == ErrorKind::kConflict) return AlreadyExists(r.name);
    return std::move(changed).error().Context("creating instance " + Quoted(r.name));
  }
  return conn_.LastInsertRowid();
}

Result<InstanceRecord> Database::GetInstance(const std::string& name) {
  std::lock_guard lock(mu_);
  return GetInstanceLocked(name);
}

Result<std::vector<InstanceRecord>> Database::ListInstances() {
  std::lock_guard lock(mu_);
  auto stmt =
      TRY_CTX(Query(conn_, std::string(kSelectInstance) + "ORDER BY name"), "listing instances");
  std::vector<InstanceRecord> out;
  while (TRY_CTX(stmt.Step(), "listing instances")) {
    out.push_back(TRY_CTX(ReadInstance(stmt), "listing instances"));
  }
  return out;
}

Status Database::UpdateInstance(const InstanceRecord& r) {
  std::lock_guard lock(mu_);
  int changed =
      TRY_CTX(Write(conn_,
                    "UPDATE instances SET config = ?, devices = ?, profiles = ?, description = ?, "
                    "ephemeral = ?, stateful = ?, architecture = ? WHERE id = ?",
                    EncodeConfig(r.config), EncodeDevices(r.devices), EncodeStringList(r.profiles),
                    r.description, r.ephemeral, r.stateful, r.architecture, r.id),
              "updating instance " + Quoted(r.name));
  if (changed == 0) return NotFound(r.name);
  return Ok();
}

Status Database::TouchInstance(const std::string& name, int64_t last_used_at) {
  std::lock_guard lock(mu_);
  int changed = TRY_CTX(
      Write(conn_, "UPDATE instances SET last_used_at = ? WHERE name = ?", last_used_at, name),
      "updating last use of instance " + Quoted(name));
  if (changed == 0) return NotFound(name);
  return Ok();
}

Status Database::RenameInstance(const std::string& old_name, const std::string& new_name) {
  std::lock_guard lock(mu_);
  auto changed = Write(conn_, "UPDATE instances SET name = ? WHERE name = ?", new_name, old_name);
  if (!changed.ok()) {
    if (changed.error().kind() == ErrorKind::kConflict) return AlreadyExists(new_name);
    return std::move(changed).error().Context("renaming instance " + Quoted(old_name));
  }
  if (*changed == 0) return NotFound(old_name);
  return Ok();
}

Status Database::DeleteInstance(const std::string& name) {
  std::lock_guard lock(mu_);
  int changed = TRY_CTX(Write(conn_, "DELETE FROM instances WHERE name = ?", name),
                        "deleting instance " + Quoted(name));
  if (changed == 0) return NotFound(name);
  return Ok();
}

Result<std::vector<std::string>> Database::InstancesUsingImage(const std::string& fingerprint) {
  std::lock_guard lock(mu_);
  return TRY_CTX(
      InstanceNamesLocked("SELECT name FROM instances WHERE image_fingerprint = ? ORDER BY name",
                          fingerprint),
      "listing instances using image " + fingerprint);
}

Result<std::vector<std::string>> Database::InstancesUsingProfile(const std::string& name) {
  std::lock_guard lock(mu_);
  return TRY_CTX(InstanceNamesLocked("SELECT DISTINCT i.name FROM instances i, "
                                     "json_each(i.profiles) p WHERE p.value = ? ORDER BY i.name",
                                     name),
                 "listing instances using profile " + Quoted(name));
}

}  // namespace nest::db
