#include "db/sqlite.h"

#include <gtest/gtest.h>

namespace nest::db {
namespace {

using base::ErrorKind;

Connection OpenMemory() {
  auto conn = Connection::Open(":memory:");
  EXPECT_TRUE(conn.ok());
  return std::move(conn).value();
}

TEST(SqliteTest, BindStepAndRead) {
  Connection conn = OpenMemory();
  ASSERT_TRUE(conn.Exec("CREATE TABLE t (a INTEGER, b TEXT, c TEXT)").ok());
  auto insert = conn.Prepare("INSERT INTO t VALUES (?, ?, ?)");
  ASSERT_TRUE(insert.ok());
  ASSERT_TRUE(insert->BindAll(int64_t{42}, std::string("hello\0x", 7), nullptr).ok());
  ASSERT_TRUE(insert->Run().ok());
  EXPECT_EQ(conn.Changes(), 1);
  EXPECT_EQ(conn.LastInsertRowid(), 1);

  auto select = conn.Prepare("SELECT a, b, c FROM t");
  ASSERT_TRUE(select.ok());
  auto row = select->Step();
  ASSERT_TRUE(row.ok());
  ASSERT_TRUE(*row);
  EXPECT_EQ(select->ColumnInt64(0), 42);
  EXPECT_EQ(select->ColumnText(1), std::string("hello\0x", 7));
  EXPECT_TRUE(select->ColumnIsNull(2));
  EXPECT_EQ(select->ColumnText(2), "");
  row = select->Step();
  ASSERT_TRUE(row.ok());
  EXPECT_FALSE(*row);
}

TEST(SqliteTest, ErrorsNameOperationAndReason) {
  Connection conn = OpenMemory();
  auto bad = conn.Prepare("SELECT * FROM missing");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind(), ErrorKind::kInternal);
  EXPECT_NE(bad.error().message().find("preparing statement"), std::string::npos);
  EXPECT_NE(bad.error().message().find("no such table: missing"), std::string::npos);

  auto exec = conn.Exec("NOT SQL");
  ASSERT_FALSE(exec.ok());
  EXPECT_NE(exec.error().message().find("executing SQL"), std::string::npos);
}

TEST(SqliteTest, ConstraintKinds) {
  Connection conn = OpenMemory();
  ASSERT_TRUE(conn.Exec("CREATE TABLE t (a TEXT UNIQUE, b TEXT NOT NULL)").ok());
  ASSERT_TRUE(conn.Exec("INSERT INTO t VALUES ('x', 'y')").ok());
  auto dup = conn.Prepare("INSERT INTO t VALUES ('x', 'z')");
  ASSERT_TRUE(dup.ok());
  auto status = dup->Run();
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().kind(), ErrorKind::kConflict);
  EXPECT_NE(status.error().message().find("UNIQUE constraint failed"), std::string::npos);

  auto null = conn.Prepare("INSERT INTO t VALUES ('q', NULL)");
  ASSERT_TRUE(null.ok());
  status = null->Run();
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().kind(), ErrorKind::kInvalid);
}

TEST(SqliteTest, ResetReruns) {
  Connection conn = OpenMemory();
  auto stmt = conn.Prepare("SELECT ?");
  ASSERT_TRUE(stmt.ok());
  ASSERT_TRUE(stmt->Bind(1, "v").ok());
  ASSERT_TRUE(stmt->Step().value());
  EXPECT_EQ(stmt->ColumnText(0), "v");
  ASSERT_TRUE(stmt->Reset().ok());
  ASSERT_TRUE(stmt->Step().value());
  EXPECT_EQ(stmt->ColumnText(0), "v");
}

TEST(SqliteTest, MovedConnectionOwnsHandle) {
  Connection a = OpenMemory();
  Connection b = std::move(a);
  EXPECT_FALSE(a.is_open());
  EXPECT_TRUE(b.is_open());
  EXPECT_TRUE(b.Exec("SELECT 1").ok());
}

TEST(SqliteTest, CachedStatementsAreReusedResetAndUnbound) {
  Connection conn = OpenMemory();
  ASSERT_TRUE(conn.Exec("CREATE TABLE t (k TEXT, v INTEGER)").ok());
  ASSERT_TRUE(conn.Exec("INSERT INTO t VALUES ('a', 1), ('b', 2)").ok());
  const char* sql = "SELECT v FROM t WHERE k = ?";
  const void* first_handle = nullptr;
  {
    auto q = conn.PrepareCached(sql);
    ASSERT_TRUE(q.ok());
    ASSERT_TRUE(q->Bind(1, "a").ok());
    ASSERT_TRUE(q->Step().value());
    EXPECT_EQ(q->ColumnInt64(0), 1);
    first_handle = q->sql();
    // Left mid-result: the cache resets it.
  }
  {
    auto q = conn.PrepareCached(sql);
    ASSERT_TRUE(q.ok());
    EXPECT_EQ(static_cast<const void*>(q->sql()), first_handle);  // the same compiled statement
    EXPECT_FALSE(q->Step().value());  // bindings were cleared: k = NULL matches nothing…
  }
  {
    // …and two live copies of one SQL do not share state.
    auto a = conn.PrepareCached(sql);
    auto b = conn.PrepareCached(sql);
    ASSERT_TRUE(a.ok() && b.ok());
    ASSERT_TRUE(a->Bind(1, "a").ok());
    ASSERT_TRUE(b->Bind(1, "b").ok());
    ASSERT_TRUE(a->Step().value());
    ASSERT_TRUE(b->Step().value());
    EXPECT_EQ(a->ColumnInt64(0), 1);
    EXPECT_EQ(b->ColumnInt64(0), 2);
  }
  // A moved connection keeps its cache; the statements it holds still work.
  Connection moved = std::move(conn);
  auto q = moved.PrepareCached(sql);
  ASSERT_TRUE(q.ok());
  ASSERT_TRUE(q->Bind(1, "b").ok());
  ASSERT_TRUE(q->Step().value());
  EXPECT_EQ(q->ColumnInt64(0), 2);
  auto bad = moved.PrepareCached("SELECT nope FROM nowhere");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("no such table"), std::string::npos);
}

}  // namespace
}  // namespace nest::db
