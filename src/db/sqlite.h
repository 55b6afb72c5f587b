// A thin RAII wrapper over the sqlite3 C API: a Connection owns a database
// handle, a Statement owns a prepared statement. Every sqlite failure becomes a
// base::Error naming the operation and carrying sqlite3_errmsg.
//
// Error kinds: a UNIQUE or PRIMARY KEY violation is kConflict, any other
// constraint violation is kInvalid, SQLITE_BUSY/LOCKED is kUnavailable,
// everything else is kInternal.
//
// Thread-safety: neither class is thread-safe; the owner serialises access
// (db::Database does so with its mutex).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace nest::db {

class StatementCache;

class Statement {
 public:
  Statement() = default;
  ~Statement();
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Parameter indices start at 1, as in sqlite.
  base::Status Bind(int index, int64_t value);
  base::Status Bind(int index, std::string_view value);
  base::Status BindNull(int index);

  // Binds args to parameters 1..N in order (integers, bools, strings, nullptr).
  template <typename... Args>
  base::Status BindAll(const Args&... args) {
    int index = 0;
    base::Status status;
    ((status.ok() ? (void)(status = BindOne(++index, args)) : void()), ...);
    return status;
  }

  // Advances to the next row: true when a row is available, false when done.
  base::Result<bool> Step();
  // Steps to completion, discarding any rows (for INSERT/UPDATE/DELETE).
  base::Status Run();
  // Rewinds for re-execution; bindings are kept.
  base::Status Reset();

  // Column getters for the current row; indices start at 0. A NULL column
  // reads as 0 or "".
  int64_t ColumnInt64(int column) const;
  std::string ColumnText(int column) const;
  bool ColumnIsNull(int column) const;

  const char* sql() const;

 private:
  friend class Connection;
  explicit Statement(sqlite3_stmt* stmt, StatementCache* cache = nullptr)
      : stmt_(stmt), cache_(cache) {}
  // Finalizes the statement, or resets it and gives it back to its cache.
  void Release();

  base::Status BindOne(int index, int64_t v) { return Bind(index, v); }
  base::Status BindOne(int index, int v) { return Bind(index, static_cast<int64_t>(v)); }
  base::Status BindOne(int index, bool v) { return Bind(index, static_cast<int64_t>(v)); }
  base::Status BindOne(int index, std::string_view v) { return Bind(index, v); }
  base::Status BindOne(int index, const std::string& v) { return Bind(index, std::string_view(v)); }
  base::Status BindOne(int index, const char* v) { return Bind(index, std::string_view(v)); }
  base::Status BindOne(int index, long long v) { return Bind(index, static_cast<int64_t>(v)); }
  base::Status BindOne(int index, std::nullptr_t) { return BindNull(index); }

  base::Error Fail(const std::string& operation, int rc) const;

  sqlite3_stmt* stmt_ = nullptr;
  StatementCache* cache_ = nullptr;  // the connection's, for a PrepareCached statement
};

class Connection {
 public:
  Connection() = default;
  ~Connection();
  Connection(Connection&& other) noexcept;
  Connection& operator=(Connection&& other) noexcept;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Opens (creating if missing) the database at path; ":memory:" is an
  // in-memory database. Fails kInternal/kUnavailable with the path and reason.
  static base::Result<Connection> Open(const std::string& path);

  // Runs one or more SQL statements, discarding any rows.
  base::Status Exec(std::string_view sql);
  base::Result<Statement> Prepare(std::string_view sql);
  // As Prepare, but the compiled statement is kept: once this Statement is
  // destroyed, the next PrepareCached of the same SQL reuses it (reset, its
  // bindings cleared) instead of compiling the SQL again, ~20 us of every
  // query. For the fixed SQL of db::Database; must not outlive the connection.
  base::Result<Statement> PrepareCached(std::string_view sql);

  int64_t LastInsertRowid() const;
  // Rows changed by the most recent INSERT/UPDATE/DELETE.
  int Changes() const;
  // Rows changed by every INSERT/UPDATE/DELETE since the connection opened.
  int64_t TotalChanges() const;

  bool is_open() const { return db_ != nullptr; }
  sqlite3* raw() const { return db_; }

 private:
  explicit Connection(sqlite3* db);
  void Close();

  sqlite3* db_ = nullptr;
  std::unique_ptr<StatementCache> cache_;  // a stable address: statements point to it
};

// Converts an sqlite result code into an Error: "<operation>: <errmsg>".
base::Error SqliteError(sqlite3* db, const std::string& operation, int rc);

}  // namespace nest::db
