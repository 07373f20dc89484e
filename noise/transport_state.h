// The transport phase of a Noise session: one CipherState per direction.
// A failure ends its direction for good: after a tag that does not verify,
// nothing more is read (the owner may still write one last message to say
// why); after an exhausted nonce, nothing more is written.
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

  // Returns true once either direction has failed.
  bool failed() const { return read_failed_ || write_failed_; }
  ByteSpan handshake_hash() const { return handshake_hash_; }
  const std::optional<crypto::X25519PublicKey>& remote_static() const { return remote_static_; }

 private:
  Error fail_read(Error error);
  Error fail_write(Error error);

  std::optional<CipherState> send_;
  std::optional<CipherState> receive_;
  Bytes handshake_hash_;
  std::optional<crypto::X25519PublicKey> remote_static_;
  bool read_failed_ = false;
  bool write_failed_ = false;
};

}  // namespace cloister::noise
