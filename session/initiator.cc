#include "session/initiator.h"

#include <algorithm>
#include <string>

#include "session/handshake_payloads.h"
#include "session/noise_config.h"

namespace cloister::session {
namespace {

std::string version_list(const std::vector<uint16_t>& versions) {
  std::string out;
  for (uint16_t version : versions) out += (out.empty() ? "" : ", ") + std::to_string(version);
  return out.empty() ? "none" : out;
}

}  // namespace

Initiator::Initiator(InitiatorConfig config, noise::HandshakeState handshake, const Clock& clock)
    : config_(std::move(config)),
      handshake_(std::move(handshake)),
      clock_(&clock),
      deadline_(clock.now() + std::chrono::duration_cast<std::chrono::system_clock::duration>(
                                  config_.limits.handshake_timeout)) {}

Result<Initiator> Initiator::create(InitiatorConfig config, const Clock& clock) {
  if (!config.verify_evidence) {
    return Error(ErrorCode::kInvalidArgument, "the initiator needs an evidence verifier");
  }
  CLOISTER_TRY(encode_client_hello(ClientHello{config.versions, config.nonce}));
  CLOISTER_TRY(encode_client_finish(ClientFinish{config.authorization_token}));
  crypto::X25519KeyPair static_key =
      config.static_key ? std::move(*config.static_key) : crypto::x25519_generate();
  config.static_key.reset();
  CLOISTER_ASSIGN_OR_RETURN(
      noise::HandshakeState handshake,
      noise::HandshakeState::create(session_noise_config(
          noise::Role::kInitiator, std::move(static_key), std::move(config.fixed_ephemeral))));
  config.fixed_ephemeral.reset();
  return Initiator(std::move(config), std::move(handshake), clock);
}

Error Initiator::fail(Error error) {
  stage_ = InitiatorStage::kFailed;
  config_.authorization_token.clear();
  return error;
}

Status Initiator::check_deadline() {
  if (stage_ == InitiatorStage::kFailed || stage_ == InitiatorStage::kEstablished) {
    return ok_status();
  }
  if (clock_->now() >= deadline_) {
    return fail(Error(ErrorCode::kDeadlineExceeded, "the handshake did not complete in time"));
  }
  return ok_status();
}

Result<Bytes> Initiator::start() {
  if (stage_ != InitiatorStage::kStart) {
    return Error(ErrorCode::kFailedPrecondition, "the handshake has already started");
  }
  CLOISTER_TRY(check_deadline());
  CLOISTER_ASSIGN_OR_RETURN(Bytes payload,
                            encode_client_hello(ClientHello{config_.versions, config_.nonce}));
  auto message = handshake_.write_message(payload);
  if (!message.ok()) return fail(std::move(message).error());
  stage_ = InitiatorStage::kAwaitingServerHello;
  return message;
}

Result<Established> Initiator::finish(ByteSpan message2) {
  if (stage_ != InitiatorStage::kAwaitingServerHello) {
    return Error(ErrorCode::kFailedPrecondition, "the initiator does not expect message 2 now");
  }
  CLOISTER_TRY(check_deadline());
  auto established = finish_checked(message2);
  if (!established.ok()) return fail(std::move(established).error());
  stage_ = InitiatorStage::kEstablished;
  return established;
}

Result<Established> Initiator::finish_checked(ByteSpan message2) {
  CLOISTER_ASSIGN_OR_RETURN(Bytes payload, handshake_.read_message(message2));
  CLOISTER_ASSIGN_OR_RETURN(ServerResponse response, decode_server_response(payload));
  if (response.reject) {
    const ServerReject& reject = *response.reject;
    return error_from_wire(reject.code, reject.reason)
        .with_context("enclave refused the handshake (it speaks versions " +
                      version_list(reject.supported_versions) + "; offered " +
                      version_list(config_.versions) + ")");
  }
  const ServerHello& hello = *response.hello;
  if (std::find(config_.versions.begin(), config_.versions.end(), hello.version) ==
      config_.versions.end()) {
    return Error(ErrorCode::kMalformed, "enclave chose protocol version " +
                                            std::to_string(hello.version) +
                                            ", which the client did not offer");
  }
  auto bundle = decode_evidence_bundle(hello.evidence_bundle);
  if (!bundle.ok()) return std::move(bundle).error().with_context("evidence bundle");
  // The XX pattern has authenticated the enclave's static key by now.
  crypto::X25519PublicKey enclave_key = *handshake_.remote_static();
  ReportData expected = expected_report_data(*bundle, enclave_key, config_.nonce);
  Status verified = config_.verify_evidence(*bundle, expected);
  if (!verified.ok()) {
    return std::move(verified).error().with_context("enclave evidence rejected");
  }

  CLOISTER_ASSIGN_OR_RETURN(Bytes finish_payload,
                            encode_client_finish(ClientFinish{config_.authorization_token}));
  crypto::secure_wipe(config_.authorization_token);
  CLOISTER_ASSIGN_OR_RETURN(Bytes message3, handshake_.write_message(finish_payload));
  CLOISTER_ASSIGN_OR_RETURN(noise::TransportState transport, handshake_.into_transport());
  SessionInfo info;
  info.version = hello.version;
  info.handshake_hash = to_bytes(transport.handshake_hash());
  info.remote_static_key = enclave_key;
  info.nonce = config_.nonce;
  info.report_data = expected;
  info.evidence = std::move(bundle).value();
  return Established{std::move(message3),
                     Channel(std::move(transport), Side::kClient, std::move(info), config_.limits)};
}

}  // namespace cloister::session
