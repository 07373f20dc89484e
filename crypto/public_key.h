// Public keys and signature verification on OpenSSL 3: ECDSA over P-256 and
// P-384 (DER or raw r/s signatures) and RSASSA-PSS. Verification answers a
// plain yes or no; a malformed signature simply does not verify.
#pragma once

#include <memory>

#include "crypto/hash.h"

struct evp_pkey_st;

namespace cloister::crypto {

enum class KeyType { kRsa, kEcP256, kEcP384, kOther };

// Returns "RSA", "EC P-256", "EC P-384" or "other".
std::string_view key_type_name(KeyType type);

// An immutable public key. Copies share the underlying OpenSSL object.
class PublicKey {
 public:
  // Parses a DER SubjectPublicKeyInfo.
  static Result<PublicKey> from_spki_der(ByteSpan der);
  // Builds an EC key from its affine coordinates x || y, each big-endian and
  // exactly the field size (32 bytes for P-256, 48 for P-384). Fails if the
  // point is not on the curve.
  static Result<PublicKey> from_ec_coordinates(KeyType curve, ByteSpan x_and_y);

  // Returns the algorithm and curve of the key.
  KeyType type() const;
  // Returns the key size in bits (modulus size for RSA, field size for EC).
  int bits() const;
  // Returns the DER SubjectPublicKeyInfo.
  Bytes spki_der() const;

  // Returns true if `der_signature` (an ECDSA-Sig-Value) signs `message`
  // hashed with `hash`.
  bool verify_ecdsa_der(HashAlgorithm hash, ByteSpan message, ByteSpan der_signature) const;
  // Returns true if (r, s), given as unsigned big-endian integers of any
  // length, is an ECDSA signature of `message` hashed with `hash`.
  bool verify_ecdsa_rs(HashAlgorithm hash, ByteSpan message, ByteSpan r, ByteSpan s) const;
  // Returns true if `signature` is an RSASSA-PSS signature of `message` with
  // `hash` for both the message digest and MGF1, and exactly `salt_length`.
  bool verify_rsa_pss(HashAlgorithm hash, int salt_length, ByteSpan message,
                      ByteSpan signature) const;

  // The OpenSSL key, for the other wrappers in crypto/.
  evp_pkey_st* native() const { return key_.get(); }
  // Wraps an OpenSSL key, taking ownership of one reference.
  explicit PublicKey(evp_pkey_st* owned);

 private:
  std::shared_ptr<evp_pkey_st> key_;
};

// Returns the DER ECDSA-Sig-Value for (r, s) given as unsigned big-endian
// integers. Fails if either is zero-length or larger than 66 bytes.
Result<Bytes> ecdsa_rs_to_der(ByteSpan r, ByteSpan s);

}  // namespace cloister::crypto
