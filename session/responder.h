// The enclave's side of the handshake (docs/protocol.md, "Handshake"), as a
// sans-I/O state machine: respond() reads message 1 and returns message 2
// with the evidence bundle; finish() reads message 3 and returns the channel.
// When it refuses (no common version, no evidence, bad authorization) the
// error comes with a farewell message that tells the client why.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "base/clock.h"
#include "noise/handshake_state.h"
#include "session/channel.h"
#include "session/evidence_bundle.h"

namespace cloister::session {

// Produces the evidence bundle whose REPORT_DATA binds `nonce` (see
// compute_report_data). Called once per handshake.
using EvidenceProducer = std::function<Result<EvidenceBundle>(const std::optional<Nonce>& nonce)>;

// Decides whether a client may use the session; `token` may be empty.
using AuthorizationCheck =
    std::function<Status(ByteSpan token, const crypto::X25519PublicKey& client_static_key)>;

struct ResponderConfig {
  // The enclave's static Noise key, generated at boot and shared by sessions.
  std::shared_ptr<const crypto::X25519KeyPair> static_key;
  std::vector<uint16_t> versions{kVersion1};  // supported, strictly increasing
  EvidenceProducer produce_evidence;          // required
  AuthorizationCheck authorize;               // optional; without it any token is accepted
  Limits limits;
  std::optional<crypto::X25519KeyPair> fixed_ephemeral;  // for test vectors only
};

enum class ResponderStage { kAwaitingClientHello, kAwaitingClientFinish, kEstablished, kFailed };

class Responder {
 public:
  // Checks the configuration; the handshake deadline starts now on `clock`,
  // which must outlive the Responder.
  static Result<Responder> create(ResponderConfig config, const Clock& clock);

  ResponderStage stage() const { return stage_; }
  TimePoint deadline() const { return deadline_; }

  // Reads message 1 and returns message 2 (ServerHello with evidence).
  Result<Bytes> respond(ByteSpan message1);
  // Reads message 3 and returns the established channel.
  Result<Channel> finish(ByteSpan message3);
  // Fails with kDeadlineExceeded (and moves to kFailed) once the deadline passed.
  Status check_deadline();

  // After a failure: the message to send the client before closing (a
  // ServerReject as message 2, or a session error frame after message 3).
  std::optional<Bytes> take_farewell();

 private:
  Responder(ResponderConfig config, noise::HandshakeState handshake, const Clock& clock);
  Error fail(Error error);
  Error reject(Error error);
  Result<Bytes> respond_checked(ByteSpan message1);
  Result<Channel> finish_checked(ByteSpan message3);

  ResponderConfig config_;
  noise::HandshakeState handshake_;
  const Clock* clock_;
  TimePoint deadline_;
  ResponderStage stage_ = ResponderStage::kAwaitingClientHello;
  std::optional<Nonce> nonce_;
  uint16_t version_ = 0;
  ReportData report_data_{};
  std::optional<Bytes> farewell_;
};

}  // namespace cloister::session
