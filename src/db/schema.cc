#include "db/schema.h"

#include <chrono>
#include <string>

namespace nest::db {

using base::Error;
using base::Ok;
using base::Result;
using base::Status;

namespace {

constexpr std::string_view kMigration1 = R"sql(
CREATE TABLE config (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE instances (
  id INTEGER PRIMARY KEY,
  name TEXT UNIQUE NOT NULL,
  type TEXT NOT NULL DEFAULT 'container',
  architecture TEXT NOT NULL DEFAULT '',
  description TEXT NOT NULL DEFAULT '',
  ephemeral INTEGER NOT NULL DEFAULT 0,
  stateful INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL DEFAULT 0,
  last_used_at INTEGER NOT NULL DEFAULT 0,
  image_fingerprint TEXT NOT NULL DEFAULT '',
  config TEXT NOT NULL DEFAULT '{}',
  devices TEXT NOT NULL DEFAULT '{}',
  profiles TEXT NOT NULL DEFAULT '["default"]'
);

CREATE TABLE profiles (
  id INTEGER PRIMARY KEY,
  name TEXT UNIQUE NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  config TEXT NOT NULL DEFAULT '{}',
  devices TEXT NOT NULL DEFAULT '{}'
);

INSERT INTO profiles (name, description, config, devices) VALUES (
  'default', 'Default nest profile', '{}',
  '{"root":{"path":"/","pool":"default","type":"disk"}}'
);

CREATE TABLE images (
  id INTEGER PRIMARY KEY,
  fingerprint TEXT UNIQUE NOT NULL,
  filename TEXT NOT NULL DEFAULT '',
  size INTEGER NOT NULL DEFAULT 0,
  public INTEGER NOT NULL DEFAULT 0,
  architecture TEXT NOT NULL DEFAULT '',
  type TEXT NOT NULL DEFAULT 'container',
  created_at INTEGER NOT NULL DEFAULT 0,
  uploaded_at INTEGER NOT NULL DEFAULT 0,
  last_used_at INTEGER NOT NULL DEFAULT 0,
  expires_at INTEGER NOT NULL DEFAULT 0,
  cached INTEGER NOT NULL DEFAULT 0,
  auto_update INTEGER NOT NULL DEFAULT 0,
  properties TEXT NOT NULL DEFAULT '{}',
  update_source TEXT NOT NULL DEFAULT '{}',
  last_checked_at INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE image_aliases (
  id INTEGER PRIMARY KEY,
  name TEXT UNIQUE NOT NULL,
  fingerprint TEXT NOT NULL
    REFERENCES images(fingerprint) ON DELETE CASCADE ON UPDATE CASCADE,
  description TEXT NOT NULL DEFAULT ''
);
CREATE INDEX image_aliases_fingerprint ON image_aliases(fingerprint);
)sql";

// The trust store: client certificates allowed over HTTPS (LXD's certificates).
constexpr std::string_view kMigration2 = R"sql(
CREATE TABLE certificates (
  id INTEGER PRIMARY KEY,
  fingerprint TEXT UNIQUE NOT NULL,
  type TEXT NOT NULL DEFAULT 'client',
  name TEXT NOT NULL,
  certificate TEXT NOT NULL,
  restricted INTEGER NOT NULL DEFAULT 0
);
)sql";

constexpr std::string_view kCreateVersionTable = R"sql(
CREATE TABLE IF NOT EXISTS schema_version (
  version INTEGER PRIMARY KEY,
  applied_at INTEGER NOT NULL
);
)sql";

int64_t NowNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Status ApplyOne(Connection& conn, int version, std::string_view script) {
  TRY(conn.Exec("BEGIN IMMEDIATE"));
  auto body = [&]() -> Status {
    TRY(conn.Exec(script));
    auto stmt = TRY(conn.Prepare("INSERT INTO schema_version (version, applied_at) VALUES (?, ?)"));
    TRY(stmt.BindAll(version, NowNanos()));
    TRY(stmt.Run());
    return conn.Exec("COMMIT");
  };
  Status status = body();
  if (!status.ok()) (void)conn.Exec("ROLLBACK");
  return status;
}

}  // namespace

const std::vector<std::string_view>& Migrations() {
  static const std::vector<std::string_view> kMigrations = {kMigration1, kMigration2};
  return kMigrations;
}

int LatestSchemaVersion() { return static_cast<int>(Migrations().size()); }

Result<int> SchemaVersion(Connection& conn) {
  TRY_CTX(conn.Exec(kCreateVersionTable), "creating schema_version table");
  auto stmt = TRY(conn.Prepare("SELECT COALESCE(MAX(version), 0) FROM schema_version"));
  TRY(stmt.Step());
  return static_cast<int>(stmt.ColumnInt64(0));
}

Status ApplyMigrations(Connection& conn, const std::vector<std::string_view>& migrations) {
  int current = TRY_CTX(SchemaVersion(conn), "reading schema version");
  int latest = static_cast<int>(migrations.size());
  if (current > latest) {
    return Error::Invalid("database schema version " + std::to_string(current) +
                          " is newer than this nest supports (" + std::to_string(latest) + ")");
  }
  for (int version = current + 1; version <= latest; ++version) {
    TRY_CTX(ApplyOne(conn, version, migrations[version - 1]),
            "applying schema migration " + std::to_string(version));
  }
  return Ok();
}

}  // namespace nest::db
