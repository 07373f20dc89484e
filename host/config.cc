#include "host/config.h"

#include <set>

#include <nlohmann/json.hpp>

#include "base/files.h"
#include "net/url.h"

namespace cloister::host {
namespace {

using nlohmann::json;

// Reads one JSON object's keys by name, remembering which were used so that
// leftovers (typos) can be reported.
class ObjectReader {
 public:
  ObjectReader(const json& object, std::string path) : object_(object), path_(std::move(path)) {}

  Status check_object() const {
    if (!object_.is_object())
      return Error(ErrorCode::kInvalidArgument, path_ + " must be an object");
    return ok_status();
  }

  template <class T>
  Status read(const char* key, T& out) {
    auto it = object_.find(key);
    if (it == object_.end()) return ok_status();
    used_.insert(key);
    return convert(*it, name(key), out);
  }

  Status read_ms(const char* key, std::chrono::milliseconds& out) {
    double seconds = std::chrono::duration<double>(out).count();
    CLOISTER_TRY(read(key, seconds));
    if (seconds < 0) return negative(key);
    out = std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
    return ok_status();
  }

  Status read_seconds(const char* key, std::chrono::seconds& out) {
    double seconds = static_cast<double>(out.count());
    CLOISTER_TRY(read(key, seconds));
    if (seconds < 0) return negative(key);
    out = std::chrono::seconds(static_cast<int64_t>(seconds));
    return ok_status();
  }

  // Returns a reader for a nested object, or nullopt if the key is absent.
  Result<std::optional<ObjectReader>> child(const char* key) {
    auto it = object_.find(key);
    if (it == object_.end()) return std::optional<ObjectReader>();
    used_.insert(key);
    ObjectReader reader(*it, name(key));
    CLOISTER_TRY(reader.check_object());
    return std::optional<ObjectReader>(std::move(reader));
  }

  const json* raw(const char* key) {
    auto it = object_.find(key);
    if (it == object_.end()) return nullptr;
    used_.insert(key);
    return &*it;
  }

  Status finish() const {
    for (const auto& [key, value] : object_.items()) {
      if (!used_.contains(key)) {
        return Error(ErrorCode::kInvalidArgument, "unknown configuration key " + name(key));
      }
    }
    return ok_status();
  }

  std::string name(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }

 private:
  Error negative(const char* key) const {
    return Error(ErrorCode::kInvalidArgument, name(key) + " must not be negative");
  }

  static Status convert(const json& value, const std::string& key, std::string& out) {
    if (!value.is_string()) return type_error(key, "a string");
    out = value.get<std::string>();
    return ok_status();
  }
  static Status convert(const json& value, const std::string& key, std::filesystem::path& out) {
    std::string text;
    CLOISTER_TRY(convert(value, key, text));
    out = text;
    return ok_status();
  }
  static Status convert(const json& value, const std::string& key, bool& out) {
    if (!value.is_boolean()) return type_error(key, "true or false");
    out = value.get<bool>();
    return ok_status();
  }
  static Status convert(const json& value, const std::string& key, double& out) {
    if (!value.is_number()) return type_error(key, "a number");
    out = value.get<double>();
    return ok_status();
  }
  template <class Integer>
  requires std::is_integral_v<Integer>
  static Status convert(const json& value, const std::string& key, Integer& out) {
    if (!value.is_number_integer() || value.get<int64_t>() < 0 ||
        static_cast<uint64_t>(value.get<int64_t>()) >
            static_cast<uint64_t>(std::numeric_limits<Integer>::max())) {
      return type_error(key, "a non-negative integer in range");
    }
    out = static_cast<Integer>(value.get<int64_t>());
    return ok_status();
  }

  static Error type_error(const std::string& key, std::string_view expected) {
    return Error(ErrorCode::kInvalidArgument, key + " must be " + std::string(expected));
  }

  const json& object_;
  std::string path_;
  std::set<std::string, std::less<>> used_;
};

Status parse_database(ObjectReader& reader, DatabaseConfig& database) {
  std::string kind = "sqlite";
  CLOISTER_TRY(reader.read("kind", kind));
  if (kind == "sqlite") {
    database.kind = DatabaseConfig::Kind::kSqlite;
  } else if (kind == "postgres") {
    database.kind = DatabaseConfig::Kind::kPostgres;
  } else {
    return Error(ErrorCode::kInvalidArgument, "database.kind must be \"sqlite\" or \"postgres\"");
  }
  CLOISTER_TRY(reader.read("sqlite_path", database.sqlite_path));
  CLOISTER_TRY(reader.read("postgres_conninfo", database.postgres_conninfo));
  CLOISTER_TRY(reader.read("postgres_pool_size", database.postgres_pool_size));
  return reader.finish();
}

Status parse_limits(ObjectReader& reader, LimitsConfig& limits) {
  CLOISTER_TRY(reader.read("max_connections", limits.max_connections));
  CLOISTER_TRY(reader.read("max_header_bytes", limits.max_header_bytes));
  CLOISTER_TRY(reader.read("max_body_bytes", limits.max_body_bytes));
  CLOISTER_TRY(reader.read("max_blob_bytes", limits.max_blob_bytes));
  CLOISTER_TRY(reader.read("max_wrapped_key_bytes", limits.max_wrapped_key_bytes));
  CLOISTER_TRY(reader.read("max_slots_per_account", limits.max_slots_per_account));
  CLOISTER_TRY(reader.read_ms("read_timeout_seconds", limits.read_timeout));
  CLOISTER_TRY(reader.read_ms("idle_timeout_seconds", limits.idle_timeout));
  CLOISTER_TRY(reader.read("requests_per_second", limits.requests_per_second));
  CLOISTER_TRY(reader.read("request_burst", limits.request_burst));
  CLOISTER_TRY(reader.read("sign_ins_per_minute", limits.sign_ins_per_minute));
  CLOISTER_TRY(reader.read("slot_lookups_per_minute", limits.slot_lookups_per_minute));
  CLOISTER_TRY(reader.read("slot_lookups_per_id_per_hour", limits.slot_lookups_per_id_per_hour));
  CLOISTER_TRY(reader.read("max_message_bytes", limits.max_message_bytes));
  CLOISTER_TRY(reader.read("sessions_per_ip", limits.sessions_per_ip));
  CLOISTER_TRY(reader.read("sessions_per_account", limits.sessions_per_account));
  CLOISTER_TRY(reader.read("session_opens_per_minute", limits.session_opens_per_minute));
  CLOISTER_TRY(reader.read("messages_per_second", limits.messages_per_second));
  CLOISTER_TRY(reader.read("message_burst", limits.message_burst));
  return reader.finish();
}

Status parse_relay(ObjectReader& reader, RelayConfig& relay) {
  if (const json* replicas = reader.raw("replicas")) {
    if (!replicas->is_array()) {
      return Error(ErrorCode::kInvalidArgument, "relay.replicas must be an array");
    }
    relay.replicas.clear();
    for (size_t i = 0; i < replicas->size(); ++i) {
      ObjectReader item((*replicas)[i], "relay.replicas[" + std::to_string(i) + "]");
      CLOISTER_TRY(item.check_object());
      ReplicaConfig replica;
      CLOISTER_TRY(item.read("name", replica.name));
      CLOISTER_TRY(item.read("url", replica.url));
      CLOISTER_TRY(item.read("health_url", replica.health_url));
      CLOISTER_TRY(item.finish());
      if (replica.name.empty()) replica.name = "replica-" + std::to_string(i);
      relay.replicas.push_back(std::move(replica));
    }
  }
  CLOISTER_TRY(reader.read("require_token", relay.require_token));
  CLOISTER_TRY(reader.read_ms("health_interval_seconds", relay.health_interval));
  CLOISTER_TRY(reader.read_ms("health_timeout_seconds", relay.health_timeout));
  CLOISTER_TRY(reader.read("failures_before_down", relay.failures_before_down));
  CLOISTER_TRY(reader.read_ms("connect_timeout_seconds", relay.connect_timeout));
  return reader.finish();
}

Status parse_quotas(ObjectReader& reader, QuotaConfig& quotas) {
  CLOISTER_TRY(reader.read("max_bytes_per_account", quotas.max_bytes_per_account));
  CLOISTER_TRY(reader.read("max_blobs_per_account", quotas.max_blobs_per_account));
  return reader.finish();
}

Status parse_auth(ObjectReader& reader, AuthConfig& auth) {
  CLOISTER_TRY(reader.read("origin", auth.origin));
  CLOISTER_TRY(reader.read_seconds("token_ttl_seconds", auth.token_ttl));
  CLOISTER_TRY(reader.read_seconds("challenge_ttl_seconds", auth.challenge_ttl));
  return reader.finish();
}

template <class Parse, class Section>
Status parse_section(ObjectReader& root, const char* key, Parse parse, Section& section) {
  CLOISTER_ASSIGN_OR_RETURN(auto reader, root.child(key));
  if (reader) CLOISTER_TRY(parse(*reader, section));
  return ok_status();
}

Status check_positive(bool ok, std::string_view key) {
  if (!ok) return Error(ErrorCode::kInvalidArgument, std::string(key) + " must be positive");
  return ok_status();
}

}  // namespace

Result<HostConfig> parse_config(std::string_view json_text) {
  json document = json::parse(json_text, nullptr, false);
  if (document.is_discarded()) {
    return Error(ErrorCode::kInvalidArgument, "configuration is not valid JSON");
  }
  HostConfig config;
  ObjectReader root(document, "");
  CLOISTER_TRY(root.check_object());
  CLOISTER_TRY(root.read("listen_address", config.listen_address));
  CLOISTER_TRY(root.read("port", config.port));
  CLOISTER_TRY(root.read("tls_cert_file", config.tls_cert_file));
  CLOISTER_TRY(root.read("tls_key_file", config.tls_key_file));
  CLOISTER_TRY(root.read("io_threads", config.io_threads));
  CLOISTER_TRY(root.read("handler_threads", config.handler_threads));
  CLOISTER_TRY(root.read("static_dir", config.static_dir));
  CLOISTER_TRY(root.read("metrics_token", config.metrics_token));
  CLOISTER_TRY(root.read("client_ip_header", config.client_ip_header));
  CLOISTER_TRY(root.read_seconds("tombstone_retention_seconds", config.tombstone_retention));
  CLOISTER_TRY(root.read_seconds("purge_interval_seconds", config.purge_interval));
  CLOISTER_TRY(parse_section(root, "database", parse_database, config.database));
  CLOISTER_TRY(parse_section(root, "relay", parse_relay, config.relay));
  CLOISTER_TRY(parse_section(root, "limits", parse_limits, config.limits));
  CLOISTER_TRY(parse_section(root, "quotas", parse_quotas, config.quotas));
  CLOISTER_TRY(parse_section(root, "auth", parse_auth, config.auth));
  CLOISTER_TRY(root.finish());
  return config;
}

Result<HostConfig> load_config(const std::filesystem::path& path) {
  auto text = read_text_file(path, 1 << 20);
  if (!text.ok()) return text.error().with_context("reading configuration");
  auto config = parse_config(*text);
  if (!config.ok()) return config.error().with_context(path.string());
  return config;
}

Status validate_config(const HostConfig& config) {
  const auto& limits = config.limits;
  if (config.tls_cert_file.empty() != config.tls_key_file.empty()) {
    return Error(ErrorCode::kInvalidArgument,
                 "tls_cert_file and tls_key_file must be set together");
  }
  if (config.database.kind == DatabaseConfig::Kind::kPostgres &&
      config.database.postgres_conninfo.empty()) {
    return Error(ErrorCode::kInvalidArgument,
                 "database.postgres_conninfo is required when database.kind is \"postgres\"");
  }
  if (config.database.kind == DatabaseConfig::Kind::kSqlite &&
      config.database.sqlite_path.empty()) {
    return Error(ErrorCode::kInvalidArgument, "database.sqlite_path must not be empty");
  }
  std::set<std::string> names;
  for (const auto& replica : config.relay.replicas) {
    auto url = net::parse_url(replica.url);
    if (!url.ok() || (url->scheme != "ws" && url->scheme != "wss")) {
      return Error(ErrorCode::kInvalidArgument,
                   "replica '" + replica.name + "' url must be a ws:// or wss:// URL");
    }
    auto health = net::parse_url(replica.health_url);
    if (!health.ok() || (health->scheme != "http" && health->scheme != "https")) {
      return Error(ErrorCode::kInvalidArgument,
                   "replica '" + replica.name + "' health_url must be an http(s):// URL");
    }
    if (!names.insert(replica.name).second) {
      return Error(ErrorCode::kInvalidArgument, "replica name '" + replica.name + "' is repeated");
    }
  }
  CLOISTER_TRY(check_positive(limits.max_connections > 0, "limits.max_connections"));
  CLOISTER_TRY(check_positive(limits.max_blob_bytes > 0, "limits.max_blob_bytes"));
  CLOISTER_TRY(check_positive(limits.max_message_bytes > 0, "limits.max_message_bytes"));
  CLOISTER_TRY(check_positive(limits.read_timeout.count() > 0, "limits.read_timeout_seconds"));
  CLOISTER_TRY(check_positive(limits.idle_timeout.count() > 0, "limits.idle_timeout_seconds"));
  for (auto [rate, key] :
       {std::pair{limits.requests_per_second, "limits.requests_per_second"},
        {limits.request_burst, "limits.request_burst"},
        {limits.sign_ins_per_minute, "limits.sign_ins_per_minute"},
        {limits.slot_lookups_per_minute, "limits.slot_lookups_per_minute"},
        {limits.slot_lookups_per_id_per_hour, "limits.slot_lookups_per_id_per_hour"},
        {limits.session_opens_per_minute, "limits.session_opens_per_minute"},
        {limits.messages_per_second, "limits.messages_per_second"},
        {limits.message_burst, "limits.message_burst"}}) {
    CLOISTER_TRY(check_positive(rate > 0, key));
  }
  CLOISTER_TRY(check_positive(config.auth.token_ttl.count() > 0, "auth.token_ttl_seconds"));
  CLOISTER_TRY(check_positive(config.auth.challenge_ttl.count() > 0, "auth.challenge_ttl_seconds"));
  CLOISTER_TRY(check_positive(config.auth.origin.size() > 0, "auth.origin length"));
  CLOISTER_TRY(
      check_positive(config.relay.health_interval.count() > 0, "relay.health_interval_seconds"));
  CLOISTER_TRY(check_positive(config.relay.failures_before_down > 0, "relay.failures_before_down"));
  CLOISTER_TRY(check_positive(config.purge_interval.count() > 0, "purge_interval_seconds"));
  if (!config.static_dir.empty() && !std::filesystem::is_directory(config.static_dir)) {
    return Error(ErrorCode::kInvalidArgument,
                 "static_dir '" + config.static_dir.string() + "' is not a directory");
  }
  return ok_status();
}

std::string describe_config(const HostConfig& config) {
  auto seconds = [](auto duration) { return std::chrono::duration<double>(duration).count(); };
  json replicas = json::array();
  for (const auto& replica : config.relay.replicas) {
    replicas.push_back(
        {{"name", replica.name}, {"url", replica.url}, {"health_url", replica.health_url}});
  }
  const auto& limits = config.limits;
  bool postgres = config.database.kind == DatabaseConfig::Kind::kPostgres;
  json out = {
      {"listen_address", config.listen_address},
      {"port", config.port},
      {"tls_cert_file", config.tls_cert_file},
      {"tls_key_file", config.tls_key_file},
      {"io_threads", config.io_threads},
      {"handler_threads", config.handler_threads},
      {"static_dir", config.static_dir.string()},
      {"metrics_token", config.metrics_token.empty() ? "" : "(set)"},
      {"client_ip_header", config.client_ip_header},
      {"tombstone_retention_seconds", seconds(config.tombstone_retention)},
      {"purge_interval_seconds", seconds(config.purge_interval)},
      {"database",
       {{"kind", postgres ? "postgres" : "sqlite"},
        {"sqlite_path", config.database.sqlite_path.string()},
        // A connection string may carry a password.
        {"postgres_conninfo", config.database.postgres_conninfo.empty() ? "" : "(set)"},
        {"postgres_pool_size", config.database.postgres_pool_size}}},
      {"relay",
       {{"replicas", replicas},
        {"require_token", config.relay.require_token},
        {"health_interval_seconds", seconds(config.relay.health_interval)},
        {"health_timeout_seconds", seconds(config.relay.health_timeout)},
        {"failures_before_down", config.relay.failures_before_down},
        {"connect_timeout_seconds", seconds(config.relay.connect_timeout)}}},
      {"limits",
       {{"max_connections", limits.max_connections},
        {"max_header_bytes", limits.max_header_bytes},
        {"max_body_bytes", limits.max_body_bytes},
        {"max_blob_bytes", limits.max_blob_bytes},
        {"max_wrapped_key_bytes", limits.max_wrapped_key_bytes},
        {"max_slots_per_account", limits.max_slots_per_account},
        {"read_timeout_seconds", seconds(limits.read_timeout)},
        {"idle_timeout_seconds", seconds(limits.idle_timeout)},
        {"requests_per_second", limits.requests_per_second},
        {"request_burst", limits.request_burst},
        {"sign_ins_per_minute", limits.sign_ins_per_minute},
        {"slot_lookups_per_minute", limits.slot_lookups_per_minute},
        {"slot_lookups_per_id_per_hour", limits.slot_lookups_per_id_per_hour},
        {"max_message_bytes", limits.max_message_bytes},
        {"sessions_per_ip", limits.sessions_per_ip},
        {"sessions_per_account", limits.sessions_per_account},
        {"session_opens_per_minute", limits.session_opens_per_minute},
        {"messages_per_second", limits.messages_per_second},
        {"message_burst", limits.message_burst}}},
      {"quotas",
       {{"max_bytes_per_account", config.quotas.max_bytes_per_account},
        {"max_blobs_per_account", config.quotas.max_blobs_per_account}}},
      {"auth",
       {{"origin", config.auth.origin},
        {"token_ttl_seconds", seconds(config.auth.token_ttl)},
        {"challenge_ttl_seconds", seconds(config.auth.challenge_ttl)}}},
  };
  return out.dump(2);
}

}  // namespace cloister::host
