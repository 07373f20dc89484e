// The embedded SQLite store: one writer connection (all writes are
// serialized through it, BEGIN IMMEDIATE, synchronous=FULL) and a few reader
// connections that run beside it thanks to WAL.
#pragma once

#include <filesystem>
#include <memory>

#include "host/store/store.h"

namespace cloister::host {

struct SqliteOptions {
  std::filesystem::path path;
  size_t readers = 4;
  // How long a statement waits for another process's lock (e.g. an admin
  // command) before failing with kUnavailable.
  int busy_timeout_ms = 5000;
};

// Opens (creating if needed) the database file. Does not migrate.
Result<std::unique_ptr<Store>> open_sqlite_store(const SqliteOptions& options);

}  // namespace cloister::host
