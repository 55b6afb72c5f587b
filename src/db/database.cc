#include "db/database.h"

#include <fcntl.h>

#include <cerrno>

#include "base/unique_fd.h"
#include "db/schema.h"
#include "db/statements.h"

namespace nest::db {

using base::Error;
using base::Ok;
using base::Result;
using base::Status;

namespace {

// sqlite would create the file with the umask's mode; the state is private.
Status CreatePrivateFile(const std::string& path) {
  base::UniqueFd fd(open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!fd) return Error::FromErrno("creating " + path, errno);
  return Ok();
}

}  // namespace

Result<std::unique_ptr<Database>> Database::Open(const std::string& path) {
  const std::string context = "opening database " + path;
  if (path != ":memory:") TRY_CTX(CreatePrivateFile(path), context);
  Connection conn = TRY_CTX(Connection::Open(path), context);
  TRY_CTX(conn.Exec("PRAGMA busy_timeout = 5000"), context);
  TRY_CTX(conn.Exec("PRAGMA journal_mode = WAL"), context);
  TRY_CTX(conn.Exec("PRAGMA synchronous = NORMAL"), context);  // durable enough under WAL
  TRY_CTX(conn.Exec("PRAGMA foreign_keys = ON"), context);
  TRY_CTX(ApplyMigrations(conn), context);
  return std::unique_ptr<Database>(new Database(std::move(conn)));
}

Status Database::Atomically(const std::function<Status()>& fn) {
  const std::string name = "nest_" + std::to_string(savepoints_);
  TRY_CTX(conn_.Exec("SAVEPOINT " + name), "starting transaction");
  ++savepoints_;
  Status status;
  try {
    status = fn();
  } catch (...) {
    --savepoints_;
    (void)conn_.Exec("ROLLBACK TO " + name + "; RELEASE " + name);
    throw;
  }
  --savepoints_;
  if (!status.ok()) {
    Status rollback = conn_.Exec("ROLLBACK TO " + name + "; RELEASE " + name);
    if (!rollback.ok()) {
      Error error = status.error();
      error.Context("rolling back after error (" + rollback.error().message() + ")");
      return error;
    }
    return status;
  }
  TRY_CTX(conn_.Exec("RELEASE " + name), "committing transaction");
  return Ok();
}

Status Database::InTransaction(const std::function<Status()>& fn) {
  std::lock_guard lock(mu_);
  return Atomically(fn);
}

int64_t Database::Revision() {
  std::lock_guard lock(mu_);
  return conn_.TotalChanges();
}

// Server config

Result<ConfigMap> Database::GetConfig() {
  std::lock_guard lock(mu_);
  auto stmt = TRY_CTX(Query(conn_, "SELECT key, value FROM config"), "reading server config");
  ConfigMap config;
  while (TRY_CTX(stmt.Step(), "reading server config")) {
    config[stmt.ColumnText(0)] = stmt.ColumnText(1);
  }
  return config;
}

Status Database::SetConfig(const std::string& key, const std::string& value) {
  std::lock_guard lock(mu_);
  TRY_CTX(Write(conn_,
                "INSERT INTO config (key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                key, value),
          "setting server config " + key);
  return Ok();
}

Status Database::UnsetConfig(const std::string& key) {
  std::lock_guard lock(mu_);
  TRY_CTX(Write(conn_, "DELETE FROM config WHERE key = ?", key), "unsetting server config " + key);
  return Ok();
}

Status Database::ReplaceConfig(const ConfigMap& config) {
  std::lock_guard lock(mu_);
  return Atomically([&]() -> Status {
    TRY_CTX(Write(conn_, "DELETE FROM config"), "replacing server config");
    for (const auto& [key, value] : config) {
      TRY_CTX(Write(conn_, "INSERT INTO config (key, value) VALUES (?, ?)", key, value),
              "replacing server config: setting " + key);
    }
    return Ok();
  });
}

}  // namespace nest::db
