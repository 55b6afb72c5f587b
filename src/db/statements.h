// Helpers for running one statement with bound arguments. Internal to db.
#pragma once

#include <string_view>

#include "base/result.h"
#include "db/sqlite.h"

namespace nest::db {

// Prepares sql (compiled once per connection, see PrepareCached) and binds
// args to its parameters 1..N, ready to Step().
template <typename... Args>
base::Result<Statement> Query(Connection& conn, std::string_view sql, const Args&... args) {
  Statement stmt = TRY(conn.PrepareCached(sql));
  TRY(stmt.BindAll(args...));
  return stmt;
}

// Runs a write statement; returns the number of rows it changed.
template <typename... Args>
base::Result<int> Write(Connection& conn, std::string_view sql, const Args&... args) {
  Statement stmt = TRY(Query(conn, sql, args...));
  TRY(stmt.Run());
  return conn.Changes();
}

// Whether the query returns at least one row.
template <typename... Args>
base::Result<bool> Exists(Connection& conn, std::string_view sql, const Args&... args) {
  Statement stmt = TRY(Query(conn, sql, args...));
  return stmt.Step();
}

}  // namespace nest::db
