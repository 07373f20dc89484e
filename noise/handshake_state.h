// HandshakeState (Noise section 5.3) as an explicit state machine: each call
// either advances it by exactly one message or moves it to kFailed for good.
// Ephemeral keys and the chaining key are wiped as soon as the handshake
// completes or fails.
#pragma once

#include <optional>
#include <vector>

#include "crypto/curve25519.h"
#include "noise/symmetric_state.h"
#include "noise/transport_state.h"

namespace cloister::noise {

enum class Role { kInitiator, kResponder };

// Everything a party brings to a handshake.
struct HandshakeConfig {
  Protocol protocol;
  Role role = Role::kInitiator;
  Bytes prologue;
  // s: required when the pattern sends or pre-shares this party's static key.
  std::optional<crypto::X25519KeyPair> local_static;
  // rs: required when the pattern pre-shares the peer's static key.
  std::optional<crypto::X25519PublicKey> remote_static;
  // e: normally generated; fixed only to reproduce test vectors.
  std::optional<crypto::X25519KeyPair> fixed_ephemeral;
  // One 32-byte key per psk token, in order.
  std::vector<crypto::SecretBytes> psks;
};

enum class HandshakeStage {
  kWriteMessage,  // this party sends the next handshake message
  kReadMessage,   // this party expects the next handshake message
  kComplete,      // all messages done; transport keys are ready
  kFailed,        // an error occurred; nothing more can happen
};

class HandshakeState {
 public:
  // Checks the configuration against the pattern and runs the pre-messages.
  static Result<HandshakeState> create(HandshakeConfig config);

  HandshakeStage stage() const { return stage_; }
  Role role() const { return role_; }
  // Returns the index of the next handshake message (0-based).
  size_t message_index() const { return message_index_; }

  // Writes the next handshake message carrying `payload`. Fails, moving to
  // kFailed, if it is not this party's turn or the message would exceed
  // kMaxMessageSize.
  Result<Bytes> write_message(ByteSpan payload);
  // Reads the next handshake message and returns its payload. Fails, moving
  // to kFailed, on a truncated, oversized or unauthentic message.
  Result<Bytes> read_message(ByteSpan message);

  // Returns the peer's static key once known (pre-shared or received).
  const std::optional<crypto::X25519PublicKey>& remote_static() const { return remote_static_; }
  // Returns h: the handshake hash once complete, the running hash before.
  ByteSpan handshake_hash() const;

  // Moves the transport keys out of a completed handshake. The handshake
  // state is spent afterwards (kFailed).
  Result<TransportState> into_transport();

 private:
  HandshakeState(HandshakeConfig config, SymmetricState symmetric);

  bool is_initiator() const { return role_ == Role::kInitiator; }
  Status write_token(Token token, ByteWriter& out);
  Status read_token(Token token, ByteReader& in);
  Status mix_dh(const std::optional<crypto::X25519KeyPair>& local,
                const std::optional<crypto::X25519PublicKey>& remote, const char* token);
  Status mix_dh_token(Token token);
  Error fail(Error error);
  void advance();

  Protocol protocol_;
  Role role_;
  std::optional<SymmetricState> symmetric_;  // reset (wiped) once complete or failed
  Bytes final_hash_;
  std::optional<crypto::X25519KeyPair> local_static_;
  std::optional<crypto::X25519KeyPair> local_ephemeral_;
  std::optional<crypto::X25519KeyPair> fixed_ephemeral_;
  std::optional<crypto::X25519PublicKey> remote_static_;
  std::optional<crypto::X25519PublicKey> remote_ephemeral_;
  std::vector<crypto::SecretBytes> psks_;
  size_t psks_used_ = 0;
  size_t message_index_ = 0;
  HandshakeStage stage_ = HandshakeStage::kFailed;
  std::optional<TransportState> transport_;
};

}  // namespace cloister::noise
