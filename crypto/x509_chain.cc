#include "crypto/x509_chain.h"

#include <openssl/x509_vfy.h>

#include "crypto/openssl_util.h"

namespace cloister::crypto {
namespace {

using internal::X509StoreCtxPtr;
using internal::X509StorePtr;

struct StackDeleter {
  void operator()(STACK_OF(X509) * stack) const { sk_X509_free(stack); }
};

ChainErrorKind classify(int error) {
  switch (error) {
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
    case X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE:
    case X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY: return ChainErrorKind::kSignature;
    case X509_V_ERR_CERT_NOT_YET_VALID: return ChainErrorKind::kNotYetValid;
    case X509_V_ERR_CERT_HAS_EXPIRED: return ChainErrorKind::kExpired;
    case X509_V_ERR_CERT_REVOKED: return ChainErrorKind::kRevoked;
    case X509_V_ERR_UNABLE_TO_GET_CRL:
    case X509_V_ERR_CRL_SIGNATURE_FAILURE:
    case X509_V_ERR_CRL_NOT_YET_VALID:
    case X509_V_ERR_CRL_HAS_EXPIRED:
    case X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE:
    case X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER:
    case X509_V_ERR_ERROR_IN_CRL_LAST_UPDATE_FIELD:
    case X509_V_ERR_ERROR_IN_CRL_NEXT_UPDATE_FIELD: return ChainErrorKind::kCrlProblem;
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_CERT_UNTRUSTED: return ChainErrorKind::kUntrustedRoot;
    default: return ChainErrorKind::kOther;
  }
}

}  // namespace

std::string_view chain_error_kind_name(ChainErrorKind kind) {
  switch (kind) {
    case ChainErrorKind::kSignature: return "signature";
    case ChainErrorKind::kNotYetValid: return "not yet valid";
    case ChainErrorKind::kExpired: return "expired";
    case ChainErrorKind::kRevoked: return "revoked";
    case ChainErrorKind::kCrlProblem: return "crl";
    case ChainErrorKind::kUntrustedRoot: return "untrusted root";
    case ChainErrorKind::kOther: return "other";
  }
  return "other";
}

std::optional<ChainError> verify_chain(const Certificate& leaf,
                                       std::span<const Certificate> intermediates,
                                       const Certificate& root, const ChainOptions& options) {
  if (!root.is_self_issued()) {
    return ChainError{ChainErrorKind::kUntrustedRoot, -1, "the root is not self-signed"};
  }
  if (!root.signature_verifies_with(*root.public_key())) {
    return ChainError{ChainErrorKind::kSignature, -1, "the root's self-signature does not verify"};
  }
  X509StorePtr store(X509_STORE_new());
  if (!store || X509_STORE_add_cert(store.get(), root.native()) != 1) {
    internal::die("X509_STORE_add_cert");
  }
  for (const Crl& crl : options.crls) {
    if (X509_STORE_add_crl(store.get(), crl.native()) != 1) internal::die("X509_STORE_add_crl");
  }
  std::unique_ptr<STACK_OF(X509), StackDeleter> untrusted(sk_X509_new_null());
  if (!untrusted) internal::die("sk_X509_new_null");
  for (const Certificate& cert : intermediates) {
    if (sk_X509_push(untrusted.get(), cert.native()) <= 0) internal::die("sk_X509_push");
  }
  X509StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (!ctx || X509_STORE_CTX_init(ctx.get(), store.get(), leaf.native(), untrusted.get()) != 1) {
    internal::die("X509_STORE_CTX_init");
  }
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  X509_VERIFY_PARAM_set_time(param, static_cast<time_t>(unix_seconds(options.at)));
  unsigned long flags = X509_V_FLAG_CHECK_SS_SIGNATURE;
  if (options.require_crls) flags |= X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL;
  X509_VERIFY_PARAM_set_flags(param, flags);
  X509_VERIFY_PARAM_set_depth(param, 8);

  int verified = X509_verify_cert(ctx.get());
  internal::drain_openssl_errors();
  if (verified == 1) return std::nullopt;
  int error = X509_STORE_CTX_get_error(ctx.get());
  int depth = X509_STORE_CTX_get_error_depth(ctx.get());
  std::string message = X509_verify_cert_error_string(error);
  if (X509* at = X509_STORE_CTX_get_current_cert(ctx.get()); at != nullptr) {
    char name[256] = {};
    X509_NAME_oneline(X509_get_subject_name(at), name, sizeof(name));
    message += " at depth " + std::to_string(depth) + " (" + name + ")";
  }
  return ChainError{classify(error), depth, std::move(message)};
}

}  // namespace cloister::crypto
