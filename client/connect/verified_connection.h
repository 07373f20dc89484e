// A verified connection to a Cloister enclave: dial the host's relay (or an
// enclave directly), run the Noise handshake, and before sending anything
// verify what the enclave offers against the client's TrustPolicy: the
// release proof (pinned log, witnesses, the stored checkpoint: rollback and
// split views), the platform evidence (chain, signature, measurement listed
// by the logged manifest, minimum TCB), the REPORT_DATA binding, and GPU
// evidence when present (docs/protocol.md §4.3, §5.4). Then chat: streamed
// deltas, cancel, and a verified receipt on every completed answer (§16).
//
//   auto policy = client::load_policy(home / "policy.json");
//   auto connection = client::VerifiedConnection::connect(pool, options, *policy);
//   if (!connection.ok()) -> connection.error().message() says why it refused
//   auto result = (*connection)->chat(params, [](std::string_view delta) {...});
//
// Every refusal is a kRejected (or the tlog's kUnavailable) error whose
// message starts with one of the kRefuse* reasons below or tlog's kReason*.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "client/policy/trust_policy.h"
#include "net/io_pool.h"
#include "net/url.h"
#include "session/evidence_bundle.h"
#include "session/message_transport.h"
#include "session/receipt.h"
#include "session/session.h"
#include "tlog/release_verify.h"

namespace cloister::client {

class VerdictCache;

inline constexpr std::string_view kRefuseSimulated = "SIMULATED evidence not allowed";
inline constexpr std::string_view kRefusePlatform = "platform not accepted";
inline constexpr std::string_view kRefuseEvidence = "evidence rejected";
inline constexpr std::string_view kRefuseBinding = "evidence binding wrong";
inline constexpr std::string_view kRefuseTcb = "TCB below the minimum";
inline constexpr std::string_view kRefuseOldRelease = "release below the policy minimum";
inline constexpr std::string_view kRefuseGpu = "GPU evidence rejected";
inline constexpr std::string_view kRefuseReceipt = "receipt invalid";

// What a connection verified, for `cloister verify` and the proxy.
struct Verification {
  std::string platform;  // "sev-snp" or "tdx" (simulated-sev-snp: "sev-snp", simulated)
  bool simulated = false;
  std::string product;      // e.g. "Milan" (SNP), empty when unknown
  std::string measurement;  // hex: SNP MEASUREMENT or TDX MRTD
  std::string tcb;          // e.g. "bl=3 tee=0 snp=8 ucode=115" or the TDX TEE_TCB_SVN hex
  tlog::ReleaseManifest manifest;
  crypto::Sha256Digest manifest_digest{};
  uint64_t log_index = 0;  // the manifest's entry in the log
  tlog::Checkpoint checkpoint;
  std::string checkpoint_note;         // the verified checkpoint, to store
  bool checkpoint_advanced = false;    // differs from the stored one
  std::vector<std::string> witnesses;  // names of the pinned witnesses that cosigned
  std::optional<std::string> gpu;      // the GPU device verified, when there was GPU evidence
  crypto::Ed25519PublicKey receipt_key{};
  std::vector<std::string> checks;  // what passed, in order
  std::vector<std::string> notes;

  // Returns the verification as JSON (`cloister verify --json`).
  nlohmann::json to_json() const;
  // Returns it as text, one fact a line, then every check that passed and
  // every note, with a SIMULATED banner when simulated.
  std::string to_text() const;
};

// Verifies `bundle` (message 2's evidence) under `policy`, given the
// REPORT_DATA this handshake requires. `consistency` supplies consistency
// proofs when the stored checkpoint's size differs (may be empty).
Result<Verification> verify_offer(const session::EvidenceBundle& bundle,
                                  const session::ReportData& expected, const TrustPolicy& policy,
                                  const tlog::ConsistencyProofSource& consistency,
                                  const Clock& clock = system_clock());

// Returns the WebSocket URL of the relay at `url`: http(s):// becomes
// ws(s)://, and a bare origin gets the relay's path /v1/session. Fails with
// kInvalidArgument for a URL that does not parse.
Result<std::string> relay_url(std::string_view url);

// Returns where the host serves the log's tiles for the relay at `relay`
// (a URL relay_url returned): its origin + "/log/".
std::string default_log_url(const net::Url& relay);

// How a connection asks for the enclave's evidence and checks it.
struct EvidenceOptions {
  // Send a nonce, so that the enclave makes a report for this session alone.
  // Without one it offers the report it keeps, bound to its static key, which
  // the handshake proves it holds (docs/protocol.md §5.5).
  bool fresh = true;
  // When set, an offer this cache has already verified is not verified again
  // (client/connect/verdict_cache.h). It must outlive the connect call.
  VerdictCache* verdicts = nullptr;
};

struct ConnectOptions {
  // ws:// or wss:// URL of the host's relay (https://host/v1/session) or of an
  // enclave's session endpoint. http(s):// is accepted and turned into ws(s)://.
  std::string url;
  std::string bearer_token;  // the host sign-in token; empty for none
  // Base URL of the log's tiles for consistency proofs; default: the URL's
  // origin + "/log/" (the host serves the log there). Empty string: none.
  std::optional<std::string> log_url;
  std::string ca_file;  // wss/https: trusted roots (default: the system store)
  EvidenceOptions evidence;
};

// Cancels a chat from another thread (e.g. a SIGINT handler's watcher).
class CancelToken {
 public:
  void cancel() { cancelled_.store(true); }
  bool cancelled() const { return cancelled_.load(); }
  void reset() { cancelled_.store(false); }

 private:
  std::atomic<bool> cancelled_{false};
};

// One answer, as the client saw and verified it.
struct ChatResult {
  nlohmann::json start;       // response-start: id, model, created
  nlohmann::json end;         // response-end: finish_reason, usage, receipt
  std::string content;        // the whole generated text
  std::string finish_reason;  // "stop", "length", or "cancelled"
  bool cancelled = false;     // cancelled: no receipt, content is partial
  Bytes receipt;              // verified, empty when cancelled
  session::ReceiptClaims receipt_claims;
};

// Receives each piece of text as it arrives.
using DeltaHandler = std::function<void(std::string_view delta)>;

// Returns the chat API's name for an application error code (e.g. 0x0104:
// "overloaded"), or "error".
std::string_view chat_error_name(uint16_t code);

class VerifiedConnection {
 public:
  // Dials, handshakes and verifies. Nothing is sent past message 1 unless the
  // verification passed. `pool` and `policy` need only outlive this call.
  static Result<std::unique_ptr<VerifiedConnection>> connect(net::IoPool& pool,
                                                             const ConnectOptions& options,
                                                             const TrustPolicy& policy);
  // The same over any message transport (which must outlive the connection).
  static Result<std::unique_ptr<VerifiedConnection>> over(
      session::MessageTransport& transport, const TrustPolicy& policy,
      const tlog::ConsistencyProofSource& consistency = {}, const EvidenceOptions& evidence = {},
      Bytes authorization_token = {});

  ~VerifiedConnection();
  VerifiedConnection(const VerifiedConnection&) = delete;
  VerifiedConnection& operator=(const VerifiedConnection&) = delete;

  const Verification& verification() const { return verification_; }

  // Runs one chat.completions request. `params` is OpenAI's request shape
  // (messages, model, max_tokens, temperature, ...); "stream" is forced true
  // so that deltas reach `on_delta` as they arrive. When `cancel` fires, the
  // stream is cancelled and the partial result returned (cancelled = true).
  // A completed answer's receipt is verified against the request, the text,
  // the attested receipt key, the manifest and its model list; a bad receipt
  // fails with kRejected "receipt invalid". An enclave error fails with its
  // code's name and reason. One call at a time per connection (serialized).
  Result<ChatResult> chat(const nlohmann::json& params, const DeltaHandler& on_delta = {},
                          const CancelToken* cancel = nullptr,
                          std::chrono::seconds timeout = std::chrono::seconds(300));
  // Runs models.list and returns the response-end's "data" array.
  Result<nlohmann::json> list_models(std::chrono::seconds timeout = std::chrono::seconds(30));

  // Checks `receipt` for `request_body` and `content` against this enclave.
  Result<session::ReceiptClaims> check_receipt(ByteSpan receipt, std::string_view request_body,
                                               std::string_view content) const;

  // True once the session ended (the enclave restarted, the network failed).
  bool closed() const;
  void close();

 private:
  VerifiedConnection() = default;
  Result<ChatResult> run(const std::string& body, bool is_chat, const DeltaHandler& on_delta,
                         const CancelToken* cancel, std::chrono::seconds timeout);

  std::unique_ptr<session::MessageTransport> owned_transport_;
  std::unique_ptr<session::Session> session_;
  Verification verification_;
  std::mutex call_mutex_;
};

}  // namespace cloister::client
