#include "client/history/blob_cipher.h"

#include <gtest/gtest.h>

#include "client/keys/account_keys.h"

namespace cloister::client {
namespace {

TEST(BlobCipher, RoundTripsAndBindsAccountIdAndVersion) {
  AccountKeys keys = *derive_account_keys(generate_root_secret());
  AccountKeys other = *derive_account_keys(generate_root_secret());
  BlobBinding binding{keys.identity.public_key, "conv-1", 7};
  Bytes sealed = seal_blob(keys.history_key, binding, as_bytes("{\"title\":\"trip\"}"));
  EXPECT_EQ(sealed.size(), 1 + 12 + 16 + 16u);

  auto opened = open_blob(keys.history_key, binding, sealed);
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(to_string(*opened), "{\"title\":\"trip\"}");

  EXPECT_FALSE(open_blob(keys.history_key, {keys.identity.public_key, "conv-2", 7}, sealed).ok());
  EXPECT_FALSE(open_blob(keys.history_key, {keys.identity.public_key, "conv-1", 6}, sealed).ok());
  EXPECT_FALSE(open_blob(keys.history_key, {other.identity.public_key, "conv-1", 7}, sealed).ok());
  EXPECT_FALSE(open_blob(other.history_key, binding, sealed).ok());
  Bytes tampered = sealed;
  tampered[20] ^= 1;
  EXPECT_EQ(open_blob(keys.history_key, binding, tampered).error().code(), ErrorCode::kRejected);
}

TEST(BlobCipher, DerivationIsDeterministicPerRoot) {
  crypto::SecretBytes root = generate_root_secret();
  AccountKeys a = *derive_account_keys(root);
  AccountKeys b = *derive_account_keys(root);
  EXPECT_EQ(a.identity.public_key, b.identity.public_key);
  EXPECT_TRUE(a.history_key.equals(b.history_key.span()));
  EXPECT_EQ(*parse_account_id(account_id(a.identity.public_key)), a.identity.public_key);
  EXPECT_FALSE(parse_account_id("not-an-id").ok());
}

}  // namespace
}  // namespace cloister::client
