#include "client/connect/verified_connection.h"

#include <algorithm>
#include <sstream>

#include "attest/evidence.h"
#include "attest/roots.h"
#include "attest/snp/tcb.h"
#include "base/encoding.h"
#include "base/json_fields.h"
#include "client/connect/http_tiles.h"
#include "client/connect/verdict_cache.h"
#include "crypto/hash.h"
#include "crypto/random.h"
#include "net/url.h"
#include "session/websocket_transport.h"
#include "tlog/note.h"
#include "tlog/release_version.h"

namespace cloister::client {
namespace {

using nlohmann::json;

// The enclave derives the GPU evidence nonce from the session's REPORT_DATA
// (enclave/evidence_service.h, kGpuNonceLabel), so GPU evidence is bound too.
constexpr std::string_view kGpuNonceLabel = "cloister/gpu-nonce/v1";

Error refuse(std::string_view reason, const std::string& detail) {
  return Error(ErrorCode::kRejected, std::string(reason) + ": " + detail);
}

std::array<uint8_t, attest::nvidia::kNonceSize> gpu_nonce_for(const session::ReportData& data) {
  const Bytes digest = crypto::Hasher(crypto::HashAlgorithm::kSha256)
                           .update(as_bytes(kGpuNonceLabel))
                           .update(data)
                           .finish();
  std::array<uint8_t, attest::nvidia::kNonceSize> nonce{};
  std::copy_n(digest.begin(), nonce.size(), nonce.begin());
  return nonce;
}

// The component-wise maximum of the manifest's and the policy's SNP floors.
std::optional<attest::snp::TcbParts> snp_floor(const std::optional<tlog::SnpTcb>& a,
                                               const std::optional<tlog::SnpTcb>& b) {
  if (!a && !b) return std::nullopt;
  attest::snp::TcbParts floor;
  for (const auto& tcb : {a, b}) {
    if (!tcb) continue;
    floor.bootloader = std::max(floor.bootloader, tcb->bootloader);
    floor.tee = std::max(floor.tee, tcb->tee);
    floor.snp = std::max(floor.snp, tcb->snp);
    floor.microcode = std::max(floor.microcode, tcb->microcode);
    floor.fmc = std::max(floor.fmc, tcb->fmc.value_or(0));
  }
  return floor;
}

// Returns the first failure's reason in the verdict, as a refusal.
Error verdict_refusal(const attest::Verdict& verdict, bool simulated) {
  std::string detail;
  for (const attest::Failure& failure : verdict.failures) {
    detail += (detail.empty() ? "" : "; ") + failure.to_string();
  }
  if (verdict.has(attest::Reason::kReportDataMismatch) ||
      verdict.has(attest::Reason::kNonceMismatch)) {
    return refuse(kRefuseBinding,
                  "the report is not bound to this session (REPORT_DATA differs): " + detail);
  }
  if (verdict.has(attest::Reason::kSimulatedNotAllowed)) return refuse(kRefuseSimulated, detail);
  if (verdict.has(attest::Reason::kTcbBelowMinimum)) return refuse(kRefuseTcb, detail);
  return refuse(kRefuseEvidence, std::string(simulated ? "SIMULATED " : "") + detail);
}

// The release is not older than the policy's minimum: a release stays in the
// log once logged, and the policy's floor is how a client stops trusting it.
Status check_min_release(const std::string& version, const std::string& minimum,
                         Verification& out) {
  Result<tlog::ReleaseVersion> floor = tlog::parse_release_version(minimum);
  if (!floor.ok())
    return refuse(kRefuseOldRelease, "the policy's min_release: " + floor.error().message());
  Result<tlog::ReleaseVersion> release = tlog::parse_release_version(version);
  if (!release.ok()) {
    return refuse(kRefuseOldRelease, "the policy's minimum is " + minimum + ", and the logged " +
                                         release.error().message());
  }
  if (std::is_lt(tlog::compare_precedence(*release, *floor))) {
    return refuse(kRefuseOldRelease,
                  "release " + version + " is older than the policy's minimum, " + minimum);
  }
  out.checks.push_back("release " + version + " is not older than the policy's minimum, " +
                       minimum);
  return {};
}

Status verify_snp(const session::EvidenceBundle& bundle, const session::ReportData& expected,
                  const TrustPolicy& policy, const Clock& clock, Verification& out) {
  const bool simulated = bundle.platform == session::Platform::kSimulatedSevSnp;
  attest::Policy attest_policy;
  attest_policy.expect_report_data(expected);
  attest_policy.allow_simulated(simulated);
  std::vector<Bytes> measurements;
  for (const auto& m :
       simulated ? out.manifest.simulated_measurements : out.manifest.snp_measurements) {
    measurements.push_back(to_bytes(m));
  }
  attest_policy.snp.accepted_measurements = measurements;
  attest_policy.snp.minimum_tcb = snp_floor(out.manifest.min_snp_tcb, policy.min_snp_tcb);
  attest::EvidenceBytes evidence{attest::Platform::kSnp, bundle.report, bundle.collateral};
  attest::VerifiedEvidence result = attest::verify_evidence(evidence, attest_policy, clock);
  if (!result.verdict.accepted()) return verdict_refusal(result.verdict, simulated);
  if (result.verdict.simulated != simulated) {
    return refuse(kRefuseEvidence,
                  "the evidence's SIMULATED flag contradicts the bundle's platform");
  }
  out.platform = std::string(kPlatformSnp);
  out.simulated = simulated;
  out.measurement = hex_encode(result.claims.measurement);
  if (result.claims.snp) {
    const attest::SnpClaims& snp = *result.claims.snp;
    if (snp.product) {
      out.product = std::string(attest::amd_product_name(*snp.product));
      out.tcb =
          attest::snp::decode_tcb(snp.report.reported_tcb, *snp.product).describe(*snp.product);
    }
  }
  for (const std::string& check : result.verdict.passed) out.checks.push_back(check);
  for (const std::string& note : result.verdict.notes) out.notes.push_back(note);
  return ok_status();
}

Status verify_tdx(const session::EvidenceBundle& bundle, const session::ReportData& expected,
                  const TrustPolicy& policy, const Clock& clock, Verification& out) {
  if (out.manifest.tdx_measurements.empty()) {
    return refuse(kRefuseEvidence, "the release lists no TDX measurements");
  }
  attest::EvidenceBytes evidence{attest::Platform::kTdx, bundle.report, bundle.collateral};
  std::optional<attest::VerifiedEvidence> accepted;
  attest::Verdict last;
  // Each manifest entry pins an MRTD with its own RTMRs: accept if one matches.
  for (const tlog::TdxMeasurements& entry : out.manifest.tdx_measurements) {
    attest::Policy attest_policy;
    attest_policy.expect_report_data(expected);
    attest_policy.tdx.accepted_mrtds = std::vector<attest::tdx::Measurement>{entry.mrtd};
    for (size_t i = 0; i < 4; ++i) {
      if (entry.rtmr[i]) attest_policy.tdx.expected_rtmrs[i] = *entry.rtmr[i];
    }
    attest::VerifiedEvidence result = attest::verify_evidence(evidence, attest_policy, clock);
    if (result.verdict.accepted()) {
      accepted = std::move(result);
      break;
    }
    last = std::move(result.verdict);
  }
  if (!accepted) return verdict_refusal(last, false);
  const attest::tdx::Quote& quote = accepted->claims.tdx->quote;
  for (const auto& floor : {out.manifest.min_tdx_tcb ? std::optional<std::array<uint8_t, 16>>(
                                                           out.manifest.min_tdx_tcb->tee_tcb_svn)
                                                     : std::nullopt,
                            policy.min_tdx_tee_tcb_svn}) {
    if (!floor) continue;
    for (size_t i = 0; i < floor->size(); ++i) {
      if (quote.body.tee_tcb_svn[i] < (*floor)[i]) {
        return refuse(kRefuseTcb, "TEE_TCB_SVN " + hex_encode(quote.body.tee_tcb_svn) +
                                      " is below " + hex_encode(*floor));
      }
    }
  }
  out.platform = std::string(kPlatformTdx);
  out.measurement = hex_encode(accepted->claims.measurement);
  out.tcb = "TEE_TCB_SVN " + hex_encode(quote.body.tee_tcb_svn);
  if (accepted->claims.tdx->tcb_status) out.tcb += " (" + *accepted->claims.tdx->tcb_status + ")";
  for (const std::string& check : accepted->verdict.passed) out.checks.push_back(check);
  for (const std::string& note : accepted->verdict.notes) out.notes.push_back(note);
  return ok_status();
}

Status verify_gpu(const session::EvidenceBundle& bundle, const session::ReportData& expected,
                  const Clock& clock, Verification& out) {
  Result<attest::EvidenceBytes> gpu = attest::decode_gpu_evidence(bundle.gpu_evidence);
  if (!gpu.ok()) return refuse(kRefuseGpu, gpu.error().message());
  attest::Policy attest_policy;
  attest_policy.nvidia.expected_nonce = gpu_nonce_for(expected);
  attest::VerifiedEvidence result = attest::verify_evidence(*gpu, attest_policy, clock);
  if (!result.verdict.accepted()) {
    std::string detail;
    for (const attest::Failure& failure : result.verdict.failures) {
      detail += (detail.empty() ? "" : "; ") + failure.to_string();
    }
    return refuse(kRefuseGpu, detail);
  }
  out.gpu = result.claims.nvidia && result.claims.nvidia->device_subject
                ? *result.claims.nvidia->device_subject
                : std::string("NVIDIA GPU");
  for (const std::string& check : result.verdict.passed) out.checks.push_back("gpu: " + check);
  return ok_status();
}

std::vector<std::string> cosigning_witnesses(const std::string& note_text,
                                             const std::vector<tlog::NoteVerifier>& witnesses) {
  std::vector<std::string> names;
  Result<tlog::Note> note = tlog::parse_note(note_text);
  if (!note.ok()) return names;
  Result<std::vector<size_t>> signers = tlog::verified_signers(*note, witnesses);
  if (!signers.ok()) return names;
  for (size_t index : *signers) names.push_back(witnesses[index].name());
  return names;
}

Error chat_error(uint16_t code, const std::string& reason) {
  ErrorCode kind = ErrorCode::kUnavailable;
  switch (code) {
    case 0x0100: kind = ErrorCode::kInvalidArgument; break;
    case 0x0101: kind = ErrorCode::kUnsupported; break;
    case 0x0102: kind = ErrorCode::kNotFound; break;
    case 0x0103:
    case 0x0105:
    case 0x0106: kind = ErrorCode::kResourceExhausted; break;
    case 0x0104: kind = ErrorCode::kUnavailable; break;
    case 0x0107: kind = ErrorCode::kInternal; break;
    default: break;
  }
  return Error(kind, "the enclave answered " + std::string(chat_error_name(code)) + ": " + reason);
}

Result<json> parse_body(ByteSpan body, std::string_view what) {
  json value = json::parse(to_string(body), nullptr, false);
  if (value.is_discarded() || !value.is_object()) {
    return Error(ErrorCode::kMalformed, std::string(what) + " is not a JSON object");
  }
  return value;
}

}  // namespace

std::string_view chat_error_name(uint16_t code) {
  switch (code) {
    case 0x0100: return "invalid_request";
    case 0x0101: return "unknown_method";
    case 0x0102: return "model_not_found";
    case 0x0103: return "context_length_exceeded";
    case 0x0104: return "overloaded";
    case 0x0105: return "too_many_requests";
    case 0x0106: return "slow_reader";
    case 0x0107: return "engine_failure";
    case 1: return "protocol_error";
    case 3: return "too_large";
    case 4: return "unauthorized";
    case 5: return "cancelled";
    case 6: return "internal";
    case 7: return "unavailable";
    case 8: return "timeout";
    default: return "error";
  }
}

Result<Verification> verify_offer(const session::EvidenceBundle& bundle,
                                  const session::ReportData& expected, const TrustPolicy& policy,
                                  const tlog::ConsistencyProofSource& consistency,
                                  const Clock& clock) {
  Verification out;
  // 0. The platform, before any work: SIMULATED needs the user's explicit consent.
  switch (bundle.platform) {
    case session::Platform::kSimulatedSevSnp:
      if (!policy.allow_simulated) {
        return refuse(kRefuseSimulated,
                      "the enclave offers SIMULATED (development) evidence and the trust policy "
                      "does not allow it (cloister policy set --allow-simulated true)");
      }
      break;
    case session::Platform::kSevSnp:
      if (!policy.accepts_platform(kPlatformSnp)) {
        return refuse(kRefusePlatform, "the policy does not accept sev-snp");
      }
      break;
    case session::Platform::kTdx:
      if (!policy.accepts_platform(kPlatformTdx)) {
        return refuse(kRefusePlatform, "the policy does not accept tdx");
      }
      break;
  }

  // 1. The release: in the pinned log, witnessed, not older than the stored checkpoint.
  if (bundle.tlog_proof.format != session::TlogProofFormat::kTlogV1) {
    return refuse(tlog::kReasonNotIncluded, "the enclave sent no transparency-log proof");
  }
  Result<tlog::ReleaseProof> proof = tlog::parse_release_proof(bundle.tlog_proof.bytes);
  if (!proof.ok()) return refuse(tlog::kReasonCheckpointMalformed, proof.error().message());
  if (proof->manifest != bundle.manifest) {
    return refuse(tlog::kReasonNotIncluded, "the release proof is for another manifest");
  }
  Result<tlog::Note> note = tlog::parse_note(proof->log_proof.checkpoint);
  if (!note.ok()) return refuse(tlog::kReasonCheckpointMalformed, note.error().message());
  Result<tlog::Checkpoint> presented = tlog::parse_checkpoint_text(note->text);
  if (!presented.ok()) return refuse(tlog::kReasonCheckpointMalformed, presented.error().message());
  CLOISTER_ASSIGN_OR_RETURN(tlog::LogTrustPolicy log_policy, policy.log_policy(presented->origin));
  CLOISTER_ASSIGN_OR_RETURN(
      tlog::VerifiedRelease release,
      tlog::verify_release_proof(*proof, log_policy, policy.stored_checkpoint(presented->origin),
                                 consistency));
  if (release.manifest_digest != session::manifest_digest(bundle.manifest)) {
    return refuse(tlog::kReasonNotIncluded, "the manifest digest differs from the bundle's");
  }
  out.manifest = std::move(release.manifest);
  out.manifest_digest = release.manifest_digest;
  out.log_index = release.index;
  out.checkpoint = release.checkpoint;
  out.checkpoint_note = release.update.checkpoint_to_store;
  out.checkpoint_advanced = release.update.advanced;
  out.witnesses = cosigning_witnesses(proof->log_proof.checkpoint, policy.witnesses);
  out.checks.push_back("release " + out.manifest.version + " is entry " +
                       std::to_string(out.log_index) + " of " + presented->origin);
  out.checks.push_back("checkpoint size " + std::to_string(out.checkpoint.size) + " cosigned by " +
                       std::to_string(out.witnesses.size()) + " pinned witness(es), threshold " +
                       std::to_string(policy.witness_threshold));
  out.checks.push_back("checkpoint consistent with the stored one");
  if (policy.min_release)
    CLOISTER_TRY(check_min_release(out.manifest.version, *policy.min_release, out));

  // 2. The platform evidence, against the logged manifest and this session.
  if (bundle.platform == session::Platform::kTdx) {
    CLOISTER_TRY(verify_tdx(bundle, expected, policy, clock, out));
  } else {
    CLOISTER_TRY(verify_snp(bundle, expected, policy, clock, out));
  }

  // 3. GPU evidence, bound to the same REPORT_DATA through its nonce.
  if (!bundle.gpu_evidence.empty()) {
    CLOISTER_TRY(verify_gpu(bundle, expected, clock, out));
  } else if (policy.require_gpu_evidence) {
    return refuse(kRefuseGpu, "the policy requires GPU evidence and the enclave sent none");
  }
  out.receipt_key = bundle.receipt_public_key;
  return out;
}

json Verification::to_json() const {
  json models = json::array();
  for (const tlog::ModelFile& model : manifest.models) {
    models.push_back({{"name", model.name}, {"sha256", hex_encode(model.sha256)}});
  }
  return json{{"verified", true},
              {"simulated", simulated},
              {"platform", platform},
              {"product", product},
              {"measurement", measurement},
              {"tcb", tcb},
              {"release",
               {{"version", manifest.version},
                {"source_commit", manifest.source_commit},
                {"manifest_sha256", hex_encode(manifest_digest)},
                {"log_index", log_index}}},
              {"checkpoint",
               {{"origin", checkpoint.origin},
                {"size", checkpoint.size},
                {"root", base64_encode(checkpoint.root)},
                {"witnesses", witnesses},
                {"advanced", checkpoint_advanced}}},
              {"models", models},
              {"gpu", gpu ? json(*gpu) : json(nullptr)},
              {"receipt_key", hex_encode(receipt_key)},
              {"checks", checks},
              {"notes", notes}};
}

std::string Verification::to_text() const {
  std::ostringstream out;
  if (simulated) {
    out << "*** SIMULATED: this enclave's evidence comes from the development provider. ***\n"
        << "*** It proves nothing about confidentiality. Never use it for real data.    ***\n";
  }
  out << "verified:     yes" << (simulated ? " (SIMULATED)" : "") << "\n";
  out << "platform:     " << platform << (simulated ? " (SIMULATED)" : "")
      << (product.empty() ? "" : ", " + product) << "\n";
  out << "measurement:  " << measurement << "\n";
  out << "TCB:          " << (tcb.empty() ? "(not reported)" : tcb) << "\n";
  out << "release:      " << manifest.version << " (source " << manifest.source_commit << ")\n";
  out << "manifest:     sha256 " << hex_encode(manifest_digest) << ", log entry " << log_index
      << "\n";
  out << "checkpoint:   " << checkpoint.origin << " size " << checkpoint.size << " root "
      << base64_encode(checkpoint.root) << "\n";
  out << "witnesses:    ";
  for (size_t i = 0; i < witnesses.size(); ++i) out << (i ? ", " : "") << witnesses[i];
  out << (witnesses.empty() ? "(none required)" : "") << "\n";
  for (const tlog::ModelFile& model : manifest.models) {
    out << "model:        " << model.name << " sha256 " << hex_encode(model.sha256) << "\n";
  }
  out << "GPU evidence: " << (gpu ? "verified, " + *gpu : std::string("none")) << "\n";
  out << "receipt key:  " << hex_encode(receipt_key) << "\n";
  out << "checks passed:\n";
  for (const std::string& check : checks) out << "  - " << check << "\n";
  for (const std::string& note : notes) out << "note:         " << note << "\n";
  return out.str();
}

Result<std::string> relay_url(std::string_view url) {
  std::string relay(url);
  if (relay.starts_with("http://")) relay = "ws://" + relay.substr(7);
  if (relay.starts_with("https://")) relay = "wss://" + relay.substr(8);
  CLOISTER_ASSIGN_OR_RETURN(net::Url parsed, net::parse_url(relay));
  if (parsed.target == "/") {
    while (!relay.empty() && relay.back() == '/') relay.pop_back();
    relay += "/v1/session";
  }
  return relay;
}

std::string default_log_url(const net::Url& relay) {
  const std::string scheme = relay.secure() ? "https" : "http";
  return scheme + "://" +
         (relay.host.find(':') != std::string::npos ? "[" + relay.host + "]" : relay.host) + ":" +
         std::to_string(relay.port) + "/log/";
}

VerifiedConnection::~VerifiedConnection() { close(); }

Result<std::unique_ptr<VerifiedConnection>> VerifiedConnection::connect(
    net::IoPool& pool, const ConnectOptions& options, const TrustPolicy& policy) {
  CLOISTER_ASSIGN_OR_RETURN(const std::string url, relay_url(options.url));
  CLOISTER_ASSIGN_OR_RETURN(net::Url parsed, net::parse_url(url));

  std::unique_ptr<HttpTileReader> tiles;
  const std::string log_url = options.log_url.value_or(default_log_url(parsed));
  if (!log_url.empty()) {
    CLOISTER_ASSIGN_OR_RETURN(tiles, HttpTileReader::create(log_url, options.ca_file));
  }
  tlog::ConsistencyProofSource consistency;
  if (tiles) consistency = tlog::consistency_from_tiles(*tiles);

  net::WebSocketClientOptions ws_options;
  ws_options.ca_file = options.ca_file;
  if (!options.bearer_token.empty()) {
    ws_options.headers.set("Authorization", "Bearer " + options.bearer_token);
  }
  Result<std::unique_ptr<session::WebSocketTransport>> transport =
      session::WebSocketTransport::connect(pool, url, ws_options);
  if (!transport.ok()) return transport.error().with_context("cannot reach " + url);
  session::MessageTransport* raw = transport->get();
  CLOISTER_ASSIGN_OR_RETURN(auto connection, over(*raw, policy, consistency, options.evidence));
  connection->owned_transport_ = std::move(*transport);
  return connection;
}

Result<std::unique_ptr<VerifiedConnection>> VerifiedConnection::over(
    session::MessageTransport& transport, const TrustPolicy& policy,
    const tlog::ConsistencyProofSource& consistency, const EvidenceOptions& evidence,
    Bytes authorization_token) {
  std::unique_ptr<VerifiedConnection> connection(new VerifiedConnection());
  session::InitiatorConfig config;
  if (evidence.fresh) {
    session::Nonce nonce{};
    crypto::fill_random(nonce);
    config.nonce = nonce;
  }
  config.authorization_token = std::move(authorization_token);
  Verification* out = &connection->verification_;
  auto refusal = std::make_shared<std::optional<Error>>();
  config.verify_evidence = [&policy, &consistency, verdicts = evidence.verdicts, out, refusal](
                               const session::EvidenceBundle& bundle,
                               const session::ReportData& expected) -> Status {
    Result<Verification> verified = verdicts != nullptr
                                        ? verdicts->verify(bundle, expected, policy, consistency)
                                        : verify_offer(bundle, expected, policy, consistency);
    if (!verified.ok()) {
      *refusal = verified.error();
      return verified.error();
    }
    *out = std::move(*verified);
    return ok_status();
  };
  Result<std::unique_ptr<session::Session>> session =
      session::Session::connect(transport, std::move(config), system_clock());
  if (!session.ok()) {
    transport.close();
    // Our own refusal, with its reason first, rather than the session's wrapping.
    if (refusal->has_value()) return **refusal;
    return session.error();
  }
  connection->session_ = std::move(*session);
  return connection;
}

bool VerifiedConnection::closed() const { return !session_ || session_->closed(); }

void VerifiedConnection::close() {
  if (session_ && !session_->closed()) session_->close();
}

Result<session::ReceiptClaims> VerifiedConnection::check_receipt(ByteSpan receipt,
                                                                 std::string_view request_body,
                                                                 std::string_view content) const {
  Result<session::ReceiptClaims> claims =
      session::verify_receipt(receipt, verification_.receipt_key);
  if (!claims.ok()) return refuse(kRefuseReceipt, claims.error().message());
  Status covers = session::check_receipt_covers(*claims, as_bytes(request_body), as_bytes(content));
  if (!covers.ok()) return refuse(kRefuseReceipt, covers.error().message());
  if (claims->manifest_sha256 != verification_.manifest_digest) {
    return refuse(kRefuseReceipt, "the receipt names another release");
  }
  const bool listed = std::any_of(
      verification_.manifest.models.begin(), verification_.manifest.models.end(),
      [&](const tlog::ModelFile& model) { return model.sha256 == claims->model_sha256; });
  if (!listed) return refuse(kRefuseReceipt, "the receipt names a model the release does not list");
  return claims;
}

Result<ChatResult> VerifiedConnection::chat(const json& params, const DeltaHandler& on_delta,
                                            const CancelToken* cancel,
                                            std::chrono::seconds timeout) {
  if (!params.is_object())
    return Error(ErrorCode::kInvalidArgument, "chat params must be an object");
  json body_params = params;
  body_params["stream"] = true;
  const std::string body = json{{"method", "chat.completions"}, {"params", body_params}}.dump();
  return run(body, true, on_delta, cancel, timeout);
}

Result<json> VerifiedConnection::list_models(std::chrono::seconds timeout) {
  const std::string body = json{{"method", "models.list"}, {"params", json::object()}}.dump();
  CLOISTER_ASSIGN_OR_RETURN(ChatResult result, run(body, false, {}, nullptr, timeout));
  if (!result.end.contains("data") || !result.end["data"].is_array()) {
    return Error(ErrorCode::kMalformed, "models.list answered without a data array");
  }
  return result.end["data"];
}

Result<ChatResult> VerifiedConnection::run(const std::string& body, bool is_chat,
                                           const DeltaHandler& on_delta, const CancelToken* cancel,
                                           std::chrono::seconds timeout) {
  std::lock_guard lock(call_mutex_);
  if (closed()) return Error(ErrorCode::kUnavailable, "the session with the enclave has ended");
  CLOISTER_ASSIGN_OR_RETURN(session::StreamId stream, session_->send_request(as_bytes(body)));
  const TimePoint deadline = system_clock().now() + timeout;
  ChatResult result;
  bool cancel_sent = false;
  while (true) {
    if (cancel && cancel->cancelled() && !cancel_sent) {
      CLOISTER_TRY(session_->cancel(stream));
      cancel_sent = true;
    }
    const TimePoint now = system_clock().now();
    if (now >= deadline) {
      if (!cancel_sent) (void)session_->cancel(stream);
      return Error(ErrorCode::kDeadlineExceeded, "the enclave did not finish in time");
    }
    // Poll in short slices so that a cancel is noticed promptly.
    const TimePoint slice = std::min(deadline, now + std::chrono::milliseconds(100));
    Result<session::Event> event = session_->receive(slice);
    if (!event.ok()) {
      if (event.error().code() == ErrorCode::kDeadlineExceeded) continue;
      return event.error().with_context("the session with the enclave ended");
    }
    if (event->kind == session::EventKind::kPong) continue;
    if (event->stream_id != stream) continue;  // a stream of an earlier, abandoned call
    switch (event->kind) {
      case session::EventKind::kResponseStart: {
        CLOISTER_ASSIGN_OR_RETURN(result.start, parse_body(event->body, "response-start"));
        break;
      }
      case session::EventKind::kStreamDelta: {
        CLOISTER_ASSIGN_OR_RETURN(json delta, parse_body(event->body, "stream-delta"));
        if (!delta.contains("content") || !delta["content"].is_string()) {
          return Error(ErrorCode::kMalformed, "a stream-delta without content");
        }
        const std::string piece = delta["content"].get<std::string>();
        // Kept even after a cancel: a response-end that crossed the cancel
        // still has its receipt checked over the whole text (§8.4).
        result.content += piece;
        if (on_delta && !cancel_sent) on_delta(piece);
        break;
      }
      case session::EventKind::kResponseEnd: {
        CLOISTER_ASSIGN_OR_RETURN(result.end, parse_body(event->body, "response-end"));
        if (!is_chat) return result;
        if (result.end.contains("content") && result.end["content"].is_string()) {
          result.content = result.end["content"].get<std::string>();
        }
        result.finish_reason = string_member(result.end, "finish_reason");
        if (result.finish_reason == "cancelled") result.cancelled = true;
        if (!result.end.contains("receipt") || !result.end["receipt"].is_string()) {
          if (result.cancelled) return result;
          return refuse(kRefuseReceipt, "the answer carries no receipt");
        }
        Result<Bytes> receipt = base64_decode(result.end["receipt"].get<std::string>());
        if (!receipt.ok()) return refuse(kRefuseReceipt, "not base64");
        CLOISTER_ASSIGN_OR_RETURN(result.receipt_claims,
                                  check_receipt(*receipt, body, result.content));
        result.receipt = std::move(*receipt);
        return result;
      }
      case session::EventKind::kStreamError:
        if (event->error_code == 5 && cancel_sent) {
          result.cancelled = true;
          result.finish_reason = "cancelled";
          return result;
        }
        return chat_error(event->error_code, event->reason);
      default: return Error(ErrorCode::kMalformed, "unexpected event on a response stream");
    }
  }
}

}  // namespace cloister::client
