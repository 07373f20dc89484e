// The PostgreSQL store, for running many stateless hosts over one database.
// Each operation borrows a pooled connection; blob and slot writes lock the
// account's row, so an account's changes are numbered without gaps or races
// however many hosts write at once.
#pragma once

#include <memory>
#include <string>

#include "host/store/store.h"

namespace cloister::host {

struct PostgresOptions {
  std::string conninfo;  // a libpq connection string or URI
  size_t pool_size = 8;
};

// Connects the pool. Does not migrate.
Result<std::unique_ptr<Store>> open_postgres_store(const PostgresOptions& options);

}  // namespace cloister::host
