// Numbered schema migrations. Migration N (1-based) is the N-th script of the
// list; the `schema_version` table records which have run. Migrations are only
// ever appended, never edited once released.
#pragma once

#include <string_view>
#include <vector>

#include "base/result.h"
#include "db/sqlite.h"

namespace nest::db {

// The migrations nest ships, in order.
const std::vector<std::string_view>& Migrations();

// The version a fully migrated database has (== Migrations().size()).
int LatestSchemaVersion();

// The highest applied migration, 0 for a fresh database.
base::Result<int> SchemaVersion(Connection& conn);

// Runs the missing migrations of `migrations` in order, each in its own
// transaction together with its schema_version row; a failing script is rolled
// back and reported (kInternal, "applying schema migration N: ..."), earlier
// ones stay applied. Fails kInvalid when the database is newer than the list.
// Idempotent. Requires that no transaction is open on conn.
base::Status ApplyMigrations(Connection& conn, const std::vector<std::string_view>& migrations);
inline base::Status ApplyMigrations(Connection& conn) {
  return ApplyMigrations(conn, Migrations());
}

}  // namespace nest::db
