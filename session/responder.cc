#include "session/responder.h"

#include <algorithm>
#include <string>

#include "session/handshake_payloads.h"
#include "session/noise_config.h"

namespace cloister::session {

Responder::Responder(ResponderConfig config, noise::HandshakeState handshake, const Clock& clock)
    : config_(std::move(config)),
      handshake_(std::move(handshake)),
      clock_(&clock),
      deadline_(clock.now() + std::chrono::duration_cast<std::chrono::system_clock::duration>(
                                  config_.limits.handshake_timeout)) {}

Result<Responder> Responder::create(ResponderConfig config, const Clock& clock) {
  if (!config.static_key) {
    return Error(ErrorCode::kInvalidArgument, "the responder needs the enclave's static key");
  }
  if (!config.produce_evidence) {
    return Error(ErrorCode::kInvalidArgument, "the responder needs an evidence producer");
  }
  CLOISTER_TRY(encode_server_reject(ServerReject{0, config.versions, {}}));
  if (config.versions.empty()) {
    return Error(ErrorCode::kInvalidArgument, "the responder must support a version");
  }
  CLOISTER_ASSIGN_OR_RETURN(crypto::X25519KeyPair static_key,
                            crypto::x25519_from_private(config.static_key->private_key.span()));
  CLOISTER_ASSIGN_OR_RETURN(
      noise::HandshakeState handshake,
      noise::HandshakeState::create(session_noise_config(
          noise::Role::kResponder, std::move(static_key), std::move(config.fixed_ephemeral))));
  config.fixed_ephemeral.reset();
  return Responder(std::move(config), std::move(handshake), clock);
}

Error Responder::fail(Error error) {
  stage_ = ResponderStage::kFailed;
  return error;
}

// Refuses in message 2: the client learns why before the connection drops.
Error Responder::reject(Error error) {
  ServerReject reject{wire_error_for(error), config_.versions, truncate_reason(error.message())};
  auto payload = encode_server_reject(reject);
  if (payload.ok()) {
    auto message = handshake_.write_message(*payload);
    if (message.ok()) farewell_ = std::move(message).value();
  }
  return fail(std::move(error));
}

Status Responder::check_deadline() {
  if (stage_ == ResponderStage::kFailed || stage_ == ResponderStage::kEstablished) {
    return ok_status();
  }
  if (clock_->now() >= deadline_) {
    return fail(Error(ErrorCode::kDeadlineExceeded, "the handshake did not complete in time"));
  }
  return ok_status();
}

Result<Bytes> Responder::respond(ByteSpan message1) {
  if (stage_ != ResponderStage::kAwaitingClientHello) {
    return Error(ErrorCode::kFailedPrecondition, "the responder does not expect message 1 now");
  }
  CLOISTER_TRY(check_deadline());
  auto message2 = respond_checked(message1);
  if (!message2.ok()) {
    // Refuse in message 2 when the Noise layer can still write one.
    if (handshake_.stage() == noise::HandshakeStage::kWriteMessage) {
      return reject(std::move(message2).error());
    }
    return fail(std::move(message2).error());
  }
  stage_ = ResponderStage::kAwaitingClientFinish;
  return message2;
}

Result<Bytes> Responder::respond_checked(ByteSpan message1) {
  CLOISTER_ASSIGN_OR_RETURN(Bytes payload, handshake_.read_message(message1));
  CLOISTER_ASSIGN_OR_RETURN(ClientHello hello, decode_client_hello(payload));
  // The highest version both sides speak.
  for (auto it = config_.versions.rbegin(); it != config_.versions.rend() && version_ == 0; ++it) {
    if (std::find(hello.versions.begin(), hello.versions.end(), *it) != hello.versions.end()) {
      version_ = *it;
    }
  }
  if (version_ == 0) {
    return Error(ErrorCode::kUnsupported, "no protocol version in common with the client");
  }
  nonce_ = hello.nonce;
  auto bundle = config_.produce_evidence(nonce_);
  if (!bundle.ok()) {
    return Error(ErrorCode::kUnavailable, "evidence is unavailable: " + bundle.error().message());
  }
  report_data_ = expected_report_data(*bundle, config_.static_key->public_key, nonce_);
  auto encoded = encode_evidence_bundle(*bundle);
  if (!encoded.ok()) return Error(ErrorCode::kInternal, encoded.error().message());
  CLOISTER_ASSIGN_OR_RETURN(Bytes hello_payload,
                            encode_server_hello(ServerHello{version_, std::move(*encoded)}));
  if (hello_payload.size() + kMessage2Overhead > noise::kMaxMessageSize) {
    return Error(ErrorCode::kInternal, "the evidence bundle of " +
                                           std::to_string(hello_payload.size()) +
                                           " bytes does not fit in handshake message 2");
  }
  return handshake_.write_message(hello_payload);
}

Result<Channel> Responder::finish(ByteSpan message3) {
  if (stage_ != ResponderStage::kAwaitingClientFinish) {
    return Error(ErrorCode::kFailedPrecondition, "the responder does not expect message 3 now");
  }
  CLOISTER_TRY(check_deadline());
  auto channel = finish_checked(message3);
  if (!channel.ok()) return fail(std::move(channel).error());
  stage_ = ResponderStage::kEstablished;
  return channel;
}

Result<Channel> Responder::finish_checked(ByteSpan message3) {
  CLOISTER_ASSIGN_OR_RETURN(Bytes payload, handshake_.read_message(message3));
  CLOISTER_ASSIGN_OR_RETURN(ClientFinish finish, decode_client_finish(payload));
  crypto::X25519PublicKey client_key = *handshake_.remote_static();
  CLOISTER_ASSIGN_OR_RETURN(noise::TransportState transport, handshake_.into_transport());
  SessionInfo info;
  info.version = version_;
  info.handshake_hash = to_bytes(transport.handshake_hash());
  info.remote_static_key = client_key;
  info.nonce = nonce_;
  info.report_data = report_data_;
  info.authorization_token = finish.authorization_token;
  Channel channel(std::move(transport), Side::kServer, std::move(info), config_.limits);
  if (config_.authorize) {
    Status authorized = config_.authorize(finish.authorization_token, client_key);
    if (!authorized.ok()) {
      Error error(ErrorCode::kPermissionDenied,
                  "authorization refused: " + authorized.error().message());
      auto farewell = channel.close(wire_error_for(error), error.message());
      if (farewell.ok()) farewell_ = std::move(farewell).value();
      return error;
    }
  }
  return channel;
}

std::optional<Bytes> Responder::take_farewell() {
  std::optional<Bytes> farewell = std::move(farewell_);
  farewell_.reset();
  return farewell;
}

}  // namespace cloister::session
