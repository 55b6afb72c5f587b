#include "db/sqlite.h"

#include <sqlite3.h>

#include <map>
#include <utility>
#include <vector>

namespace nest::db {

using base::Error;
using base::ErrorKind;
using base::Ok;
using base::Result;
using base::Status;

namespace {

ErrorKind KindOf(int rc) {
  switch (rc) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
      return ErrorKind::kConflict;
    default:
      break;
  }
  switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
      return ErrorKind::kInvalid;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return ErrorKind::kUnavailable;
    default:
      return ErrorKind::kInternal;
  }
}

}  // namespace

Error SqliteError(sqlite3* db, const std::string& operation, int rc) {
  std::string reason = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  return Error(KindOf(rc), operation + ": " + reason);
}

// The compiled statements a connection keeps, idle ones by SQL text.
class StatementCache {
 public:
  StatementCache() = default;
  ~StatementCache() {
    for (auto& [sql, stmts] : idle_) {
      for (sqlite3_stmt* stmt : stmts) sqlite3_finalize(stmt);
    }
  }
  StatementCache(const StatementCache&) = delete;
  StatementCache& operator=(const StatementCache&) = delete;

  sqlite3_stmt* Take(std::string_view sql) {
    auto it = idle_.find(sql);
    if (it == idle_.end() || it->second.empty()) return nullptr;
    sqlite3_stmt* stmt = it->second.back();
    it->second.pop_back();
    return stmt;
  }

  void Give(sqlite3_stmt* stmt) {
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    // More than one idle copy only after nested uses of the same SQL.
    auto& stmts = idle_[sqlite3_sql(stmt)];
    if (stmts.size() >= kMaxIdlePerSql) {
      sqlite3_finalize(stmt);
      return;
    }
    stmts.push_back(stmt);
  }

 private:
  static constexpr size_t kMaxIdlePerSql = 2;
  std::map<std::string, std::vector<sqlite3_stmt*>, std::less<>> idle_;
};

// Statement

Statement::~Statement() { Release(); }

void Statement::Release() {
  if (stmt_ == nullptr) return;
  if (cache_ != nullptr) {
    cache_->Give(stmt_);
  } else {
    sqlite3_finalize(stmt_);
  }
  stmt_ = nullptr;
  cache_ = nullptr;
}

Statement::Statement(Statement&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)), cache_(std::exchange(other.cache_, nullptr)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    Release();
    stmt_ = std::exchange(other.stmt_, nullptr);
    cache_ = std::exchange(other.cache_, nullptr);
  }
  return *this;
}

const char* Statement::sql() const { return stmt_ != nullptr ? sqlite3_sql(stmt_) : ""; }

Error Statement::Fail(const std::string& operation, int rc) const {
  return SqliteError(stmt_ != nullptr ? sqlite3_db_handle(stmt_) : nullptr,
                     operation + " (" + sql() + ")", rc);
}

Status Statement::Bind(int index, int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK) return Fail("binding parameter " + std::to_string(index), rc);
  return Ok();
}

Status Statement::Bind(int index, std::string_view value) {
  int rc =
      sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK) return Fail("binding parameter " + std::to_string(index), rc);
  return Ok();
}

Status Statement::BindNull(int index) {
  int rc = sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK) return Fail("binding parameter " + std::to_string(index), rc);
  return Ok();
}

Result<bool> Statement::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return Fail("executing statement", rc);
}

Status Statement::Run() {
  while (TRY(Step())) {
  }
  return Ok();
}

Status Statement::Reset() {
  int rc = sqlite3_reset(stmt_);
  if (rc != SQLITE_OK) return Fail("resetting statement", rc);
  return Ok();
}

int64_t Statement::ColumnInt64(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string Statement::ColumnText(int column) const {
  const unsigned char* text = sqlite3_column_text(stmt_, column);
  if (text == nullptr) return {};
  int size = sqlite3_column_bytes(stmt_, column);
  return std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(size));
}

bool Statement::ColumnIsNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

// Connection

Connection::Connection(sqlite3* db) : db_(db), cache_(std::make_unique<StatementCache>()) {}

Connection::~Connection() { Close(); }

Connection::Connection(Connection&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), cache_(std::move(other.cache_)) {}

Connection& Connection::operator=(Connection&& other) noexcept {
  if (this != &other) {
    Close();
    db_ = std::exchange(other.db_, nullptr);
    cache_ = std::move(other.cache_);
  }
  return *this;
}

void Connection::Close() {
  cache_.reset();  // finalizes the idle statements before the handle closes
  if (db_ != nullptr) {
    sqlite3_close_v2(db_);
    db_ = nullptr;
  }
}

Result<Connection> Connection::Open(const std::string& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  Connection conn(db);  // sqlite may hand back a handle even on failure; it must be closed.
  if (rc != SQLITE_OK) return SqliteError(db, "opening database " + path, rc);
  sqlite3_extended_result_codes(db, 1);
  return conn;
}

Status Connection::Exec(std::string_view sql) {
  std::string text(sql);
  char* message = nullptr;
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    std::string reason = message != nullptr ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    Error error = SqliteError(db_, "executing SQL", rc);
    return Error(error.kind(), "executing SQL: " + reason);
  }
  return Ok();
}

Result<Statement> Connection::Prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return SqliteError(db_, "preparing statement (" + std::string(sql) + ")", rc);
  }
  return Statement(stmt);
}

Result<Statement> Connection::PrepareCached(std::string_view sql) {
  if (!cache_) return Prepare(sql);
  if (sqlite3_stmt* stmt = cache_->Take(sql)) return Statement(stmt, cache_.get());
  Statement fresh = TRY(Prepare(sql));
  fresh.cache_ = cache_.get();
  return fresh;
}

int64_t Connection::LastInsertRowid() const { return sqlite3_last_insert_rowid(db_); }

int Connection::Changes() const { return sqlite3_changes(db_); }

int64_t Connection::TotalChanges() const { return sqlite3_total_changes64(db_); }

}  // namespace nest::db
