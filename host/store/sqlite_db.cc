#include "host/store/sqlite_db.h"

#include <sqlite3.h>

namespace cloister::host {
namespace {

ErrorCode code_for(int result) {
  switch (result & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return ErrorCode::kUnavailable;
    case SQLITE_CONSTRAINT: return ErrorCode::kAlreadyExists;
    case SQLITE_FULL: return ErrorCode::kResourceExhausted;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return ErrorCode::kMalformed;
    default: return ErrorCode::kIo;
  }
}

}  // namespace

Result<SqliteConnection> SqliteConnection::open(const std::filesystem::path& path,
                                                int busy_timeout_ms) {
  sqlite3* db = nullptr;
  int result = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  SqliteConnection connection(db);
  if (result != SQLITE_OK) {
    return connection.error("opening SQLite database '" + path.string() + "'");
  }
  sqlite3_busy_timeout(db, busy_timeout_ms);
  // WAL lets readers run beside the one writer; FULL makes every commit
  // durable before it is acknowledged.
  CLOISTER_TRY(
      connection.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"));
  return connection;
}

SqliteConnection::~SqliteConnection() {
  if (db_ != nullptr) sqlite3_close_v2(db_);
}

SqliteConnection::SqliteConnection(SqliteConnection&& other) noexcept : db_(other.db_) {
  other.db_ = nullptr;
}

SqliteConnection& SqliteConnection::operator=(SqliteConnection&& other) noexcept {
  if (this != &other) {
    if (db_ != nullptr) sqlite3_close_v2(db_);
    db_ = other.db_;
    other.db_ = nullptr;
  }
  return *this;
}

Status SqliteConnection::exec(std::string_view sql) {
  std::string text(sql);
  if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
    return error("running SQL");
  }
  return ok_status();
}

Error SqliteConnection::error(std::string_view what) const {
  if (db_ == nullptr) return Error(ErrorCode::kIo, std::string(what) + ": out of memory");
  int code = sqlite3_extended_errcode(db_);
  return Error(code_for(code), std::string(what) + ": " + sqlite3_errmsg(db_));
}

Result<SqliteStatement> SqliteStatement::prepare(SqliteConnection& connection,
                                                 std::string_view sql) {
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(connection.handle(), sql.data(), static_cast<int>(sql.size()), &statement,
                         nullptr) != SQLITE_OK) {
    return connection.error("preparing SQL");
  }
  return SqliteStatement(connection, statement);
}

SqliteStatement::~SqliteStatement() {
  if (statement_ != nullptr) sqlite3_finalize(statement_);
}

SqliteStatement::SqliteStatement(SqliteStatement&& other) noexcept
    : connection_(other.connection_), statement_(other.statement_), bind_error_(other.bind_error_) {
  other.statement_ = nullptr;
}

SqliteStatement& SqliteStatement::bind(int index, int64_t value) {
  if (bind_error_ == 0) bind_error_ = sqlite3_bind_int64(statement_, index, value);
  return *this;
}

SqliteStatement& SqliteStatement::bind(int index, ByteSpan blob) {
  if (bind_error_ == 0) {
    // A zero-length blob must still bind as a blob, not NULL.
    static const uint8_t kEmpty = 0;
    const void* data = blob.empty() ? &kEmpty : blob.data();
    bind_error_ = sqlite3_bind_blob64(statement_, index, data, blob.size(), SQLITE_TRANSIENT);
  }
  return *this;
}

SqliteStatement& SqliteStatement::bind_text(int index, std::string_view text) {
  if (bind_error_ == 0) {
    bind_error_ = sqlite3_bind_text64(statement_, index, text.data(), text.size(), SQLITE_TRANSIENT,
                                      SQLITE_UTF8);
  }
  return *this;
}

Status SqliteStatement::check_binds() const {
  if (bind_error_ != 0) {
    return Error(code_for(bind_error_),
                 std::string("binding SQL parameter: ") + sqlite3_errstr(bind_error_));
  }
  return ok_status();
}

Result<bool> SqliteStatement::step() {
  CLOISTER_TRY(check_binds());
  int result = sqlite3_step(statement_);
  if (result == SQLITE_ROW) return true;
  if (result == SQLITE_DONE) return false;
  return connection_->error("running SQL");
}

Status SqliteStatement::run() {
  while (true) {
    CLOISTER_ASSIGN_OR_RETURN(bool row, step());
    if (!row) return ok_status();
  }
}

int64_t SqliteStatement::column_int(int index) const {
  return sqlite3_column_int64(statement_, index);
}

Bytes SqliteStatement::column_blob(int index) const {
  const auto* data = static_cast<const uint8_t*>(sqlite3_column_blob(statement_, index));
  int size = sqlite3_column_bytes(statement_, index);
  if (data == nullptr || size <= 0) return {};
  return Bytes(data, data + size);
}

std::string SqliteStatement::column_text(int index) const {
  const auto* text = sqlite3_column_text(statement_, index);
  int size = sqlite3_column_bytes(statement_, index);
  if (text == nullptr || size <= 0) return {};
  return std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(size));
}

bool SqliteStatement::column_is_null(int index) const {
  return sqlite3_column_type(statement_, index) == SQLITE_NULL;
}

int SqliteStatement::changes() const { return sqlite3_changes(connection_->handle()); }

Result<SqliteTransaction> SqliteTransaction::begin(SqliteConnection& connection) {
  CLOISTER_TRY(connection.exec("BEGIN IMMEDIATE"));
  return SqliteTransaction(connection);
}

SqliteTransaction::~SqliteTransaction() {
  if (open_) (void)connection_->exec("ROLLBACK");
}

Status SqliteTransaction::commit() {
  CLOISTER_TRY(connection_->exec("COMMIT"));
  open_ = false;
  return ok_status();
}

}  // namespace cloister::host
