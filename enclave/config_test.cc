#include "enclave/config.h"

#include <gtest/gtest.h>

namespace cloister::enclave {
namespace {

EnclaveConfig valid() {
  EnclaveConfig config;
  config.release.manifest = "manifest.json";
  config.release.release_proof = "release.proof";
  return config;
}

TEST(EnclaveConfig, DefaultsAreValidOnceTheReleaseIsNamed) {
  EXPECT_FALSE(validate_config(EnclaveConfig{}).ok());
  EXPECT_TRUE(validate_config(valid()).ok());
}

TEST(EnclaveConfig, RefusesMeaninglessValues) {
  EnclaveConfig simulated = valid();
  simulated.provider = ProviderKind::kSimulated;
  EXPECT_FALSE(validate_config(simulated).ok());
  simulated.state_dir = "/tmp/state";
  EXPECT_TRUE(validate_config(simulated).ok());

  EnclaveConfig zero_batch = valid();
  zero_batch.max_batch = 0;
  EXPECT_FALSE(validate_config(zero_batch).ok());

  EnclaveConfig huge_request = valid();
  huge_request.serving.max_request_bytes = size_t{17} << 20;
  EXPECT_FALSE(validate_config(huge_request).ok());

  EnclaveConfig witnesses = valid();
  witnesses.release.witness_vkeys = {"w"};
  EXPECT_FALSE(validate_config(witnesses).ok());  // needs --log-vkey
  witnesses.release.log_vkey = "log";
  witnesses.release.witness_threshold = 2;
  EXPECT_FALSE(validate_config(witnesses).ok());  // threshold above the witness count

  EnclaveConfig bad_listen = valid();
  bad_listen.listen = "8443";
  EXPECT_FALSE(validate_config(bad_listen).ok());
}

TEST(EnclaveConfig, ParsesListenAddresses) {
  auto v4 = parse_listen_address("0.0.0.0:8443");
  ASSERT_TRUE(v4.ok());
  EXPECT_EQ(v4->first, "0.0.0.0");
  EXPECT_EQ(v4->second, 8443);
  auto v6 = parse_listen_address("[::1]:0");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->first, "::1");
  EXPECT_EQ(v6->second, 0);
  EXPECT_FALSE(parse_listen_address("host:65536").ok());
  EXPECT_FALSE(parse_listen_address("host:").ok());
  EXPECT_FALSE(parse_listen_address("host:12a").ok());
  EXPECT_FALSE(parse_listen_address(":80").ok());
}

TEST(EnclaveConfig, NamesProviders) {
  for (ProviderKind kind :
       {ProviderKind::kSimulated, ProviderKind::kConfigfsTsm, ProviderKind::kSevGuest}) {
    auto parsed = parse_provider_kind(provider_kind_name(kind));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, kind);
  }
  EXPECT_FALSE(parse_provider_kind("tdx").ok());
}

}  // namespace
}  // namespace cloister::enclave
