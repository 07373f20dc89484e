// Writes the session transcripts in tests/vectors/ (run once; the files are
// checked in and replayed by the C++ and TypeScript tests).
// Usage: session_vector_generator DIRECTORY
#include <filesystem>
#include <iostream>

#include "base/files.h"
#include "crypto/curve25519.h"
#include "session/vectors/transcript.h"

namespace cloister::session::vectors {
namespace {

Bytes sequence(uint8_t start) {
  Bytes out(32);
  for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<uint8_t>(start + i);
  return out;
}

Action act(Party sender, std::string action, StreamId stream_id = 0, std::string_view body = {}) {
  Action out;
  out.sender = sender;
  out.action = std::move(action);
  out.stream_id = stream_id;
  out.body = to_bytes(body);
  return out;
}

Action finish(Party sender, std::string action, StreamId stream_id, uint16_t code,
              std::string reason) {
  Action out = act(sender, std::move(action), stream_id);
  out.code = code;
  out.reason = std::move(reason);
  return out;
}

Action ping(Party sender, uint8_t first) {
  Action out = act(sender, "ping");
  for (size_t i = 0; i < out.ping_payload.size(); ++i) out.ping_payload[i] = first + i;
  return out;
}

TranscriptSpec base_spec(std::string description) {
  TranscriptSpec spec;
  spec.description = std::move(description);
  spec.initiator_static_private = sequence(0x01);
  spec.initiator_ephemeral_private = sequence(0x21);
  spec.responder_static_private = sequence(0x41);
  spec.responder_ephemeral_private = sequence(0x61);
  spec.evidence.platform = Platform::kSimulatedSevSnp;
  spec.evidence.collateral = to_bytes("stand-in certificate chain");
  spec.evidence.manifest =
      to_bytes(R"({"engine":{"context":4096},"model":{"name":"stories260K"},"version":"0.1.0"})");
  spec.evidence.receipt_public_key = crypto::ed25519_from_seed(sequence(0x81))->public_key;
  return spec;
}

constexpr Party kClient = Party::kInitiator;
constexpr Party kEnclave = Party::kResponder;

TranscriptSpec basic() {
  TranscriptSpec spec = base_spec(
      "One streamed chat request with a freshness nonce, an authorization token and a "
      "transparency-log proof; 16-byte chunks; the client closes.");
  Nonce nonce{};
  Bytes bytes = sequence(0xA1);
  std::copy(bytes.begin(), bytes.end(), nonce.begin());
  spec.nonce = nonce;
  spec.authorization_token = to_bytes("example-token");
  spec.evidence.tlog_proof = {TlogProofFormat::kTlogV1, to_bytes("stand-in tlog proof")};
  spec.chunk_size = 16;
  spec.actions = {
      act(kClient, "request", 1, R"({"messages":[{"role":"user","content":"Hello"}]})"),
      act(kEnclave, "response-start", 1, R"({"model":"stories260K"})"),
      act(kEnclave, "stream-delta", 1, "Once upon"),
      act(kEnclave, "stream-delta", 1, " a time"),
      act(kEnclave, "response-end", 1, R"({"receipt":"stand-in"})"),
      finish(kClient, "close", 0, 0, ""),
  };
  return spec;
}

TranscriptSpec multiplexed() {
  TranscriptSpec spec = base_spec(
      "Three interleaved streams with 8-byte chunks: one completes, one is cancelled, one "
      "fails with an application error; pings both ways; the enclave closes.");
  spec.evidence.gpu_evidence = to_bytes("stand-in GPU evidence");
  spec.chunk_size = 8;
  spec.actions = {
      act(kClient, "request", 1, "first request body"),
      act(kClient, "request", 2, "second"),
      act(kClient, "request", 3, "third"),
      act(kEnclave, "response-start", 2, "h2"),
      act(kEnclave, "response-start", 1, "h1"),
      act(kEnclave, "stream-delta", 1, "delta for one"),
      act(kClient, "cancel", 2),
      ping(kClient, 0x01),
      finish(kEnclave, "error", 3, 0x0101, "model unavailable"),
      act(kEnclave, "response-end", 1, "end one"),
      ping(kEnclave, 0x11),
      finish(kEnclave, "close", 0, 0, "shutting down"),
  };
  return spec;
}

TranscriptSpec version_rejected() {
  TranscriptSpec spec = base_spec(
      "The client offers versions 2 and 3; the enclave speaks only 1 and refuses in "
      "message 2 with a ServerReject.");
  spec.initiator_versions = {2, 3};
  return spec;
}

TranscriptSpec rekey() {
  TranscriptSpec spec = base_spec(
      "Five request/response pairs with the rekey interval lowered to 3 (a test setting; "
      "the protocol's is 65536), so both directions rekey mid-session.");
  spec.rekey_interval = 3;
  for (StreamId id = 1; id <= 5; ++id) {
    std::string n = std::to_string(id);
    spec.actions.push_back(act(kClient, "request", id, "request " + n));
    spec.actions.push_back(act(kEnclave, "response-start", id, "head " + n));
    spec.actions.push_back(act(kEnclave, "response-end", id, "end " + n));
  }
  return spec;
}

}  // namespace
}  // namespace cloister::session::vectors

int main(int argc, char** argv) {
  using namespace cloister::session::vectors;
  if (argc != 2) {
    std::cerr << "usage: session_vector_generator DIRECTORY\n";
    return 2;
  }
  std::filesystem::path directory = argv[1];
  std::pair<const char*, TranscriptSpec> files[] = {
      {"session-basic.json", basic()},
      {"session-multiplexed.json", multiplexed()},
      {"session-version-rejected.json", version_rejected()},
      {"session-rekey.json", rekey()},
  };
  for (auto& [name, spec] : files) {
    auto transcript = generate_transcript(spec);
    if (!transcript.ok()) {
      std::cerr << name << ": " << transcript.error().to_string() << "\n";
      return 1;
    }
    std::string text = transcript->dump(2) + "\n";
    auto written = cloister::write_file_atomically(directory / name, cloister::as_bytes(text));
    if (!written.ok()) {
      std::cerr << written.error().to_string() << "\n";
      return 1;
    }
    std::cout << "wrote " << (directory / name).string() << "\n";
  }
  return 0;
}
