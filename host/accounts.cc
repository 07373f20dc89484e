#include "host/accounts.h"

#include "base/encoding.h"
#include "crypto/curve25519.h"
#include "crypto/hash.h"
#include "crypto/random.h"

namespace cloister::host {
namespace {

constexpr std::string_view kSignInLabel = "cloister-host/sign-in/v1";

Error rejected(std::string_view why) { return Error(ErrorCode::kRejected, std::string(why)); }

}  // namespace

Bytes AccountService::sign_in_message(std::string_view origin, ByteSpan challenge,
                                      ByteSpan public_key) {
  ByteWriter writer;
  writer.put_string(kSignInLabel);
  writer.put_u8(0);
  (void)writer.put_prefixed(2, [&](ByteWriter& body) { body.put_string(origin); });
  writer.put_bytes(challenge);
  writer.put_bytes(public_key);
  return writer.take();
}

Result<AccountService::Challenge> AccountService::issue_challenge(ByteSpan public_key) {
  CLOISTER_ASSIGN_OR_RETURN(AccountKey account, to_account(public_key));
  Challenge issued{crypto::random_bytes(kChallengeBytes), clock_.now() + config_.challenge_ttl};
  CLOISTER_TRY(store_.put_challenge(issued.challenge, account, issued.expires));
  return issued;
}

Result<AccountService::Token> AccountService::sign_in(ByteSpan public_key, ByteSpan challenge,
                                                      ByteSpan signature) {
  CLOISTER_ASSIGN_OR_RETURN(AccountKey account, to_account(public_key));
  if (challenge.size() != kChallengeBytes) return rejected("challenge must be 32 bytes");
  // Taking the challenge first makes it single-use even when what follows fails.
  auto issued_to = store_.take_challenge(challenge, clock_.now());
  if (!issued_to.ok()) return issued_to.error();
  if (!crypto::constant_time_equals(*issued_to, account)) {
    return rejected("challenge was issued to a different public key");
  }
  Bytes message = sign_in_message(config_.origin, challenge, account);
  if (!crypto::ed25519_verify(account, message, signature)) {
    return rejected("signature does not verify under the public key");
  }
  TimePoint now = clock_.now();
  CLOISTER_TRY(store_.ensure_account(account, now));
  Bytes raw = crypto::random_bytes(kTokenBytes);
  Token token{base64url_encode(raw), now + config_.token_ttl};
  auto hash = crypto::sha256(raw);
  CLOISTER_TRY(store_.put_token(hash, account, token.expires));
  return token;
}

Result<AccountKey> AccountService::authenticate(std::string_view token) {
  CLOISTER_ASSIGN_OR_RETURN(Bytes hash, token_hash(token));
  auto account = store_.find_token(hash, clock_.now());
  if (!account.ok()) {
    if (account.error().code() == ErrorCode::kNotFound) {
      return rejected("bearer token is unknown or expired");
    }
    return account.error();
  }
  return account;
}

Status AccountService::sign_out(std::string_view token) {
  CLOISTER_ASSIGN_OR_RETURN(Bytes hash, token_hash(token));
  return store_.delete_token(hash);
}

Result<AccountKey> AccountService::to_account(ByteSpan public_key) {
  if (public_key.size() != crypto::kEd25519PublicKeySize) {
    return Error(ErrorCode::kInvalidArgument, "public key must be 32 bytes (Ed25519)");
  }
  AccountKey account{};
  std::copy(public_key.begin(), public_key.end(), account.begin());
  return account;
}

Result<Bytes> AccountService::token_hash(std::string_view token) const {
  auto raw = base64url_decode(token);
  if (!raw.ok() || raw->size() != kTokenBytes) return rejected("bearer token is malformed");
  auto digest = crypto::sha256(*raw);
  return Bytes(digest.begin(), digest.end());
}

}  // namespace cloister::host
