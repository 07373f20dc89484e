#include "enclave/testing/test_client.h"

#include "attest/evidence.h"
#include "base/encoding.h"
#include "crypto/random.h"
#include "session/receipt.h"
#include "tlog/release_proof.h"

namespace cloister::enclave::testing {
namespace {

using nlohmann::json;

Error rejected(std::string message) { return Error(ErrorCode::kRejected, std::move(message)); }

}  // namespace

Status verify_bundle(const session::EvidenceBundle& bundle, const session::ReportData& expected,
                     const tlog::LogTrustPolicy& policy, VerifiedEnclave* verified) {
  // 1. The release: logged, witnessed, and the very manifest of the bundle.
  if (bundle.tlog_proof.format != session::TlogProofFormat::kTlogV1) {
    return rejected("the enclave sent no release proof");
  }
  CLOISTER_ASSIGN_OR_RETURN(tlog::ReleaseProof proof,
                            tlog::parse_release_proof(bundle.tlog_proof.bytes));
  if (proof.manifest != bundle.manifest)
    return rejected("the release proof is for another manifest");
  CLOISTER_ASSIGN_OR_RETURN(tlog::VerifiedRelease release,
                            tlog::verify_release_proof(proof, policy, std::nullopt, nullptr));

  // 2. The report: chain, signature, policy, measurement and binding.
  attest::Policy attest_policy;
  attest_policy.expect_report_data(expected);
  attest::EvidenceBytes evidence{attest::Platform::kSnp, bundle.report, bundle.collateral};
  std::vector<Bytes> measurements;
  switch (bundle.platform) {
    case session::Platform::kSimulatedSevSnp:
      attest_policy.allow_simulated(true);  // tests only
      for (const auto& m : release.manifest.simulated_measurements)
        measurements.push_back(to_bytes(m));
      break;
    case session::Platform::kSevSnp:
      for (const auto& m : release.manifest.snp_measurements) measurements.push_back(to_bytes(m));
      break;
    case session::Platform::kTdx: return rejected("this test client does not verify TDX");
  }
  attest_policy.snp.accepted_measurements = measurements;
  if (!bundle.gpu_evidence.empty())
    return rejected("this test client does not verify GPU evidence");
  attest::VerifiedEvidence result =
      attest::verify_evidence(evidence, attest_policy, system_clock());
  if (!result.verdict.accepted()) return rejected("evidence rejected: " + result.verdict.to_text());

  verified->manifest = std::move(release.manifest);
  verified->manifest_sha256 = release.manifest_digest;
  verified->receipt_key = bundle.receipt_public_key;
  verified->simulated = result.verdict.simulated;
  return ok_status();
}

Result<std::unique_ptr<TestClient>> TestClient::connect(net::IoPool& pool, const std::string& url,
                                                        const tlog::LogTrustPolicy& policy,
                                                        bool send_nonce) {
  CLOISTER_ASSIGN_OR_RETURN(auto transport, session::WebSocketTransport::connect(pool, url));
  auto* raw = transport.get();
  CLOISTER_ASSIGN_OR_RETURN(auto client, over(*raw, policy, send_nonce));
  client->owned_transport_ = std::move(transport);
  return client;
}

Result<std::unique_ptr<TestClient>> TestClient::over(session::MessageTransport& transport,
                                                     const tlog::LogTrustPolicy& policy,
                                                     bool send_nonce) {
  std::unique_ptr<TestClient> client(new TestClient());
  session::InitiatorConfig config;
  if (send_nonce) {
    session::Nonce nonce{};
    crypto::fill_random(nonce);
    config.nonce = nonce;
  }
  VerifiedEnclave* verified = &client->verified_;
  config.verify_evidence = [&policy, verified](const session::EvidenceBundle& bundle,
                                               const session::ReportData& expected) {
    return verify_bundle(bundle, expected, policy, verified);
  };
  CLOISTER_ASSIGN_OR_RETURN(
      client->session_, session::Session::connect(transport, std::move(config), system_clock()));
  return client;
}

Result<session::StreamId> TestClient::send(const std::string& body) {
  return session_->send_request(as_bytes(body));
}

Result<ChatResponse> TestClient::read_response(session::StreamId stream,
                                               std::chrono::seconds timeout) {
  const TimePoint deadline = system_clock().now() + timeout;
  ChatResponse response;
  auto take = [&](const session::Event& event) -> Result<bool> {
    switch (event.kind) {
      case session::EventKind::kResponseStart:
        response.start = json::parse(to_string(event.body));
        response.start_arrival = std::chrono::steady_clock::now();
        return false;
      case session::EventKind::kStreamDelta: {
        json delta = json::parse(to_string(event.body));
        response.deltas.push_back(delta.at("content").get<std::string>());
        response.delta_arrivals.push_back(std::chrono::steady_clock::now());
        response.content += response.deltas.back();
        return false;
      }
      case session::EventKind::kResponseEnd:
        response.end = json::parse(to_string(event.body));
        if (response.end->contains("content")) response.content = (*response.end)["content"];
        return true;
      case session::EventKind::kStreamError:
        response.error_code = event.error_code;
        response.error_reason = event.reason;
        return true;
      default: return Error(ErrorCode::kMalformed, "unexpected event on a response stream");
    }
  };
  if (auto parked = parked_.find(stream); parked != parked_.end()) {
    std::vector<session::Event> events = std::move(parked->second);
    parked_.erase(parked);
    for (const session::Event& event : events) {
      CLOISTER_ASSIGN_OR_RETURN(bool done, take(event));
      if (done) return response;
    }
  }
  while (true) {
    CLOISTER_ASSIGN_OR_RETURN(session::Event event, session_->receive(deadline));
    if (event.kind == session::EventKind::kPong) continue;
    if (event.stream_id != stream) {
      parked_[event.stream_id].push_back(std::move(event));
      continue;
    }
    CLOISTER_ASSIGN_OR_RETURN(bool done, take(event));
    if (done) return response;
  }
}

Result<ChatResponse> TestClient::call(const std::string& body) {
  CLOISTER_ASSIGN_OR_RETURN(session::StreamId stream, send(body));
  return read_response(stream);
}

Status TestClient::check_receipt(const std::string& request_body,
                                 const ChatResponse& response) const {
  if (!response.end || !response.end->contains("receipt")) return rejected("no receipt");
  CLOISTER_ASSIGN_OR_RETURN(Bytes receipt,
                            base64_decode((*response.end)["receipt"].get<std::string>()));
  CLOISTER_ASSIGN_OR_RETURN(session::ReceiptClaims claims,
                            session::verify_receipt(receipt, verified_.receipt_key));
  CLOISTER_TRY(
      session::check_receipt_covers(claims, as_bytes(request_body), as_bytes(response.content)));
  if (claims.manifest_sha256 != verified_.manifest_sha256)
    return rejected("receipt for another release");
  bool model_listed = false;
  for (const tlog::ModelFile& model : verified_.manifest.models) {
    model_listed = model_listed || model.sha256 == claims.model_sha256;
  }
  if (!model_listed) return rejected("receipt for a model the release does not list");
  return ok_status();
}

std::string chat_body(const nlohmann::json& messages, const nlohmann::json& params) {
  json body = params;
  body["messages"] = messages;
  return json{{"method", "chat.completions"}, {"params", body}}.dump();
}

}  // namespace cloister::enclave::testing
