// cloister-host's configuration: a JSON file, read strictly (an unknown key
// is an error, so a typo never silently falls back to a default), then
// validated as a whole.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace cloister::host {

struct ReplicaConfig {
  std::string name;        // for metrics and logs
  std::string url;         // ws:// or wss:// URL of the enclave's session endpoint
  std::string health_url;  // http(s):// URL of its content-free health endpoint
};

struct DatabaseConfig {
  enum class Kind { kSqlite, kPostgres };
  Kind kind = Kind::kSqlite;
  std::filesystem::path sqlite_path = "cloister-host.db";
  std::string postgres_conninfo;  // libpq string or URI; prefer PGPASSFILE for secrets
  size_t postgres_pool_size = 8;
};

struct LimitsConfig {
  size_t max_connections = 4096;
  size_t max_header_bytes = 16 * 1024;
  size_t max_body_bytes = 64 * 1024;    // JSON API requests
  size_t max_blob_bytes = 8 << 20;      // one ciphertext blob
  size_t max_wrapped_key_bytes = 4096;  // one key slot's wrapped secret
  size_t max_slots_per_account = 16;
  std::chrono::milliseconds read_timeout{10'000};
  std::chrono::milliseconds idle_timeout{60'000};

  // Per client IP address (IPv6: per /64).
  double requests_per_second = 50;  // every API request
  double request_burst = 200;
  double sign_ins_per_minute = 30;  // challenge and token requests
  double slot_lookups_per_minute = 30;
  // Per lookup id, whoever asks: bounds online guessing of one slot.
  double slot_lookups_per_id_per_hour = 60;

  // The relay.
  size_t max_message_bytes = 1 << 20;
  size_t sessions_per_ip = 32;
  size_t sessions_per_account = 16;
  double session_opens_per_minute = 120;  // per IP
  double messages_per_second = 500;       // per session, from the client
  double message_burst = 1000;
};

struct QuotaConfig {
  uint64_t max_bytes_per_account = uint64_t{1} << 30;
  uint64_t max_blobs_per_account = 100'000;
};

struct AuthConfig {
  // Bound into every sign-in signature, so a challenge answered for one host
  // is useless at another. Clients sign the origin they connected to.
  std::string origin = "http://127.0.0.1:8080";
  std::chrono::seconds token_ttl{3600};
  std::chrono::seconds challenge_ttl{120};
};

struct RelayConfig {
  std::vector<ReplicaConfig> replicas;
  bool require_token = true;  // sessions need a bearer token (for per-account limits)
  std::chrono::milliseconds health_interval{2000};
  std::chrono::milliseconds health_timeout{1000};
  int failures_before_down = 2;
  std::chrono::milliseconds connect_timeout{5000};
};

struct HostConfig {
  std::string listen_address = "127.0.0.1";
  uint16_t port = 8080;
  std::string tls_cert_file;  // both set: serve HTTPS/WSS
  std::string tls_key_file;
  size_t io_threads = 2;
  size_t handler_threads = 8;
  DatabaseConfig database;
  std::filesystem::path static_dir;  // the web app build; empty: none
  std::filesystem::path log_dir;     // a transparency log (tlog-tiles) served at /log/
  RelayConfig relay;
  LimitsConfig limits;
  QuotaConfig quotas;
  AuthConfig auth;
  std::string metrics_token;  // if set, /metrics needs "Authorization: Bearer <it>"
  // Behind a reverse proxy, the header naming the client (its last entry is
  // used); empty: the socket's peer address.
  std::string client_ip_header;
  std::chrono::seconds tombstone_retention{std::chrono::hours(24 * 90)};
  std::chrono::seconds purge_interval{600};
};

// Parses a configuration document. Every key is optional; unknown keys,
// wrong types and out-of-range values fail with a message naming the key.
Result<HostConfig> parse_config(std::string_view json_text);
// Reads and parses the file at `path`.
Result<HostConfig> load_config(const std::filesystem::path& path);
// Checks the parsed configuration as a whole (e.g. TLS needs both files,
// replica URLs parse).
Status validate_config(const HostConfig& config);
// Returns the configuration as JSON (secrets masked), for `config check`.
std::string describe_config(const HostConfig& config);

}  // namespace cloister::host
