// Serving one established session: the chat API on top of session::Session.
// The calling thread reads requests and hands chat jobs to the back end; a
// sender thread, running while the session has requests in progress, writes
// each stream's response-start, deltas and response-end (with its signed
// receipt). Output waits in a per-stream buffer, so the engine never waits for
// the network: a stream whose client reads too slowly is coalesced into larger
// deltas, and ended with slow_reader once its buffer limit is reached. Text
// frames are paced (ServingLimits::text_frame_interval), so a fast engine's tokens share them.
#pragma once

#include <chrono>
#include <cstdint>

#include "base/clock.h"
#include "crypto/secret_bytes.h"
#include "enclave/backend.h"
#include "enclave/metrics.h"
#include "session/session.h"

namespace cloister::enclave {

struct ServingLimits {
  size_t max_requests_per_session = 8;                 // chat requests in progress at once
  size_t max_request_bytes = size_t{4} << 20;          // one request body
  size_t max_buffered_output_bytes = size_t{4} << 20;  // per stream: unsent, or not streamed
  std::chrono::seconds idle_timeout{300};              // a session with nothing in progress
  // The shortest time between two frames of text on a session: a quarter of
  // a 60 Hz display's frame, so no reader sees the difference, while a model
  // that makes thousands of tokens a second sends a frame per few tokens
  // instead of one per token (each frame costs the enclave's machine a seal,
  // a write and wake-ups). An engine slower than this gets a frame per token.
  // Starts and ends of responses, and each response's first text, are never
  // held back.
  std::chrono::milliseconds text_frame_interval{4};
};

// What every session serves with: fixed at boot and shared.
struct ServingContext {
  Backend* backend = nullptr;
  ModelEntry model;                                  // the one model served
  crypto::Sha256Digest manifest_sha256{};            // for receipts
  const crypto::SecretBytes* receipt_key = nullptr;  // the Ed25519 seed bound in the evidence
  EnclaveMetrics* metrics = nullptr;
  const Clock* clock = nullptr;  // receipt times and session deadlines
  ServingLimits limits;
};

// Serves `session` until it ends (the client closes, a protocol violation, a
// failed send, or idleness), then cancels whatever it still has running.
// Returns the number of requests it received.
uint64_t serve_session(session::Session& session, uint64_t session_id,
                       const ServingContext& context);

}  // namespace cloister::enclave
