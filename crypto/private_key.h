// Signing keys on OpenSSL 3: RSA (RSASSA-PSS) and ECDSA over P-256/P-384.
// Used where Cloister itself must sign with a certificate-backed key, such as
// the development stand-in for a vendor chain. Keys serialize to PKCS #8 PEM
// held in SecretBytes.
#pragma once

#include <memory>

#include "crypto/public_key.h"

namespace cloister::crypto {

// A private key. Copies share the underlying OpenSSL object.
class PrivateKey {
 public:
  // Generates an RSA key with `bits` (2048 to 8192) and exponent 65537.
  static Result<PrivateKey> generate_rsa(int bits);
  // Generates an EC key on `curve` (kEcP256 or kEcP384).
  static Result<PrivateKey> generate_ec(KeyType curve);
  // Parses an unencrypted PKCS #8 PEM private key.
  static Result<PrivateKey> from_pkcs8_pem(ByteSpan pem);

  // Returns the unencrypted PKCS #8 PEM encoding.
  SecretBytes to_pkcs8_pem() const;
  // Returns the matching public key, and its type.
  PublicKey public_key() const;
  KeyType type() const { return public_key().type(); }

  // Signs `message` with ECDSA and returns r || s, each big-endian and
  // exactly the field size (48 bytes for P-384).
  Result<Bytes> sign_ecdsa_rs(HashAlgorithm hash, ByteSpan message) const;
  // Signs `message` with RSASSA-PSS (MGF1 with the same hash, `salt_length`).
  Result<Bytes> sign_rsa_pss(HashAlgorithm hash, int salt_length, ByteSpan message) const;

  // The OpenSSL key, for the other wrappers in crypto/.
  evp_pkey_st* native() const { return key_.get(); }

 private:
  explicit PrivateKey(evp_pkey_st* owned);
  std::shared_ptr<evp_pkey_st> key_;
};

}  // namespace cloister::crypto
