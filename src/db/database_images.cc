// Database: images.
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

constexpr std::string_view kSelectImage =
    "SELECT id, fingerprint, filename, size, public, architecture, type, created_at, "
    "uploaded_at, last_used_at, expires_at, cached, auto_update, properties, update_source, "
    "last_checked_at FROM images ";

Error NotFound(const std::string& fingerprint) {
  return Error::NotFound("image \"" + fingerprint + "\" not found");
}

Result<ImageRecord> ReadImage(const Statement& stmt) {
  ImageRecord r;
  r.id = stmt.ColumnInt64(0);
  r.fingerprint = stmt.ColumnText(1);
  r.filename = stmt.ColumnText(2);
  r.size = stmt.ColumnInt64(3);
  r.is_public = stmt.ColumnInt64(4) != 0;
  r.architecture = stmt.ColumnText(5);
  r.type = stmt.ColumnText(6);
  r.created_at = stmt.ColumnInt64(7);
  r.uploaded_at = stmt.ColumnInt64(8);
  r.last_used_at = stmt.ColumnInt64(9);
  r.expires_at = stmt.ColumnInt64(10);
  r.cached = stmt.ColumnInt64(11) != 0;
  r.auto_update = stmt.ColumnInt64(12) != 0;
  const std::string what = "image " + r.fingerprint;
  r.properties = TRY(DecodeConfig(stmt.ColumnText(13), what + " properties"));
  r.update_source = TRY(DecodeImageSource(stmt.ColumnText(14), what + " update source"));
  r.last_checked_at = stmt.ColumnInt64(15);
  return r;
}

}  // namespace

Status Database::FillAliasesLocked(ImageRecord& image) {
  auto stmt = TRY(Query(conn_, "SELECT name FROM image_aliases WHERE fingerprint = ? ORDER BY name",
                        image.fingerprint));
  image.aliases.clear();
  while (TRY(stmt.Step())) image.aliases.push_back(stmt.ColumnText(0));
  return Ok();
}

Result<ImageRecord> Database::GetImageLocked(const std::string& fingerprint) {
  const std::string context = "loading image " + fingerprint;
  auto stmt = TRY_CTX(
      Query(conn_, std::string(kSelectImage) + "WHERE fingerprint = ?", fingerprint), context);
  if (!TRY_CTX(stmt.Step(), context)) return NotFound(fingerprint);
  ImageRecord image = TRY_CTX(ReadImage(stmt), context);
  TRY_CTX(FillAliasesLocked(image), context);
  return image;
}

Status Database::RequireImageLocked(const std::string& fingerprint) {
  bool found = TRY(Exists(conn_, "SELECT 1 FROM images WHERE fingerprint = ?", fingerprint));
  if (!found) return NotFound(fingerprint);
  return Ok();
}

Result<int64_t> Database::CreateImage(const ImageRecord& r) {
  std::lock_guard lock(mu_);
  auto changed =
      Write(conn_,
            "INSERT INTO images (fingerprint, filename, size, public, architecture, type, "
            "created_at, uploaded_at, last_used_at, expires_at, cached, auto_update, properties, "
            "update_source, last_checked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            r.fingerprint, r.filename, r.size, r.is_public, r.architecture, r.type, r.created_at,
            r.uploaded_at, r.last_used_at, r.expires_at, r.cached, r.auto_update,
            EncodeConfig(r.properties), EncodeImageSource(r.update_source), r.last_checked_at);
  if (!changed.ok()) {
    if (changed.error().kind() == ErrorKind::kConflict) {
      return Error::Conflict("image \"" + r.fingerprint + "\" already exists");
    }
    return std::move(changed).error().Context("creating image " + r.fingerprint);
  }
  return conn_.LastInsertRowid();
}

Result<ImageRecord> Database::GetImage(const std::string& fingerprint) {
  std::lock_guard lock(mu_);
  return GetImageLocked(fingerprint);
}

Result<ImageRecord> Database::GetImageByPrefix(const std::string& prefix) {
  std::lock_guard lock(mu_);
  if (prefix.empty()) return Error::Invalid("empty image fingerprint");
  const std::string context = "looking up image " + prefix;
  auto stmt = TRY_CTX(Query(conn_,
                            "SELECT fingerprint FROM images WHERE substr(fingerprint, 1, "
                            "length(?1)) = ?1 ORDER BY fingerprint LIMIT 2",
                            prefix),
                      context);
  if (!TRY_CTX(stmt.Step(), context)) return NotFound(prefix);
  std::string fingerprint = stmt.ColumnText(0);
  if (TRY_CTX(stmt.Step(), context)) {
    return Error::Invalid("image fingerprint prefix \"" + prefix + "\" is ambiguous");
  }
  return GetImageLocked(fingerprint);
}

Result<std::vector<ImageRecord>> Database::ListImages() {
  std::lock_guard lock(mu_);
  auto stmt =
      TRY_CTX(Query(conn_, std::string(kSelectImage) + "ORDER BY fingerprint"), "listing images");
  std::vector<ImageRecord> out;
  while (TRY_CTX(stmt.Step(), "listing images")) {
    out.push_back(TRY_CTX(ReadImage(stmt), "listing images"));
  }
  for (ImageRecord& image : out) TRY_CTX(FillAliasesLocked(image), "listing images");
  return out;
}

Status Database::UpdateImage(const ImageRecord& r) {
  std::lock_guard lock(mu_);
  int changed = TRY_CTX(
      Write(conn_,
            "UPDATE images SET filename = ?, size = ?, public = ?, architecture = ?, type = ?, "
            "created_at = ?, uploaded_at = ?, last_used_at = ?, expires_at = ?, cached = ?, "
            "auto_update = ?, properties = ?, update_source = ?, last_checked_at = ? "
            "WHERE fingerprint = ?",
            r.filename, r.size, r.is_public, r.architecture, r.type, r.created_at, r.uploaded_at,
            r.last_used_at, r.expires_at, r.cached, r.auto_update, EncodeConfig(r.properties),
            EncodeImageSource(r.update_source), r.last_checked_at, r.fingerprint),
      "updating image " + r.fingerprint);
  if (changed == 0) return NotFound(r.fingerprint);
  return Ok();
}

Status Database::DeleteImage(const std::string& fingerprint) {
  std::lock_guard lock(mu_);
  int changed = TRY_CTX(Write(conn_, "DELETE FROM images WHERE fingerprint = ?", fingerprint),
                        "deleting image " + fingerprint);
  if (changed == 0) return NotFound(fingerprint);
  return Ok();
}

Status Database::TouchImage(const std::string& fingerprint, int64_t last_used_at) {
  std::lock_guard lock(mu_);
  int changed = TRY_CTX(Write(conn_, "UPDATE images SET last_used_at = ? WHERE fingerprint = ?",
                              last_used_at, fingerprint),
                        "updating last use of image " + fingerprint);
  if (changed == 0) return NotFound(fingerprint);
  return Ok();
}

}  // namespace nest::db
