#include "noise/cacophony.h"

#include <functional>

#include <nlohmann/json.hpp>

#include "base/encoding.h"
#include "noise/handshake_state.h"

namespace cloister::noise {
namespace {

using nlohmann::json;

Result<Bytes> hex_field(const json& vector, const char* key) {
  auto it = vector.find(key);
  if (it == vector.end() || !it->is_string()) {
    return Error(ErrorCode::kMalformed, std::string("missing hex field '") + key + "'");
  }
  auto bytes = hex_decode(it->get<std::string>());
  if (!bytes.ok()) return std::move(bytes).error().with_context(key);
  return bytes;
}

Result<std::optional<crypto::X25519KeyPair>> optional_key_pair(const json& vector,
                                                               const char* key) {
  if (!vector.contains(key)) return std::optional<crypto::X25519KeyPair>();
  CLOISTER_ASSIGN_OR_RETURN(Bytes private_key, hex_field(vector, key));
  auto pair = crypto::x25519_from_private(private_key);
  crypto::secure_wipe(private_key);
  if (!pair.ok()) return std::move(pair).error().with_context(key);
  return std::optional<crypto::X25519KeyPair>(std::move(pair).value());
}

Result<HandshakeConfig> party_config(const json& vector, const Protocol& protocol, Role role) {
  std::string prefix = role == Role::kInitiator ? "init_" : "resp_";
  HandshakeConfig config;
  config.protocol = protocol;
  config.role = role;
  CLOISTER_ASSIGN_OR_RETURN(config.prologue, hex_field(vector, (prefix + "prologue").c_str()));
  CLOISTER_ASSIGN_OR_RETURN(config.local_static,
                            optional_key_pair(vector, (prefix + "static").c_str()));
  CLOISTER_ASSIGN_OR_RETURN(config.fixed_ephemeral,
                            optional_key_pair(vector, (prefix + "ephemeral").c_str()));
  std::string remote = prefix + "remote_static";
  if (vector.contains(remote)) {
    CLOISTER_ASSIGN_OR_RETURN(Bytes key, hex_field(vector, remote.c_str()));
    if (key.size() != kDhSize) return Error(ErrorCode::kMalformed, remote + " is not 32 bytes");
    config.remote_static.emplace();
    std::copy(key.begin(), key.end(), config.remote_static->begin());
  }
  if (auto psks = vector.find(prefix + "psks"); psks != vector.end()) {
    if (!psks->is_array()) return Error(ErrorCode::kMalformed, prefix + "psks is not an array");
    for (const json& psk : *psks) {
      if (!psk.is_string()) return Error(ErrorCode::kMalformed, "a psk is not a string");
      CLOISTER_ASSIGN_OR_RETURN(Bytes key, hex_decode(psk.get<std::string>()));
      config.psks.emplace_back(key);
      crypto::secure_wipe(key);
    }
  }
  return config;
}

// One side of a message: a write (payload in, message out) or a read.
using Step = std::function<Result<Bytes>(ByteSpan)>;

// Sends one message through `write` and `read` and checks both ends of it.
Status exchange(size_t index, const json& message, const Step& write, const Step& read) {
  std::string where = "message " + std::to_string(index);
  CLOISTER_ASSIGN_OR_RETURN(Bytes payload, hex_field(message, "payload"));
  CLOISTER_ASSIGN_OR_RETURN(Bytes expected, hex_field(message, "ciphertext"));
  auto written = write(payload);
  if (!written.ok()) return std::move(written).error().with_context(where + " write");
  if (*written != expected) {
    return Error(ErrorCode::kRejected, where + ": ciphertext " + hex_encode(*written) +
                                           " differs from " + hex_encode(expected));
  }
  auto opened = read(expected);
  if (!opened.ok()) return std::move(opened).error().with_context(where + " read");
  if (*opened != payload) return Error(ErrorCode::kRejected, where + ": decrypted payload differs");
  return ok_status();
}

Status run_vector(const json& vector, const Protocol& protocol) {
  CLOISTER_ASSIGN_OR_RETURN(HandshakeConfig init_config,
                            party_config(vector, protocol, Role::kInitiator));
  CLOISTER_ASSIGN_OR_RETURN(HandshakeConfig resp_config,
                            party_config(vector, protocol, Role::kResponder));
  CLOISTER_ASSIGN_OR_RETURN(HandshakeState initiator,
                            HandshakeState::create(std::move(init_config)));
  CLOISTER_ASSIGN_OR_RETURN(HandshakeState responder,
                            HandshakeState::create(std::move(resp_config)));
  auto messages = vector.find("messages");
  if (messages == vector.end() || !messages->is_array()) {
    return Error(ErrorCode::kMalformed, "missing 'messages' array");
  }
  size_t handshake_length = protocol.pattern.messages.size();
  if (messages->size() < handshake_length) {
    return Error(ErrorCode::kMalformed, "fewer messages than the handshake needs");
  }
  for (size_t i = 0; i < handshake_length; ++i) {
    HandshakeState& sender = protocol.pattern.messages[i].from_initiator ? initiator : responder;
    HandshakeState& receiver = &sender == &initiator ? responder : initiator;
    CLOISTER_TRY(exchange(
        i, (*messages)[i], [&](ByteSpan payload) { return sender.write_message(payload); },
        [&](ByteSpan message) { return receiver.read_message(message); }));
  }
  CLOISTER_ASSIGN_OR_RETURN(Bytes expected_hash, hex_field(vector, "handshake_hash"));
  if (to_bytes(initiator.handshake_hash()) != expected_hash ||
      to_bytes(responder.handshake_hash()) != expected_hash) {
    return Error(ErrorCode::kRejected, "handshake hash differs");
  }
  CLOISTER_ASSIGN_OR_RETURN(TransportState init_transport, initiator.into_transport());
  CLOISTER_ASSIGN_OR_RETURN(TransportState resp_transport, responder.into_transport());
  // After the handshake, messages alternate starting where the pattern left
  // off; in one-way patterns only the initiator sends.
  for (size_t i = handshake_length; i < messages->size(); ++i) {
    bool from_initiator = protocol.pattern.one_way || i % 2 == 0;
    TransportState& sender = from_initiator ? init_transport : resp_transport;
    TransportState& receiver = from_initiator ? resp_transport : init_transport;
    CLOISTER_TRY(exchange(
        i, (*messages)[i], [&](ByteSpan payload) { return sender.write_message(payload); },
        [&](ByteSpan message) { return receiver.read_message(message); }));
  }
  return ok_status();
}

}  // namespace

Result<VectorSummary> run_cacophony_vectors(std::string_view json_text) {
  json document = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded() || !document.is_object()) {
    return Error(ErrorCode::kMalformed, "vector file is not a JSON object");
  }
  auto vectors = document.find("vectors");
  if (vectors == document.end() || !vectors->is_array()) {
    return Error(ErrorCode::kMalformed, "vector file has no 'vectors' array");
  }
  VectorSummary summary;
  size_t index = 0;
  for (const json& vector : *vectors) {
    ++index;
    std::string name = vector.is_object() && vector.contains("protocol_name") &&
                               vector["protocol_name"].is_string()
                           ? vector["protocol_name"].get<std::string>()
                           : std::string("(unnamed)");
    auto protocol = parse_protocol_name(name);
    if (!protocol.ok()) {
      if (protocol.error().code() == ErrorCode::kUnsupported) {
        ++summary.skipped;
        continue;
      }
      ++summary.failed;
      summary.failures.push_back(name + " #" + std::to_string(index) + ": " +
                                 protocol.error().message());
      continue;
    }
    Status result = run_vector(vector, *protocol);
    if (result.ok()) {
      ++summary.passed;
    } else {
      ++summary.failed;
      summary.failures.push_back(name + " #" + std::to_string(index) + ": " +
                                 result.error().message());
    }
  }
  return summary;
}

std::string format_summary(const VectorSummary& summary) {
  return std::to_string(summary.passed) + " passed, " + std::to_string(summary.failed) +
         " failed, " + std::to_string(summary.skipped) + " skipped";
}

}  // namespace cloister::noise
