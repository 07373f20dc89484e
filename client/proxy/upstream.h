// The proxy's view of the enclave: open a chat stream through a verified
// session, read its events, cancel it. Whatever implements it must have
// attested the enclave (release proof, evidence, policy, binding) before it
// sends a single request byte, and must check every receipt before handing
// over the end event.
#pragma once

#include <memory>
#include <string>

#include "base/clock.h"
#include "base/result.h"

namespace cloister::client::proxy {

// What was verified about the enclave that answers.
struct AttestedEnclave {
  std::string platform;  // "sev-snp", "tdx" or "simulated-sev-snp"
  bool simulated = false;
  std::string release_version;
  std::string manifest_sha256_hex;
  std::string measurement_hex;
};

enum class UpstreamEventKind { kStart, kDelta, kEnd, kError };

// One event of a response stream (docs/protocol.md §16.2, §16.3).
struct UpstreamEvent {
  UpstreamEventKind kind = UpstreamEventKind::kStart;
  std::string body;               // kStart, kDelta, kEnd: the enclave's JSON body
  uint16_t error_code = 0;        // kError: the application code (0x0100...)
  std::string reason;             // kError: the enclave's reason
  bool receipt_verified = false;  // kEnd: the receipt checked out (always, or kEnd is not returned)
};

class ChatStream {
 public:
  virtual ~ChatStream() = default;
  // Returns the next event. Fails with kDeadlineExceeded if none arrived by
  // `deadline` (the stream stays usable), kRejected if the receipt did not
  // verify, and kUnavailable if the session ended.
  virtual Result<UpstreamEvent> next(TimePoint deadline) = 0;
  // Asks the enclave to stop generating; its terminal event still arrives.
  virtual void cancel() = 0;
  // Returns what was verified about the enclave this stream goes to.
  virtual const AttestedEnclave& enclave() const = 0;
};

class ChatUpstream {
 public:
  virtual ~ChatUpstream() = default;
  // Makes sure a verified session is up (attesting on first use and again
  // after the enclave restarted), then sends `request_body` (a chat API
  // request, §16.1). Fails with kRejected saying why verification failed
  // (nothing was sent), or kUnavailable when the enclave cannot be reached.
  virtual Result<std::unique_ptr<ChatStream>> open(const std::string& request_body) = 0;
  // Returns what the current session verified, attesting first if needed.
  virtual Result<AttestedEnclave> attest() = 0;
};

}  // namespace cloister::client::proxy
