// Database: image aliases.
#include "db/database.h"
#include "db/statements.h"

namespace nest::db {

using base::Error;
using base::ErrorKind;
using base::Ok;
using base::Result;
using base::Status;

namespace {

Error NotFound(const std::string& name) {
  return Error::NotFound("image alias \"" + name + "\" not found");
}

Error AlreadyExists(const std::string& name) {
  return Error::Conflict("image alias \"" + name + "\" already exists");
}

ImageAliasRecord ReadAlias(const Statement& stmt) {
  return {stmt.ColumnText(0), stmt.ColumnText(1), stmt.ColumnText(2)};
}

}  // namespace

Status Database::CreateAlias(const std::string& name, const std::string& fingerprint,
                             const std::string& description) {
  std::lock_guard lock(mu_);
  const std::string context = "creating image alias \"" + name + "\"";
  TRY_CTX(RequireImageLocked(fingerprint), context);
  auto changed = Write(conn_,
                       "INSERT INTO image_aliases (name, fingerprint, description) "
                       "VALUES (?, ?, ?)",
                       name, fingerprint, description);
  if (!changed.ok()) {
    if (changed.error().kind() == ErrorKind::kConflict) return AlreadyExists(name);
    return std::move(changed).error().Context(context);
  }
  return Ok();
}

Result<ImageAliasRecord> Database::GetAlias(const std::string& name) {
  std::lock_guard lock(mu_);
  const std::string context = "loading image alias \"" + name + "\"";
  auto stmt = TRY_CTX(
      Query(conn_, "SELECT name, fingerprint, description FROM image_aliases WHERE name = ?", name),
      context);
  if (!TRY_CTX(stmt.Step(), context)) return NotFound(name);
  return ReadAlias(stmt);
}

Result<std::vector<ImageAliasRecord>> Database::ListAliases() {
  std::lock_guard lock(mu_);
  auto stmt = TRY_CTX(
      Query(conn_, "SELECT name, fingerprint, description FROM image_aliases ORDER BY name"),
      "listing image aliases");
  std::vector<ImageAliasRecord> out;
  while (TRY_CTX(stmt.Step(), "listing image aliases")) out.push_back(ReadAlias(stmt));
  return out;
}

Status Database::UpdateAlias(const ImageAliasRecord& alias) {
  std::lock_guard lock(mu_);
  const std::string context = "updating image alias \"" + alias.name + "\"";
  TRY_CTX(RequireImageLocked(alias.fingerprint), context);
  int changed = TRY_CTX(
      Write(conn_, "UPDATE image_aliases SET fingerprint = ?, description = ? WHERE name = ?",
            alias.fingerprint, alias.description, alias.name),
      context);
  if (changed == 0) return NotFound(alias.name);
  return Ok();
}

Status Database::RenameAlias(const std::string& old_name, const std::string& new_name) {
  std::lock_guard lock(mu_);
  auto changed =
      Write(conn_, "UPDATE image_aliases SET name = ? WHERE name = ?", new_name, old_name);
  if (!changed.ok()) {
    if (changed.error().kind() == ErrorKind::kConflict) return AlreadyExists(new_name);
    return std::move(changed).error().Context("renaming image alias \"" + old_name + "\"");
  }
  if (*changed == 0) return NotFound(old_name);
  return Ok();
}

Status Database::DeleteAlias(const std::string& name) {
  std::lock_guard lock(mu_);
  int changed = TRY_CTX(Write(conn_, "DELETE FROM image_aliases WHERE name = ?", name),
                        "deleting image alias \"" + name + "\"");
  if (changed == 0) return NotFound(name);
  return Ok();
}

}  // namespace nest::db
