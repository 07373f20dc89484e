// Opens the store a configuration names, and checks its schema.
#pragma once

#include <memory>

#include "host/config.h"
#include "host/store/store.h"

namespace cloister::host {

// Opens SQLite or PostgreSQL as `database` says. Does not migrate.
Result<std::unique_ptr<Store>> open_store(const DatabaseConfig& database);

// Fails with kFailedPrecondition, saying to run `cloister-host db migrate`,
// unless the schema is exactly kSchemaVersion.
Status require_current_schema(Store& store);

}  // namespace cloister::host
