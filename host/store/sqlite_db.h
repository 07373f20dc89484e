// A thin RAII layer over the SQLite C API: connections, prepared statements
// with typed binds and columns, and transactions. Errors become Status values
// naming the statement that failed.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace cloister::host {

class SqliteConnection {
 public:
  // Opens (creating if needed) the database at `path` in WAL mode with
  // synchronous=FULL, foreign keys on, and a busy timeout.
  static Result<SqliteConnection> open(const std::filesystem::path& path, int busy_timeout_ms);
  ~SqliteConnection();
  SqliteConnection(SqliteConnection&& other) noexcept;
  SqliteConnection& operator=(SqliteConnection&& other) noexcept;

  // Runs one or more statements that return no rows.
  Status exec(std::string_view sql);
  // Returns the raw handle, for statements.
  sqlite3* handle() { return db_; }
  // Returns the error for the connection's last failure during `what`.
  Error error(std::string_view what) const;

 private:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}
  sqlite3* db_ = nullptr;
};

class SqliteStatement {
 public:
  // Prepares `sql` on `connection`.
  static Result<SqliteStatement> prepare(SqliteConnection& connection, std::string_view sql);
  ~SqliteStatement();
  SqliteStatement(SqliteStatement&& other) noexcept;
  SqliteStatement& operator=(SqliteStatement&&) = delete;

  // Binds parameter `index` (1-based). Blobs and text are copied.
  SqliteStatement& bind(int index, int64_t value);
  SqliteStatement& bind(int index, ByteSpan blob);
  SqliteStatement& bind_text(int index, std::string_view text);

  // Steps once: true if a row is available, false when done.
  Result<bool> step();
  // Steps to completion, expecting no rows.
  Status run();

  // Read column `index` (0-based) of the current row; NULL reads as 0 or empty.
  int64_t column_int(int index) const;
  Bytes column_blob(int index) const;
  std::string column_text(int index) const;
  bool column_is_null(int index) const;
  // Returns the number of rows the last completed statement changed.
  int changes() const;

 private:
  SqliteStatement(SqliteConnection& connection, sqlite3_stmt* statement)
      : connection_(&connection), statement_(statement) {}
  Status check_binds() const;

  SqliteConnection* connection_;
  sqlite3_stmt* statement_;
  int bind_error_ = 0;
};

// BEGIN IMMEDIATE on construction; rolls back unless commit() succeeded.
class SqliteTransaction {
 public:
  static Result<SqliteTransaction> begin(SqliteConnection& connection);
  ~SqliteTransaction();
  SqliteTransaction(SqliteTransaction&& other) noexcept
      : connection_(other.connection_), open_(other.open_) {
    other.open_ = false;
  }
  SqliteTransaction& operator=(SqliteTransaction&&) = delete;

  // Commits; after a failure the destructor rolls back.
  Status commit();

 private:
  explicit SqliteTransaction(SqliteConnection& connection) : connection_(&connection) {}
  SqliteConnection* connection_;
  bool open_ = true;
};

}  // namespace cloister::host
