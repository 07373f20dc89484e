#include "noise/cipher_state.h"

#include <gtest/gtest.h>

namespace cloister::noise {
namespace {

const Bytes kKey(32, 0x42);

// Section 12.3: AES-GCM nonces are 4 zero bytes then the counter big-endian.
TEST(CipherState, EncodesAesGcmNonceBigEndian) {
  CipherState state(CipherFunction::kAesGcm);
  state.initialize_key(kKey);
  state.set_nonce(0x0102030405060708);
  auto sealed = state.encrypt_with_ad(as_bytes("ad"), as_bytes("hello"));
  ASSERT_TRUE(sealed.ok());
  crypto::AeadKey reference(crypto::AeadAlgorithm::kAes256Gcm, kKey);
  crypto::AeadNonce nonce = {0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8};
  EXPECT_EQ(*sealed, reference.seal(nonce, as_bytes("ad"), as_bytes("hello")));
  EXPECT_EQ(state.nonce(), 0x0102030405060709u);
}

// Section 12.4: ChaChaPoly nonces are 4 zero bytes then the counter little-endian.
TEST(CipherState, EncodesChaChaPolyNonceLittleEndian) {
  CipherState state(CipherFunction::kChaChaPoly);
  state.initialize_key(kKey);
  state.set_nonce(0x0102030405060708);
  auto sealed = state.encrypt_with_ad({}, as_bytes("hello"));
  ASSERT_TRUE(sealed.ok());
  crypto::AeadKey reference(crypto::AeadAlgorithm::kChaCha20Poly1305, kKey);
  crypto::AeadNonce nonce = {0, 0, 0, 0, 8, 7, 6, 5, 4, 3, 2, 1};
  EXPECT_EQ(*sealed, reference.seal(nonce, {}, as_bytes("hello")));
}

TEST(CipherState, PassesDataThroughWithoutKey) {
  CipherState state(CipherFunction::kAesGcm);
  EXPECT_FALSE(state.has_key());
  EXPECT_EQ(*state.encrypt_with_ad({}, as_bytes("abc")), to_bytes("abc"));
  EXPECT_EQ(*state.decrypt_with_ad({}, as_bytes("abc")), to_bytes("abc"));
}

TEST(CipherState, RefusesTheReservedNonce) {
  CipherState sender(CipherFunction::kAesGcm);
  sender.initialize_key(kKey);
  sender.set_nonce(CipherState::kMaxNonce - 1);
  ASSERT_TRUE(sender.encrypt_with_ad({}, as_bytes("last")).ok());
  auto overflow = sender.encrypt_with_ad({}, as_bytes("one too many"));
  ASSERT_FALSE(overflow.ok());
  EXPECT_EQ(overflow.error().code(), ErrorCode::kResourceExhausted);

  CipherState receiver(CipherFunction::kAesGcm);
  receiver.initialize_key(kKey);
  receiver.set_nonce(CipherState::kMaxNonce);
  EXPECT_EQ(receiver.decrypt_with_ad({}, Bytes(20)).error().code(), ErrorCode::kResourceExhausted);
}

TEST(CipherState, RejectsTamperingWithoutAdvancing) {
  CipherState sender(CipherFunction::kChaChaPoly);
  CipherState receiver(CipherFunction::kChaChaPoly);
  sender.initialize_key(kKey);
  receiver.initialize_key(kKey);
  Bytes sealed = *sender.encrypt_with_ad(as_bytes("ad"), as_bytes("secret"));
  Bytes tampered = sealed;
  tampered[0] ^= 1;
  EXPECT_EQ(receiver.decrypt_with_ad(as_bytes("ad"), tampered).error().code(),
            ErrorCode::kRejected);
  EXPECT_EQ(receiver.nonce(), 0u);
  EXPECT_EQ(receiver.decrypt_with_ad(as_bytes("other ad"), sealed).error().code(),
            ErrorCode::kRejected);
  EXPECT_EQ(*receiver.decrypt_with_ad(as_bytes("ad"), sealed), to_bytes("secret"));
}

// Section 4.2: REKEY(k) is the first 32 bytes of ENCRYPT(k, 2^64-1, "", zeros),
// and the nonce carries on.
TEST(CipherState, RekeysAsSpecified) {
  CipherState state(CipherFunction::kAesGcm);
  state.initialize_key(kKey);
  state.set_nonce(5);
  state.rekey();
  EXPECT_EQ(state.nonce(), 5u);

  crypto::AeadKey old_key(crypto::AeadAlgorithm::kAes256Gcm, kKey);
  crypto::AeadNonce max_nonce = {0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  Bytes derived = old_key.seal(max_nonce, {}, Bytes(32, 0));
  derived.resize(32);
  crypto::AeadKey new_key(crypto::AeadAlgorithm::kAes256Gcm, derived);
  crypto::AeadNonce five = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5};
  EXPECT_EQ(*state.encrypt_with_ad({}, as_bytes("after")),
            new_key.seal(five, {}, as_bytes("after")));
}

}  // namespace
}  // namespace cloister::noise
