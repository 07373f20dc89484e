#include "client/keys/key_slot.h"

#include <gtest/gtest.h>

#include "base/encoding.h"
#include "client/keys/account_keys.h"
#include "client/keys/recovery_code.h"
#include "crypto/random.h"

namespace cloister::client {
namespace {

// Cheap Argon2id costs keep the tests fast; production uses kPassphraseArgon2Params.
constexpr crypto::Argon2Params kTestArgon2{1, 256, 1};

struct Account {
  crypto::SecretBytes root = generate_root_secret();
  AccountKeys keys = *derive_account_keys(root);
};

TEST(KeySlot, WebAuthnPrfSaltFollowsTheSpecTransform) {
  // Expected values from coreutils: printf 'WebAuthn PRF\0cloister/v1/prf' | sha256sum
  EXPECT_EQ(hex_encode(webauthn_prf_salt(as_bytes(kPrfInput))),
            "915bed4189f94275b0cda69134cedec61a399097e16fa6a5ce5a724d7050f540");
  EXPECT_EQ(hex_encode(webauthn_prf_salt({})),
            "6a7e64b2aa34c92736143a062fa149aff1bd8bb3f7ee6f346885481f9414a3d3");
}

TEST(KeySlot, PassphraseSlotUnlocksWithTheRightPassphraseOnly) {
  Account account;
  auto keys = passphrase_slot_keys("correct horse battery staple", account.keys.identity.public_key,
                                   kTestArgon2);
  ASSERT_TRUE(keys.ok());
  WrappedSlot slot = wrap_root_secret(account.root, SlotKind::kPassphrase, *keys,
                                      account.keys.identity.public_key);
  auto again = passphrase_slot_keys("correct horse battery staple",
                                    account.keys.identity.public_key, kTestArgon2);
  auto root = unwrap_root_secret(slot, *again);
  ASSERT_TRUE(root.ok()) << root.error().message();
  EXPECT_TRUE(root->equals(account.root.span()));

  auto wrong = passphrase_slot_keys("correct horse battery stapler",
                                    account.keys.identity.public_key, kTestArgon2);
  EXPECT_NE(wrong->lookup_id, keys->lookup_id);
  auto refused = unwrap_root_secret(slot, *wrong);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kRejected);
}

TEST(KeySlot, SamePassphraseOnTwoAccountsGivesUnrelatedSlots) {
  Account a, b;
  auto ka = passphrase_slot_keys("hunter2hunter2", a.keys.identity.public_key, kTestArgon2);
  auto kb = passphrase_slot_keys("hunter2hunter2", b.keys.identity.public_key, kTestArgon2);
  EXPECT_NE(ka->lookup_id, kb->lookup_id);
  EXPECT_FALSE(ka->wrapping_key.equals(kb->wrapping_key.span()));
}

TEST(KeySlot, RecoveryCodeSlotRoundTripsThroughItsPrintedForm) {
  Account account;
  crypto::SecretBytes entropy = generate_recovery_entropy();
  std::string code = format_recovery_code(entropy);
  auto keys = derive_slot_keys(SlotKind::kRecoveryCode, entropy.span());
  WrappedSlot slot = wrap_root_secret(account.root, SlotKind::kRecoveryCode, *keys,
                                      account.keys.identity.public_key);
  auto typed = parse_recovery_code(code);
  ASSERT_TRUE(typed.ok());
  auto root = unwrap_root_secret(slot, *derive_slot_keys(SlotKind::kRecoveryCode, typed->span()));
  ASSERT_TRUE(root.ok());
  EXPECT_TRUE(root->equals(account.root.span()));
}

TEST(KeySlot, KindsSeparateDomainsForTheSameMaterial) {
  Bytes material(32, 9);
  auto prf = derive_slot_keys(SlotKind::kPasskeyPrf, material);
  auto fido = derive_slot_keys(SlotKind::kFido2HmacSecret, material);
  EXPECT_NE(prf->lookup_id, fido->lookup_id);
  EXPECT_FALSE(derive_slot_keys(SlotKind::kPasskeyPrf, Bytes(8, 1)).ok());
}

TEST(KeySlot, RejectsTamperedSlotsAndSlotsOfAnotherAccount) {
  Account account, other;
  auto keys = derive_slot_keys(SlotKind::kPasskeyPrf, crypto::random_bytes(32));
  WrappedSlot slot = wrap_root_secret(account.root, SlotKind::kPasskeyPrf, *keys,
                                      account.keys.identity.public_key);
  WrappedSlot flipped = slot;
  flipped.sealed.back() ^= 1;
  EXPECT_EQ(unwrap_root_secret(flipped, *keys).error().code(), ErrorCode::kRejected);

  WrappedSlot relabelled = slot;
  relabelled.account = other.keys.identity.public_key;  // AAD no longer matches
  EXPECT_EQ(unwrap_root_secret(relabelled, *keys).error().code(), ErrorCode::kRejected);

  // A host that files another account's root under this account's key is caught
  // after decryption, because the root derives a different identity.
  WrappedSlot swapped =
      wrap_root_secret(other.root, SlotKind::kPasskeyPrf, *keys, account.keys.identity.public_key);
  auto result = unwrap_root_secret(swapped, *keys);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message().find("different account"), std::string::npos);
}

TEST(KeySlot, SlotKindNamesRoundTrip) {
  for (SlotKind kind : {SlotKind::kPasskeyPrf, SlotKind::kFido2HmacSecret, SlotKind::kPassphrase,
                        SlotKind::kRecoveryCode}) {
    EXPECT_EQ(*parse_slot_kind(slot_kind_name(kind)), kind);
  }
  EXPECT_FALSE(parse_slot_kind("email").ok());
}

}  // namespace
}  // namespace cloister::client
