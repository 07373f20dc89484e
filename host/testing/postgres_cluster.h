// Test-only: a real, throwaway PostgreSQL cluster on loopback. initdb and
// pg_ctl (from /usr/lib/postgresql/<version>/bin) run in a fresh temporary
// directory on a random port, with the unix socket in that directory. When the
// tests run as root (as in CI), the server runs as the `postgres` user, since
// PostgreSQL refuses to run as root. The cluster is stopped and deleted when
// the object is destroyed.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace cloister::host::testing {

class PostgresCluster {
 public:
  // Starts a cluster; fails with kUnavailable if PostgreSQL is not installed.
  static Result<std::unique_ptr<PostgresCluster>> start();
  ~PostgresCluster();
  PostgresCluster(const PostgresCluster&) = delete;
  PostgresCluster& operator=(const PostgresCluster&) = delete;

  // Returns a libpq connection string for database `name` over TCP loopback.
  std::string conninfo(std::string_view name = "postgres") const;
  // Creates an empty database and returns its connection string.
  Result<std::string> create_database(std::string_view name);
  uint16_t port() const { return port_; }
  // Stops the server at once, as a crash would (pg_ctl -m immediate), and
  // starts it again on the same port.
  Status restart();

 private:
  PostgresCluster(std::filesystem::path dir, std::filesystem::path bin, uint16_t port,
                  std::string options)
      : dir_(std::move(dir)), bin_(std::move(bin)), port_(port), options_(std::move(options)) {}

  std::filesystem::path dir_;
  std::filesystem::path bin_;
  uint16_t port_;
  std::string options_;  // the server's command-line options (pg_ctl -o)
};

// Runs `argv` (no shell) and returns its exit status; its combined output
// goes to `output` if given.
int run_program(const std::vector<std::string>& argv, std::string* output = nullptr);

// Returns the PostgreSQL server binary directory, or kUnavailable.
Result<std::filesystem::path> find_postgres_bin();

}  // namespace cloister::host::testing
