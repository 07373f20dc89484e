// The client's side of the handshake (docs/protocol.md, "Handshake"), as a
// sans-I/O state machine: start() gives message 1, finish() reads message 2,
// has the caller's verifier check the evidence against the REPORT_DATA this
// session requires, and only then writes message 3.
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

// Checks `bundle` (chain, signature, policy, log proof) and that the report's
// REPORT_DATA equals `expected_report_data`. Any error aborts the handshake.
using EvidenceVerifier =
    std::function<Status(const EvidenceBundle& bundle, const ReportData& expected_report_data)>;

struct InitiatorConfig {
  std::vector<uint16_t> versions{kVersion1};  // offered, strictly increasing
  std::optional<Nonce> nonce;                 // freshness nonce; draw it at random
  // The client's static key; when absent a fresh key is made for this
  // session alone, so that sessions cannot be linked by it.
  std::optional<crypto::X25519KeyPair> static_key;
  Bytes authorization_token;         // at most 4096 bytes; empty for none
  EvidenceVerifier verify_evidence;  // required
  Limits limits;
  std::optional<crypto::X25519KeyPair> fixed_ephemeral;  // for test vectors only
};

enum class InitiatorStage { kStart, kAwaitingServerHello, kEstablished, kFailed };

// The outcome of a successful finish(): message 3 to send, then the channel.
struct Established {
  Bytes message3;
  Channel channel;
};

class Initiator {
 public:
  // Checks the configuration; the handshake deadline starts now on `clock`,
  // which must outlive the Initiator.
  static Result<Initiator> create(InitiatorConfig config, const Clock& clock);

  InitiatorStage stage() const { return stage_; }
  TimePoint deadline() const { return deadline_; }

  // Returns message 1 (ClientHello).
  Result<Bytes> start();
  // Reads message 2, verifies the evidence and returns message 3 with the
  // established channel. Fails with the enclave's rejection, kRejected for
  // evidence the verifier refused, kDeadlineExceeded after the deadline.
  Result<Established> finish(ByteSpan message2);
  // Fails with kDeadlineExceeded (and moves to kFailed) once the deadline passed.
  Status check_deadline();

 private:
  Initiator(InitiatorConfig config, noise::HandshakeState handshake, const Clock& clock);
  Error fail(Error error);
  Result<Established> finish_checked(ByteSpan message2);

  InitiatorConfig config_;
  noise::HandshakeState handshake_;
  const Clock* clock_;
  TimePoint deadline_;
  InitiatorStage stage_ = InitiatorStage::kStart;
};

}  // namespace cloister::session
