#include "client/keys/fido2_key.h"

#include <gtest/gtest.h>

namespace cloister::client {
namespace {

// No security key can be attached in CI, so this checks the failure path: a
// clear, typed error instead of a crash. docs/keys.md says what is untested.
TEST(Fido2Key, WithoutADeviceFailsClearly) {
  if (!list_fido2_devices().empty()) GTEST_SKIP() << "a real FIDO2 key is attached";
  auto secret = fido2_hmac_secret({}, {}, Bytes(32, 1));
  ASSERT_FALSE(secret.ok());
  EXPECT_EQ(secret.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(secret.error().message().find("no FIDO2 security key"), std::string::npos);
}

TEST(Fido2Key, RejectsSaltsOfTheWrongSize) {
  auto secret = fido2_hmac_secret({}, {}, Bytes(16, 1));
  ASSERT_FALSE(secret.ok());
  EXPECT_EQ(secret.error().code(), ErrorCode::kInvalidArgument);
}

TEST(Fido2Key, NamedDeviceThatDoesNotExistIsUnavailable) {
  Fido2Options options;
  options.device_path = "/dev/hidraw-cloister-test-absent";
  auto secret = fido2_hmac_secret(options, {}, Bytes(32, 1));
  ASSERT_FALSE(secret.ok());
  EXPECT_EQ(secret.error().code(), ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace cloister::client
