// cloister-host: the untrusted relay, account service and encrypted store.
#include <pthread.h>

#include <csignal>
#include <iostream>

#include "base/files.h"
#include "host/config.h"
#include "host/host_service.h"
#include "host/store/open_store.h"
#include "tools/common/cli.h"

namespace {

using cloister::Error;
using cloister::ErrorCode;
using cloister::Result;
using cloister::Status;
using cloister::host::HostConfig;
namespace tools = cloister::tools;

// Flags that override the configuration file, shared by every command.
struct Overrides {
  std::string config_file;
  std::string database;  // "sqlite:PATH" or "postgres:CONNINFO"
  std::string listen;    // "ADDRESS:PORT"
  int port = -1;
  std::string static_dir;
};

void add_config_flags(CLI::App* command, Overrides& overrides, bool serving) {
  command
      ->add_option("-c,--config", overrides.config_file,
                   "JSON configuration file (see docs/deployment.md); without it, defaults "
                   "apply: SQLite in ./cloister-host.db, listening on 127.0.0.1:8080")
      ->check(CLI::ExistingFile);
  command->add_option("--database", overrides.database,
                      "Database to use instead of the configured one: sqlite:PATH or "
                      "postgres:CONNINFO (a libpq connection string or URI)");
  if (!serving) return;
  command->add_option("--listen", overrides.listen,
                      "Address and port to listen on instead of the configured ones, e.g. "
                      "0.0.0.0:8443 or [::]:8443");
  command->add_option("--port", overrides.port, "Port to listen on (0 picks a free one)")
      ->check(CLI::Range(0, 65535));
  command
      ->add_option("--static-dir", overrides.static_dir,
                   "Directory of the web app's static build to serve at /")
      ->check(CLI::ExistingDirectory);
}

Status apply_database(const std::string& spec, cloister::host::DatabaseConfig& database) {
  if (spec.starts_with("sqlite:")) {
    database.kind = cloister::host::DatabaseConfig::Kind::kSqlite;
    database.sqlite_path = spec.substr(7);
  } else if (spec.starts_with("postgres:")) {
    database.kind = cloister::host::DatabaseConfig::Kind::kPostgres;
    database.postgres_conninfo = spec.substr(9);
  } else {
    return Error(ErrorCode::kInvalidArgument,
                 "--database must be sqlite:PATH or postgres:CONNINFO, not '" + spec + "'");
  }
  return cloister::ok_status();
}

Status apply_listen(const std::string& spec, HostConfig& config) {
  size_t colon = spec.rfind(':');
  if (colon == std::string::npos) {
    return Error(ErrorCode::kInvalidArgument, "--listen must be ADDRESS:PORT");
  }
  std::string address = spec.substr(0, colon);
  if (address.size() >= 2 && address.front() == '[' && address.back() == ']') {
    address = address.substr(1, address.size() - 2);
  }
  int port = 0;
  try {
    port = std::stoi(spec.substr(colon + 1));
  } catch (const std::exception&) {
    port = -1;
  }
  if (port < 0 || port > 65535) {
    return Error(ErrorCode::kInvalidArgument, "--listen port must be 0 to 65535");
  }
  config.listen_address = address;
  config.port = static_cast<uint16_t>(port);
  return cloister::ok_status();
}

Result<HostConfig> effective_config(const Overrides& overrides) {
  HostConfig config;
  if (!overrides.config_file.empty()) {
    CLOISTER_ASSIGN_OR_RETURN(config, cloister::host::load_config(overrides.config_file));
  }
  if (!overrides.database.empty())
    CLOISTER_TRY(apply_database(overrides.database, config.database));
  if (!overrides.listen.empty()) CLOISTER_TRY(apply_listen(overrides.listen, config));
  if (overrides.port >= 0) config.port = static_cast<uint16_t>(overrides.port);
  if (!overrides.static_dir.empty()) config.static_dir = overrides.static_dir;
  CLOISTER_TRY(cloister::host::validate_config(config));
  return config;
}

Result<std::unique_ptr<cloister::host::Store>> open_configured_store(const HostConfig& config) {
  auto store = cloister::host::open_store(config.database);
  if (!store.ok()) return store.error().with_context("opening the database");
  return store;
}

int serve(tools::Program& program, const Overrides& overrides, bool migrate,
          const std::string& ready_file) {
  auto config = effective_config(overrides);
  if (!config.ok()) return program.fail(config.error());
  auto store = open_configured_store(*config);
  if (!store.ok()) return program.fail(store.error());
  if (migrate) {
    if (auto migrated = (*store)->migrate(); !migrated.ok()) return program.fail(migrated.error());
  }
  if (auto schema = cloister::host::require_current_schema(**store); !schema.ok()) {
    return program.fail(schema.error());
  }
  // Every thread started from here on inherits the blocked signals; only
  // sigwait below receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto service = cloister::host::HostService::start(*config, std::move(*store));
  if (!service.ok()) return program.fail(service.error());
  std::string where = config->listen_address + ":" + std::to_string((*service)->port());
  std::cerr << "cloister-host: serving on " << where << " ("
            << (config->database.kind == cloister::host::DatabaseConfig::Kind::kPostgres
                    ? "postgres"
                    : "sqlite")
            << ", " << config->relay.replicas.size() << " enclave replicas)" << std::endl;
  if (!ready_file.empty()) {
    auto written = cloister::write_file_atomically(
        ready_file, cloister::as_bytes(std::to_string((*service)->port()) + "\n"));
    if (!written.ok()) return program.fail(written.error());
  }
  int received = 0;
  sigwait(&signals, &received);
  std::cerr << "cloister-host: stopping" << std::endl;
  (*service)->stop();
  return tools::kExitOk;
}

int db_migrate(tools::Program& program, const Overrides& overrides) {
  auto config = effective_config(overrides);
  if (!config.ok()) return program.fail(config.error());
  auto store = open_configured_store(*config);
  if (!store.ok()) return program.fail(store.error());
  auto before = (*store)->schema_version();
  if (!before.ok()) return program.fail(before.error());
  if (auto migrated = (*store)->migrate(); !migrated.ok()) return program.fail(migrated.error());
  std::cout << (*store)->backend() << " schema: version " << *before << " -> "
            << cloister::host::kSchemaVersion << "\n";
  return tools::kExitOk;
}

int db_stats(tools::Program& program, const Overrides& overrides) {
  auto config = effective_config(overrides);
  if (!config.ok()) return program.fail(config.error());
  auto store = open_configured_store(*config);
  if (!store.ok()) return program.fail(store.error());
  auto stats = (*store)->stats();
  if (!stats.ok()) return program.fail(stats.error());
  std::cout << "backend:        " << (*store)->backend() << "\n"
            << "schema_version: " << stats->schema_version << "\n"
            << "accounts:       " << stats->accounts << "\n"
            << "blobs:          " << stats->blobs << "\n"
            << "blob_bytes:     " << stats->blob_bytes << "\n"
            << "tombstones:     " << stats->tombstones << "\n"
            << "key_slots:      " << stats->slots << "\n"
            << "tokens:         " << stats->tokens << "\n"
            << "challenges:     " << stats->challenges << "\n";
  return tools::kExitOk;
}

int config_check(tools::Program& program, const Overrides& overrides) {
  auto config = effective_config(overrides);
  if (!config.ok()) return program.fail(config.error());
  std::cout << cloister::host::describe_config(*config) << "\n";
  return tools::kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  tools::Program program(
      "cloister-host",
      "Cloister host: relays encrypted sessions to enclaves and stores ciphertext.\n"
      "Untrusted by design: it never sees prompts, answers or keys.");
  CLI::App& app = program.app();
  app.require_subcommand(0, 1);

  Overrides serve_flags;
  bool migrate = false;
  std::string ready_file;
  CLI::App* serve_command = app.add_subcommand(
      "serve", "Serve the API, the session relay and the web app until SIGINT or SIGTERM");
  add_config_flags(serve_command, serve_flags, true);
  serve_command->add_flag("--migrate", migrate,
                          "Create or upgrade the database schema before serving");
  serve_command->add_option("--ready-file", ready_file,
                            "Once listening, write the bound port to this file (for scripts "
                            "and tests that use --port 0)");
  program.on(serve_command, [&] { return serve(program, serve_flags, migrate, ready_file); });

  Overrides db_flags;
  CLI::App* db = app.add_subcommand("db", "Database administration");
  db->require_subcommand(1);
  CLI::App* migrate_command =
      db->add_subcommand("migrate", "Create or upgrade the schema to this build's version");
  add_config_flags(migrate_command, db_flags, false);
  program.on(migrate_command, [&] { return db_migrate(program, db_flags); });
  CLI::App* stats_command =
      db->add_subcommand("stats", "Print row counts and stored bytes (no content)");
  add_config_flags(stats_command, db_flags, false);
  program.on(stats_command, [&] { return db_stats(program, db_flags); });

  Overrides check_flags;
  CLI::App* config_command = app.add_subcommand("config", "Configuration tools");
  config_command->require_subcommand(1);
  CLI::App* check_command = config_command->add_subcommand(
      "check", "Validate the configuration and print it with every default filled in");
  add_config_flags(check_command, check_flags, true);
  program.on(check_command, [&] { return config_check(program, check_flags); });

  return program.run(argc, argv);
}
