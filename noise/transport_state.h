// The transport phase of a Noise session: one CipherState per direction.
// Any failure (a tag that does not verify, an exhausted nonce) ends the
// state for good, so a session never continues after tampering.
#pragma once

#include <optional>

#include "crypto/curve25519.h"
#include "noise/cipher_state.h"

namespace cloister::noise {

class TransportState {
 public:
  // `send` is absent for a one-way responder, `receive` for a one-way initiator.
  TransportState(std::optional<CipherState> send, std::optional<CipherState> receive,
                 Bytes handshake_hash, std::optional<crypto::X25519PublicKey> remote_static);

  // Returns the transport message carrying `payload` (at most
  // kMaxMessageSize - kTagSize bytes).
  Result<Bytes> write_message(ByteSpan payload);
  // Returns the payload of the next transport message from the peer.
  Result<Bytes> read_message(ByteSpan message);

  // Rekeys one direction (Noise section 11.3); both parties must agree when.
  void rekey_send();
  void rekey_receive();

  // Returns the number of messages sent / received so far (the next nonce).
  uint64_t send_nonce() const;
  uint64_t receive_nonce() const;

  bool failed() const { return failed_; }
  ByteSpan handshake_hash() const { return handshake_hash_; }
  const std::optional<crypto::X25519PublicKey>& remote_static() const { return remote_static_; }

 private:
  Error fail(Error error);

  std::optional<CipherState> send_;
  std::optional<CipherState> receive_;
  Bytes handshake_hash_;
  std::optional<crypto::X25519PublicKey> remote_static_;
  bool failed_ = false;
};

}  // namespace cloister::noise
