// Database: the trust store (client certificates).
#include "db/database.h"
#include "db/statements.h"

namespace nest::db {

using base::Error;
using base::ErrorKind;
using base::Ok;
using base::Result;
using base::Status;

namespace {

constexpr const char* kColumns = "fingerprint, type, name, certificate, restricted";

Error NotFound(const std::string& fingerprint) {
  return Error::NotFound("certificate " + fingerprint + " not found");
}

CertificateRecord ReadCertificate(const Statement& stmt) {
  CertificateRecord c;
  c.fingerprint = stmt.ColumnText(0);
  c.type = stmt.ColumnText(1);
  c.name = stmt.ColumnText(2);
  c.certificate = stmt.ColumnText(3);
  c.restricted = stmt.ColumnInt64(4) != 0;
  return c;
}

}  // namespace

Status Database::CreateCertificate(const CertificateRecord& c) {
  std::lock_guard lock(mu_);
  auto changed = Write(conn_,
                       "INSERT INTO certificates (fingerprint, type, name, certificate, "
                       "restricted) VALUES (?, ?, ?, ?, ?)",
                       c.fingerprint, c.type, c.name, c.certificate,
                       static_cast<int64_t>(c.restricted ? 1 : 0));
  if (!changed.ok()) {
    if (changed.error().kind() == ErrorKind::kConflict) {
      return Error::Conflict("Certificate already in trust store");
    }
    return std::move(changed).error().Context("adding certificate " + c.fingerprint);
  }
  return Ok();
}

Result<CertificateRecord> Database::GetCertificate(const std::string& fingerprint) {
  std::lock_guard lock(mu_);
  const std::string context = "loading certificate " + fingerprint;
  auto stmt = TRY_CTX(
      Query(conn_, std::string("SELECT ") + kColumns + " FROM certificates WHERE fingerprint = ?",
            fingerprint),
      context);
  if (!TRY_CTX(stmt.Step(), context)) return NotFound(fingerprint);
  return ReadCertificate(stmt);
}

Result<std::vector<CertificateRecord>> Database::ListCertificates() {
  std::lock_guard lock(mu_);
  auto stmt = TRY_CTX(Query(conn_, std::string("SELECT ") + kColumns +
                                       " FROM certificates ORDER BY name, fingerprint"),
                      "listing certificates");
  std::vector<CertificateRecord> out;
  while (TRY_CTX(stmt.Step(), "listing certificates")) out.push_back(ReadCertificate(stmt));
  return out;
}

Status Database::DeleteCertificate(const std::string& fingerprint) {
  std::lock_guard lock(mu_);
  int changed = TRY_CTX(Write(conn_, "DELETE FROM certificates WHERE fingerprint = ?", fingerprint),
                        "deleting certificate " + fingerprint);
  if (changed == 0) return NotFound(fingerprint);
  return Ok();
}

}  // namespace nest::db
