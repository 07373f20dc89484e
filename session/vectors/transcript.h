// Session transcripts: tests/vectors/session-*.json, whose schema
// docs/protocol.md ("Test vectors") specifies. A transcript fixes every key,
// nonce and action of a full session and records every byte on the wire, so
// that independent implementations (this one, the TypeScript client) can be
// checked against each other byte for byte.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "session/channel.h"
#include "session/evidence_bundle.h"

namespace cloister::session::vectors {

enum class Party { kInitiator, kResponder };

// One scripted action. `reply` steps are not scripted: they record what a
// receiver sent back on its own (a pong, the error that confirms a cancel).
struct Action {
  Party sender = Party::kInitiator;
  std::string action;  // request, cancel, response-start, stream-delta, response-end,
                       // error, ping, close
  StreamId stream_id = 0;
  Bytes body;                  // chunked actions
  uint16_t code = 0;           // error, close
  std::string reason;          // error, close
  PingPayload ping_payload{};  // ping
};

// Everything a transcript fixes before the first message.
struct TranscriptSpec {
  std::string description;
  Bytes initiator_static_private;
  Bytes initiator_ephemeral_private;
  std::vector<uint16_t> initiator_versions{kVersion1};
  std::optional<Nonce> nonce;
  Bytes authorization_token;
  Bytes responder_static_private;
  Bytes responder_ephemeral_private;
  std::vector<uint16_t> responder_versions{kVersion1};
  EvidenceBundle evidence;  // report_data is written into the stand-in report
  size_t chunk_size = kMaxFramePayload;
  uint64_t rekey_interval = kRekeyInterval;
  std::vector<Action> actions;
};

// Runs the session that `spec` describes through the real Initiator,
// Responder and Channels, and returns its transcript.
Result<nlohmann::json> generate_transcript(const TranscriptSpec& spec);

// Reads the spec back out of a transcript.
Result<TranscriptSpec> spec_from_transcript(const nlohmann::json& transcript);

// Replays `transcript`: regenerates it from its own keys and actions and
// fails, naming the first differing field, unless every byte matches.
Status replay_transcript(const nlohmann::json& transcript);

// The stand-in attestation report of transcripts: 1184 bytes of 0xA5 with
// REPORT_DATA at offset 0x50, as in an SNP report.
Bytes stand_in_report(const ReportData& report_data);

}  // namespace cloister::session::vectors
