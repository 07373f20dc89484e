#include "noise/transport_state.h"

#include <string>

namespace cloister::noise {

TransportState::TransportState(std::optional<CipherState> send, std::optional<CipherState> receive,
                               Bytes handshake_hash,
                               std::optional<crypto::X25519PublicKey> remote_static)
    : send_(std::move(send)),
      receive_(std::move(receive)),
      handshake_hash_(std::move(handshake_hash)),
      remote_static_(remote_static) {}

Error TransportState::fail_read(Error error) {
  read_failed_ = true;
  receive_.reset();
  return error;
}

Error TransportState::fail_write(Error error) {
  write_failed_ = true;
  send_.reset();
  return error;
}

Result<Bytes> TransportState::write_message(ByteSpan payload) {
  if (write_failed_) {
    return Error(ErrorCode::kFailedPrecondition, "Noise transport can no longer send");
  }
  if (!send_) {
    return Error(ErrorCode::kFailedPrecondition, "a one-way responder cannot send");
  }
  if (payload.size() > kMaxMessageSize - kTagSize) {
    return Error(ErrorCode::kInvalidArgument, "transport payload of " +
                                                  std::to_string(payload.size()) +
                                                  " bytes exceeds the Noise limit of " +
                                                  std::to_string(kMaxMessageSize - kTagSize));
  }
  auto sealed = send_->encrypt_with_ad({}, payload);
  if (!sealed.ok()) return fail_write(std::move(sealed).error());
  return sealed;
}

Result<Bytes> TransportState::read_message(ByteSpan message) {
  if (read_failed_) {
    return Error(ErrorCode::kFailedPrecondition, "Noise transport can no longer receive");
  }
  if (!receive_) {
    return Error(ErrorCode::kFailedPrecondition, "a one-way initiator cannot receive");
  }
  if (message.size() > kMaxMessageSize) {
    return fail_read(Error(ErrorCode::kMalformed, "transport message of " +
                                                      std::to_string(message.size()) +
                                                      " bytes exceeds the Noise limit of 65535"));
  }
  if (message.size() < kTagSize) {
    return fail_read(Error(ErrorCode::kMalformed, "transport message is shorter than its tag"));
  }
  auto opened = receive_->decrypt_with_ad({}, message);
  if (!opened.ok()) {
    return fail_read(std::move(opened).error().with_context("Noise transport message"));
  }
  return opened;
}

void TransportState::rekey_send() {
  if (send_) send_->rekey();
}

void TransportState::rekey_receive() {
  if (receive_) receive_->rekey();
}

uint64_t TransportState::send_nonce() const { return send_ ? send_->nonce() : 0; }
uint64_t TransportState::receive_nonce() const { return receive_ ? receive_->nonce() : 0; }

}  // namespace cloister::noise
