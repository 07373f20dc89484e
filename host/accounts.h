// Accounts without email or password. An account is an Ed25519 public key
// (derived by the client from its root secret). Signing in is a
// challenge-response: the host issues a random, single-use, expiring
// challenge; the client signs it, bound to this host's origin; the host
// answers with a short-lived bearer token, stored only as its hash.
#pragma once

#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/clock.h"
#include "host/config.h"
#include "host/store/store.h"

namespace cloister::host {

inline constexpr size_t kChallengeBytes = 32;
inline constexpr size_t kTokenBytes = 32;

class AccountService {
 public:
  struct Challenge {
    Bytes challenge;
    TimePoint expires;
  };
  struct Token {
    std::string token;  // base64url, 43 characters
    TimePoint expires;
  };

  AccountService(Store& store, AuthConfig config, const Clock& clock)
      : store_(store), config_(std::move(config)), clock_(clock) {}

  // Issues a challenge for `public_key` (32 bytes).
  Result<Challenge> issue_challenge(ByteSpan public_key);
  // Consumes the challenge (whatever the outcome), checks that it was issued
  // to `public_key` and that `signature` signs sign_in_message() under it,
  // creates the account on first sign-in, and returns a fresh token. Fails
  // with kRejected, saying why.
  Result<Token> sign_in(ByteSpan public_key, ByteSpan challenge, ByteSpan signature);
  // Returns the account a bearer token belongs to; kRejected if the token is
  // malformed, unknown or expired.
  Result<AccountKey> authenticate(std::string_view token);
  // Revokes a token.
  Status sign_out(std::string_view token);

  // Returns the origin sign-in signatures are bound to.
  const std::string& origin() const { return config_.origin; }

  // Returns the bytes a client signs to answer `challenge` at `origin`:
  // "cloister-host/sign-in/v1" 0x00, origin (u16be-length-prefixed),
  // challenge (32 bytes), public key (32 bytes).
  static Bytes sign_in_message(std::string_view origin, ByteSpan challenge, ByteSpan public_key);

 private:
  static Result<AccountKey> to_account(ByteSpan public_key);
  Result<Bytes> token_hash(std::string_view token) const;

  Store& store_;
  AuthConfig config_;
  const Clock& clock_;
};

}  // namespace cloister::host
