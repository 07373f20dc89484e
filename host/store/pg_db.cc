#include "host/store/pg_db.h"

#include <charconv>
#include <cstring>

#include <libpq-fe.h>

#include "base/encoding.h"

namespace cloister::host {
namespace {

ErrorCode code_for_sqlstate(std::string_view state) {
  if (state == "23505") return ErrorCode::kAlreadyExists;                    // unique_violation
  if (state.starts_with("23")) return ErrorCode::kInvalidArgument;           // other integrity
  if (state == "40001" || state == "40P01") return ErrorCode::kUnavailable;  // retryable
  if (state.starts_with("08") || state.starts_with("57")) return ErrorCode::kUnavailable;
  if (state == "53100") return ErrorCode::kResourceExhausted;  // disk_full
  return ErrorCode::kIo;
}

std::string trimmed(const char* message) {
  std::string text = message != nullptr ? message : "";
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

}  // namespace

PgParams& PgParams::add(int64_t value) { return add_text(std::to_string(value)); }

PgParams& PgParams::add(ByteSpan bytea) {
  static const char kEmpty = 0;
  values_.push_back(bytea.empty() ? &kEmpty : reinterpret_cast<const char*>(bytea.data()));
  lengths_.push_back(static_cast<int>(bytea.size()));
  formats_.push_back(1);  // binary
  return *this;
}

PgParams& PgParams::add_text(std::string_view text) {
  storage_.push_back(std::make_unique<std::string>(text));
  values_.push_back(storage_.back()->c_str());
  lengths_.push_back(static_cast<int>(text.size()));
  formats_.push_back(0);
  return *this;
}

PgResult::PgResult(pg_result* result) : result_(result) {}
PgResult::~PgResult() {
  if (result_ != nullptr) PQclear(result_);
}

int PgResult::rows() const { return PQntuples(result_); }

uint64_t PgResult::affected() const {
  const char* text = PQcmdTuples(result_);
  uint64_t count = 0;
  if (text != nullptr) std::from_chars(text, text + std::strlen(text), count);
  return count;
}

bool PgResult::is_null(int row, int column) const { return PQgetisnull(result_, row, column) != 0; }

std::string PgResult::text(int row, int column) const {
  return std::string(PQgetvalue(result_, row, column),
                     static_cast<size_t>(PQgetlength(result_, row, column)));
}

int64_t PgResult::integer(int row, int column) const {
  std::string value = text(row, column);
  int64_t number = 0;
  std::from_chars(value.data(), value.data() + value.size(), number);
  return number;
}

bool PgResult::boolean(int row, int column) const { return text(row, column) == "t"; }

Result<Bytes> PgResult::bytea(int row, int column) const {
  if (is_null(row, column)) return Bytes{};
  std::string value = text(row, column);
  if (!value.starts_with("\\x")) {
    return Error(ErrorCode::kMalformed, "bytea column is not in hex output format");
  }
  return hex_decode(std::string_view(value).substr(2));
}

Result<PgConnection> PgConnection::connect(const std::string& conninfo) {
  PgConnection connection(PQconnectdb(conninfo.c_str()));
  if (connection.conn_ == nullptr || PQstatus(connection.conn_) != CONNECTION_OK) {
    return Error(
        ErrorCode::kUnavailable,
        "cannot connect to PostgreSQL: " +
            trimmed(connection.conn_ ? PQerrorMessage(connection.conn_) : "out of memory"));
  }
  CLOISTER_TRY(connection.exec("SET bytea_output = 'hex'"));
  CLOISTER_TRY(connection.exec("SET client_min_messages = warning"));
  return connection;
}

PgConnection::~PgConnection() {
  if (conn_ != nullptr) PQfinish(conn_);
}

PgConnection& PgConnection::operator=(PgConnection&& other) noexcept {
  if (this != &other) {
    if (conn_ != nullptr) PQfinish(conn_);
    conn_ = other.conn_;
    other.conn_ = nullptr;
  }
  return *this;
}

bool PgConnection::ensure_connected() {
  if (PQstatus(conn_) == CONNECTION_OK) return true;
  PQreset(conn_);
  if (PQstatus(conn_) != CONNECTION_OK) return false;
  return exec("SET bytea_output = 'hex'").ok();
}

Result<PgResult> PgConnection::exec(std::string_view sql, const PgParams& params) {
  std::string text(sql);
  // Without parameters, the simple protocol also runs multi-statement scripts.
  PgResult result(params.size() == 0
                      ? PQexec(conn_, text.c_str())
                      : PQexecParams(conn_, text.c_str(), params.size(), nullptr, params.values(),
                                     params.lengths(), params.formats(), 0));
  pg_result* raw = result.raw();
  ExecStatusType status = raw != nullptr ? PQresultStatus(raw) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return result;
  const char* state = raw != nullptr ? PQresultErrorField(raw, PG_DIAG_SQLSTATE) : nullptr;
  ErrorCode code = state != nullptr ? code_for_sqlstate(state) : ErrorCode::kUnavailable;
  return Error(code, "PostgreSQL: " + trimmed(raw != nullptr ? PQresultErrorMessage(raw)
                                                             : PQerrorMessage(conn_)));
}

Result<std::unique_ptr<PgPool>> PgPool::open(const std::string& conninfo, size_t size) {
  auto pool = std::make_unique<PgPool>();
  for (size_t i = 0; i < std::max<size_t>(size, 1); ++i) {
    CLOISTER_ASSIGN_OR_RETURN(auto connection, PgConnection::connect(conninfo));
    pool->free_.push_back(std::move(connection));
  }
  return pool;
}

}  // namespace cloister::host
