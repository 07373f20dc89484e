// Test support: a client that does what the real client must, so that the
// tests exercise the whole path: dial the enclave's WebSocket, run the Noise
// handshake with a fresh nonce, verify the evidence bundle (the release proof
// against the pinned log, the SIMULATED report with attest::verify_evidence,
// the measurement the manifest lists, and REPORT_DATA), then send chat API
// requests and verify each receipt.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "net/io_pool.h"
#include "session/session.h"
#include "session/websocket_transport.h"
#include "tlog/release_verify.h"

namespace cloister::enclave::testing {

// What a verified handshake established about the enclave.
struct VerifiedEnclave {
  tlog::ReleaseManifest manifest;
  crypto::Sha256Digest manifest_sha256{};
  crypto::Ed25519PublicKey receipt_key{};
  bool simulated = false;
};

// Verifies `bundle` as a client must before sending message 3: the release
// proof (against `policy`, first use), the report (SIMULATED allowed: these
// are tests), the manifest's measurement, and `expected` REPORT_DATA.
Status verify_bundle(const session::EvidenceBundle& bundle, const session::ReportData& expected,
                     const tlog::LogTrustPolicy& policy, VerifiedEnclave* verified);

// One response as the client saw it.
struct ChatResponse {
  std::optional<nlohmann::json> start;
  std::vector<std::string> deltas;
  // When response-start and each delta arrived (for latency measurements).
  std::optional<std::chrono::steady_clock::time_point> start_arrival;
  std::vector<std::chrono::steady_clock::time_point> delta_arrivals;
  std::optional<nlohmann::json> end;
  std::string content;  // the deltas joined, or the end's content
  std::optional<uint16_t> error_code;
  std::string error_reason;
};

class TestClient {
 public:
  // Connects and verifies. `url` is ws://127.0.0.1:PORT/v1/session.
  static Result<std::unique_ptr<TestClient>> connect(net::IoPool& pool, const std::string& url,
                                                     const tlog::LogTrustPolicy& policy,
                                                     bool send_nonce = true);
  // The same over any transport (e.g. one a test tampers with), which must
  // outlive the client.
  static Result<std::unique_ptr<TestClient>> over(session::MessageTransport& transport,
                                                  const tlog::LogTrustPolicy& policy,
                                                  bool send_nonce = true);

  session::Session& session() { return *session_; }
  const VerifiedEnclave& enclave() const { return verified_; }

  // Sends a request body and returns its stream id.
  Result<session::StreamId> send(const std::string& body);
  // Reads events until `stream` ends (response-end or error). Events of other
  // streams are kept for their own read_response.
  Result<ChatResponse> read_response(session::StreamId stream,
                                     std::chrono::seconds timeout = std::chrono::seconds(60));
  // Sends and reads.
  Result<ChatResponse> call(const std::string& body);
  // Checks the receipt in `response` against the request body and the
  // attested receipt key, model digest and manifest digest.
  Status check_receipt(const std::string& request_body, const ChatResponse& response) const;

 private:
  TestClient() = default;

  std::unique_ptr<session::WebSocketTransport> owned_transport_;
  std::unique_ptr<session::Session> session_;
  VerifiedEnclave verified_;
  std::map<session::StreamId, std::vector<session::Event>> parked_;
};

// Returns a chat.completions request body.
std::string chat_body(const nlohmann::json& messages,
                      const nlohmann::json& params = nlohmann::json::object());

}  // namespace cloister::enclave::testing
