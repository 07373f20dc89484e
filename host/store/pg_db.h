// A thin RAII layer over libpq: connections, parameterized statements (bytea
// parameters sent in binary, results read as text), and a fixed-size pool.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"

struct pg_conn;
struct pg_result;

namespace cloister::host {

// Statement parameters ($1, $2, ...), in order.
class PgParams {
 public:
  // Append the next parameter: an integer (as text), a bytea (sent binary;
  // it must stay alive until the statement ran), or text.
  PgParams& add(int64_t value);
  PgParams& add(ByteSpan bytea);
  PgParams& add_text(std::string_view text);

  // The arrays PQexecParams takes.
  int size() const { return static_cast<int>(values_.size()); }
  const char* const* values() const { return values_.data(); }
  const int* lengths() const { return lengths_.data(); }
  const int* formats() const { return formats_.data(); }

 private:
  std::vector<std::unique_ptr<std::string>> storage_;
  std::vector<const char*> values_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
};

class PgResult {
 public:
  explicit PgResult(pg_result* result);
  ~PgResult();
  PgResult(PgResult&& other) noexcept : result_(other.result_) { other.result_ = nullptr; }
  PgResult& operator=(PgResult&&) = delete;

  // Returns the number of result rows.
  int rows() const;
  // Returns the number of rows an INSERT, UPDATE or DELETE touched.
  uint64_t affected() const;
  // Read a column of a row, in PostgreSQL's text format.
  bool is_null(int row, int column) const;
  std::string text(int row, int column) const;
  int64_t integer(int row, int column) const;
  bool boolean(int row, int column) const;
  // Decodes a bytea column from its hex text form ("\x0a1b...").
  Result<Bytes> bytea(int row, int column) const;
  // Returns the libpq result, for error details.
  pg_result* raw() const { return result_; }

 private:
  pg_result* result_;
};

class PgConnection {
 public:
  // Connects with a libpq connection string ("host=... dbname=..." or a URI).
  static Result<PgConnection> connect(const std::string& conninfo);
  ~PgConnection();
  PgConnection(PgConnection&& other) noexcept : conn_(other.conn_) { other.conn_ = nullptr; }
  PgConnection& operator=(PgConnection&& other) noexcept;

  // Runs one statement. A failed statement's SQLSTATE picks the error code:
  // unique violations are kAlreadyExists, serialization failures and lost
  // connections kUnavailable.
  Result<PgResult> exec(std::string_view sql, const PgParams& params = {});
  // Returns true if the connection is usable; tries one reset otherwise.
  bool ensure_connected();

 private:
  explicit PgConnection(pg_conn* conn) : conn_(conn) {}
  pg_conn* conn_;
};

// A fixed set of connections shared by threads; each caller borrows one.
class PgPool {
 public:
  // Opens `size` connections (at least one) to `conninfo`.
  static Result<std::unique_ptr<PgPool>> open(const std::string& conninfo, size_t size);

  // Borrows a connection for the duration of `fn(PgConnection&)`.
  template <class Fn>
  auto with_connection(Fn&& fn) {
    std::unique_lock lock(mutex_);
    free_cv_.wait(lock, [&] { return !free_.empty(); });
    PgConnection connection = std::move(free_.back());
    free_.pop_back();
    lock.unlock();
    connection.ensure_connected();
    auto result = fn(connection);
    lock.lock();
    free_.push_back(std::move(connection));
    free_cv_.notify_one();
    return result;
  }

 private:
  std::mutex mutex_;
  std::condition_variable free_cv_;
  std::vector<PgConnection> free_;
};

// Runs `fn(PgConnection&)` (returning a Result) inside BEGIN/COMMIT, rolling
// back if it or the commit fails.
template <class Fn>
auto pg_transaction(PgConnection& connection, Fn&& fn) -> decltype(fn(connection)) {
  auto begin = connection.exec("BEGIN");
  if (!begin.ok()) return begin.error();
  auto result = fn(connection);
  if (!result.ok()) {
    (void)connection.exec("ROLLBACK");
    return result;
  }
  auto commit = connection.exec("COMMIT");
  if (!commit.ok()) {
    (void)connection.exec("ROLLBACK");
    return commit.error();
  }
  return result;
}

}  // namespace cloister::host
