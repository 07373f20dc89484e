// Test-only helpers for the session tests: a stand-in evidence format whose
// REPORT_DATA sits where an SNP report keeps it (offset 0x50), a matching
// verifier, and a tampering transport. attest/ owns real verification; these
// only let the session layer's binding logic be exercised.
#pragma once

#include <functional>
#include <memory>
#include <optional>

#include "session/initiator.h"
#include "session/message_transport.h"
#include "session/responder.h"

namespace cloister::session::testing {

inline constexpr size_t kReportDataOffset = 0x50;
inline constexpr size_t kStandInReportSize = 1184;

// A bundle whose report carries `report_data` at 0x50.
inline EvidenceBundle stand_in_bundle(const ReportData& report_data,
                                      const crypto::Ed25519PublicKey& receipt_key,
                                      Bytes manifest = to_bytes("{\"release\":\"test\"}")) {
  EvidenceBundle bundle;
  bundle.platform = Platform::kSimulatedSevSnp;
  bundle.report.assign(kStandInReportSize, 0xA5);
  std::copy(report_data.begin(), report_data.end(), bundle.report.begin() + kReportDataOffset);
  bundle.collateral = to_bytes("stand-in certificate chain");
  bundle.manifest = std::move(manifest);
  bundle.receipt_public_key = receipt_key;
  return bundle;
}

// Produces bundles bound honestly to `enclave_key`, the receipt key and the nonce.
inline EvidenceProducer honest_producer(crypto::X25519PublicKey enclave_key,
                                        crypto::Ed25519PublicKey receipt_key) {
  return [=](const std::optional<Nonce>& nonce) -> Result<EvidenceBundle> {
    Bytes manifest = to_bytes("{\"release\":\"test\"}");
    ReportData bound =
        compute_report_data(enclave_key, receipt_key, manifest_digest(manifest), nonce);
    return stand_in_bundle(bound, receipt_key, manifest);
  };
}

// Accepts a stand-in report exactly when its REPORT_DATA is the expected one.
inline Status check_stand_in_report(const EvidenceBundle& bundle, const ReportData& expected) {
  if (bundle.report.size() != kStandInReportSize) {
    return Error(ErrorCode::kMalformed, "stand-in report has the wrong size");
  }
  if (!crypto::constant_time_equals(
          ByteSpan(bundle.report).subspan(kReportDataOffset, kReportDataSize), expected)) {
    return Error(ErrorCode::kRejected, "REPORT_DATA does not match the session");
  }
  return ok_status();
}

// Fixed-seed key material so failures reproduce.
inline crypto::X25519KeyPair x25519_key(uint8_t seed) {
  return *crypto::x25519_from_private(Bytes(32, seed));
}

struct Enclave {
  std::shared_ptr<const crypto::X25519KeyPair> static_key =
      std::make_shared<crypto::X25519KeyPair>(x25519_key(0x51));
  crypto::Ed25519KeyPair receipt_key = *crypto::ed25519_from_seed(Bytes(32, 0x52));

  ResponderConfig config(Limits limits = {}) const {
    ResponderConfig config;
    config.static_key = static_key;
    config.produce_evidence = honest_producer(static_key->public_key, receipt_key.public_key);
    config.limits = limits;
    return config;
  }
};

inline InitiatorConfig client_config(std::optional<Nonce> nonce = std::nullopt,
                                     Limits limits = {}) {
  InitiatorConfig config;
  config.nonce = nonce;
  config.verify_evidence = check_stand_in_report;
  config.limits = limits;
  return config;
}

// Passes messages through, letting a test alter, drop or duplicate them.
class TamperingTransport final : public MessageTransport {
 public:
  // Returns the messages to really send in place of `message`.
  using Rewrite = std::function<std::vector<Bytes>(Bytes message)>;

  TamperingTransport(MessageTransport& inner, Rewrite rewrite)
      : inner_(inner), rewrite_(std::move(rewrite)) {}

  Status send(ByteSpan message) override {
    for (const Bytes& out : rewrite_(to_bytes(message))) CLOISTER_TRY(inner_.send(out));
    return ok_status();
  }
  Result<Bytes> receive(TimePoint deadline) override { return inner_.receive(deadline); }
  void close() override { inner_.close(); }

 private:
  MessageTransport& inner_;
  Rewrite rewrite_;
};

}  // namespace cloister::session::testing
