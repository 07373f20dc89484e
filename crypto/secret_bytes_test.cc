#include "crypto/secret_bytes.h"

#include <gtest/gtest.h>

#include "crypto/random.h"

namespace cloister::crypto {
namespace {

TEST(SecretBytes, ComparesContentsAndLength) {
  SecretBytes a(as_bytes("key material"));
  EXPECT_TRUE(a.equals(as_bytes("key material")));
  EXPECT_FALSE(a.equals(as_bytes("key materiaL")));
  EXPECT_FALSE(a.equals(as_bytes("key")));
  EXPECT_TRUE(constant_time_equals({}, {}));
}

TEST(SecretBytes, MoveLeavesSourceEmptyAndCloneIsIndependent) {
  SecretBytes a(as_bytes("abc"));
  SecretBytes b = std::move(a);
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): checking the moved-from state
  EXPECT_TRUE(b.equals(as_bytes("abc")));
  SecretBytes c = b.clone();
  c.data()[0] = 'x';
  EXPECT_TRUE(b.equals(as_bytes("abc")));
}

TEST(SecretBytes, SecureWipeZeroesTheBuffer) {
  Bytes buffer = {1, 2, 3, 4};
  secure_wipe(buffer);
  EXPECT_EQ(buffer, Bytes(4, 0));
}

TEST(SecretBytes, CanLockItsPages) {
  SecretBytes key = random_secret(32);
  // mlock of a few bytes fits every default RLIMIT_MEMLOCK (64 KiB or more).
  EXPECT_TRUE(key.lock());
  EXPECT_TRUE(key.locked());
  SecretBytes copy = key.clone();
  EXPECT_TRUE(copy.locked());
}

TEST(SecretBytes, RandomSecretsDiffer) {
  EXPECT_FALSE(random_secret(32).equals(random_secret(32).span()));
}

}  // namespace
}  // namespace cloister::crypto
