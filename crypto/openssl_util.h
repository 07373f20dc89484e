// Private helpers shared by the OpenSSL wrappers in crypto/: owning pointers
// for OpenSSL objects and error-queue formatting. Not part of the public API.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "base/clock.h"
#include "base/result.h"
#include "crypto/hash.h"

namespace cloister::crypto::internal {

template <typename T, void (*kFree)(T*)>
struct OpenSslDeleter {
  void operator()(T* object) const { kFree(object); }
};

template <typename T, void (*kFree)(T*)>
using OpenSslPtr = std::unique_ptr<T, OpenSslDeleter<T, kFree>>;

using BioPtr = OpenSslPtr<BIO, BIO_free_all>;
using BignumPtr = OpenSslPtr<BIGNUM, BN_free>;
using EcdsaSigPtr = OpenSslPtr<ECDSA_SIG, ECDSA_SIG_free>;
using EvpPkeyCtxPtr = OpenSslPtr<EVP_PKEY_CTX, EVP_PKEY_CTX_free>;
using EvpMdCtxPtr = OpenSslPtr<EVP_MD_CTX, EVP_MD_CTX_free>;
using X509Ptr = OpenSslPtr<X509, X509_free>;
using X509CrlPtr = OpenSslPtr<X509_CRL, X509_CRL_free>;
using X509StorePtr = OpenSslPtr<X509_STORE, X509_STORE_free>;
using X509StoreCtxPtr = OpenSslPtr<X509_STORE_CTX, X509_STORE_CTX_free>;
using AsnObjectPtr = OpenSslPtr<ASN1_OBJECT, ASN1_OBJECT_free>;

// Returns the OpenSSL digest for `hash`.
const EVP_MD* evp_md(HashAlgorithm hash);

// Converts an ASN.1 time; times past 2262 (e.g. 9999-12-31) clamp to
// TimePoint::max(), and an unreadable time gives the epoch.
TimePoint asn1_time_to_point(const ASN1_TIME* time);

// Drains OpenSSL's thread-local error queue into one line (empty if none), so
// that a failure on one input never leaks into the message of the next.
std::string drain_openssl_errors();

// Returns an Error of `code` whose message is `what` followed by whatever
// OpenSSL queued.
Error openssl_error(ErrorCode code, std::string_view what);

// Aborts: OpenSSL failed where only an allocation or a missing provider can
// make it fail.
[[noreturn]] void die(const char* what);

}  // namespace cloister::crypto::internal
