#include "host/store/open_store.h"

#include "host/store/postgres_store.h"
#include "host/store/sqlite_store.h"

namespace cloister::host {

Result<std::unique_ptr<Store>> open_store(const DatabaseConfig& database) {
  if (database.kind == DatabaseConfig::Kind::kPostgres) {
    return open_postgres_store({database.postgres_conninfo, database.postgres_pool_size});
  }
  SqliteOptions options;
  options.path = database.sqlite_path;
  return open_sqlite_store(options);
}

Status require_current_schema(Store& store) {
  CLOISTER_ASSIGN_OR_RETURN(int version, store.schema_version());
  if (version != kSchemaVersion) {
    return Error(ErrorCode::kFailedPrecondition,
                 "the " + std::string(store.backend()) + " database has schema version " +
                     std::to_string(version) + ", this build needs " +
                     std::to_string(kSchemaVersion) + ": run `cloister-host db migrate` first");
  }
  return ok_status();
}

}  // namespace cloister::host
