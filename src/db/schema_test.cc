#include "db/schema.h"

#include <gtest/gtest.h>

namespace nest::db {
namespace {

using base::ErrorKind;

Connection OpenMemory() {
  auto conn = Connection::Open(":memory:");
  EXPECT_TRUE(conn.ok());
  return std::move(conn).value();
}

int64_t Count(Connection& conn, const std::string& sql) {
  auto stmt = conn.Prepare(sql);
  EXPECT_TRUE(stmt.ok());
  EXPECT_TRUE(stmt->Step().value());
  return stmt->ColumnInt64(0);
}

TEST(SchemaTest, FreshDatabaseGetsEveryMigration) {
  Connection conn = OpenMemory();
  EXPECT_EQ(SchemaVersion(conn).value(), 0);
  ASSERT_TRUE(ApplyMigrations(conn).ok());
  EXPECT_EQ(SchemaVersion(conn).value(), LatestSchemaVersion());
  EXPECT_EQ(Count(conn, "SELECT COUNT(*) FROM profiles WHERE name = 'default'"), 1);
}

TEST(SchemaTest, ApplyIsIdempotent) {
  Connection conn = OpenMemory();
  ASSERT_TRUE(ApplyMigrations(conn).ok());
  ASSERT_TRUE(ApplyMigrations(conn).ok());
  EXPECT_EQ(SchemaVersion(conn).value(), LatestSchemaVersion());
  EXPECT_EQ(Count(conn, "SELECT COUNT(*) FROM profiles"), 1);
}

TEST(SchemaTest, RunsOnlyMissingMigrations) {
  Connection conn = OpenMemory();
  std::vector<std::string_view> migrations = {"CREATE TABLE a (x INTEGER)"};
  ASSERT_TRUE(ApplyMigrations(conn, migrations).ok());
  migrations.push_back("CREATE TABLE b (y INTEGER)");
  ASSERT_TRUE(ApplyMigrations(conn, migrations).ok());
  EXPECT_EQ(SchemaVersion(conn).value(), 2);
  EXPECT_EQ(Count(conn, "SELECT COUNT(*) FROM sqlite_master WHERE name IN ('a', 'b')"), 2);
}

TEST(SchemaTest, FailingMigrationRollsBackAlone) {
  Connection conn = OpenMemory();
  std::vector<std::string_view> migrations = {
      "CREATE TABLE a (x INTEGER)",
      "CREATE TABLE b (y INTEGER); CREATE TABLE a (z INTEGER)",
  };
  auto status = ApplyMigrations(conn, migrations);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message().find("applying schema migration 2"), std::string::npos);
  EXPECT_EQ(SchemaVersion(conn).value(), 1);
  EXPECT_EQ(Count(conn, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'b'"), 0);
}

TEST(SchemaTest, NewerDatabaseRefused) {
  Connection conn = OpenMemory();
  ASSERT_TRUE(ApplyMigrations(conn, {"SELECT 1", "SELECT 2"}).ok());
  auto status = ApplyMigrations(conn, {"SELECT 1"});
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().kind(), ErrorKind::kInvalid);
}

}  // namespace
}  // namespace nest::db
