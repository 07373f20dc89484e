#include "host/config.h"

#include <gtest/gtest.h>

namespace cloister::host {
namespace {

TEST(HostConfig, DefaultsAreValid) {
  HostConfig config;
  EXPECT_TRUE(validate_config(config).ok());
  EXPECT_EQ(config.database.kind, DatabaseConfig::Kind::kSqlite);
  EXPECT_TRUE(config.relay.require_token);
}

TEST(HostConfig, ParsesNestedSections) {
  auto config = parse_config(R"({
    "listen_address": "0.0.0.0", "port": 8443,
    "database": {"kind": "postgres", "postgres_conninfo": "host=db dbname=cloister",
                 "postgres_pool_size": 16},
    "relay": {"replicas": [{"name": "a", "url": "ws://10.0.0.5:9000/v1/session",
                            "health_url": "http://10.0.0.5:9000/healthz"}],
              "require_token": false, "health_interval_seconds": 0.5},
    "limits": {"max_blob_bytes": 1048576, "sessions_per_ip": 4, "read_timeout_seconds": 2.5},
    "quotas": {"max_bytes_per_account": 1000},
    "auth": {"origin": "https://cloister.example", "token_ttl_seconds": 600}
  })");
  ASSERT_TRUE(config.ok()) << config.error().message();
  EXPECT_EQ(config->listen_address, "0.0.0.0");
  EXPECT_EQ(config->port, 8443);
  EXPECT_EQ(config->database.kind, DatabaseConfig::Kind::kPostgres);
  EXPECT_EQ(config->database.postgres_pool_size, 16u);
  ASSERT_EQ(config->relay.replicas.size(), 1u);
  EXPECT_EQ(config->relay.replicas[0].health_url, "http://10.0.0.5:9000/healthz");
  EXPECT_FALSE(config->relay.require_token);
  EXPECT_EQ(config->relay.health_interval, std::chrono::milliseconds(500));
  EXPECT_EQ(config->limits.max_blob_bytes, 1048576u);
  EXPECT_EQ(config->limits.sessions_per_ip, 4u);
  EXPECT_EQ(config->limits.read_timeout, std::chrono::milliseconds(2500));
  EXPECT_EQ(config->quotas.max_bytes_per_account, 1000u);
  EXPECT_EQ(config->auth.origin, "https://cloister.example");
  EXPECT_EQ(config->auth.token_ttl, std::chrono::seconds(600));
  EXPECT_TRUE(validate_config(*config).ok());
}

TEST(HostConfig, RejectsUnknownKeysByTheirFullName) {
  auto config = parse_config(R"({"limits": {"max_conections": 10}})");
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.error().message().find("limits.max_conections"), std::string::npos);
  EXPECT_FALSE(parse_config(R"({"relay": {"replicas": [{"url": "ws://x/", "helth": ""}]}})").ok());
}

TEST(HostConfig, RejectsWrongTypesAndRanges) {
  for (const char* bad : {R"({"port": "80"})", R"({"port": 70000})", R"({"port": -1})",
                          R"({"relay": {"require_token": 1}})", R"({"limits": []})",
                          R"({"limits": {"read_timeout_seconds": -1}})", R"([1])", "{",
                          R"({"database": {"kind": "mysql"}})"}) {
    EXPECT_FALSE(parse_config(bad).ok()) << bad;
  }
}

TEST(HostConfig, ValidationChecksTheWhole) {
  HostConfig config;
  config.tls_cert_file = "cert.pem";
  EXPECT_FALSE(validate_config(config).ok());
  config = HostConfig{};
  config.database.kind = DatabaseConfig::Kind::kPostgres;
  EXPECT_FALSE(validate_config(config).ok());
  config = HostConfig{};
  config.relay.replicas.push_back({"a", "http://not-a-websocket/", "http://x/healthz"});
  EXPECT_FALSE(validate_config(config).ok());
  config.relay.replicas[0].url = "ws://x/v1/session";
  EXPECT_TRUE(validate_config(config).ok());
  config.relay.replicas.push_back(config.relay.replicas[0]);
  EXPECT_FALSE(validate_config(config).ok());  // duplicate name
  config = HostConfig{};
  config.limits.messages_per_second = 0;
  EXPECT_FALSE(validate_config(config).ok());
  config = HostConfig{};
  config.static_dir = "/nonexistent/web";
  EXPECT_FALSE(validate_config(config).ok());
}

TEST(HostConfig, DescriptionParsesBackAndMasksSecrets) {
  HostConfig config;
  config.relay.replicas.push_back({"a", "ws://x:1/v1/session", "http://x:1/healthz"});
  config.limits.max_message_bytes = 12345;
  config.metrics_token = "scrape-secret";
  config.database.postgres_conninfo = "host=db password=hunter2";
  std::string text = describe_config(config);
  EXPECT_EQ(text.find("scrape-secret"), std::string::npos);
  EXPECT_EQ(text.find("hunter2"), std::string::npos);
  auto parsed = parse_config(text);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  EXPECT_EQ(parsed->limits.max_message_bytes, 12345u);
  EXPECT_EQ(parsed->relay.replicas[0].url, "ws://x:1/v1/session");
  EXPECT_EQ(parsed->tombstone_retention, config.tombstone_retention);
}

}  // namespace
}  // namespace cloister::host
