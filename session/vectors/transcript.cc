#include "session/vectors/transcript.h"

#include <map>

#include "base/clock.h"
#include "base/encoding.h"
#include "session/handshake_payloads.h"
#include "session/initiator.h"
#include "session/noise_config.h"
#include "session/responder.h"

namespace cloister::session::vectors {
namespace {

using nlohmann::json;

std::string hex(ByteSpan data) { return hex_encode(data); }

const char* party_name(Party party) {
  return party == Party::kInitiator ? "initiator" : "responder";
}

Result<Bytes> hex_field(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) {
    return Error(ErrorCode::kMalformed, std::string("transcript lacks hex field '") + key + "'");
  }
  auto bytes = hex_decode(it->get<std::string>());
  if (!bytes.ok()) return std::move(bytes).error().with_context(key);
  return bytes;
}

template <size_t N>
Result<std::array<uint8_t, N>> fixed_field(const json& object, const char* key) {
  CLOISTER_ASSIGN_OR_RETURN(Bytes bytes, hex_field(object, key));
  if (bytes.size() != N) {
    return Error(ErrorCode::kMalformed, std::string(key) + " has the wrong length");
  }
  std::array<uint8_t, N> out{};
  std::copy(bytes.begin(), bytes.end(), out.begin());
  return out;
}

json frame_json(const Frame& frame) {
  return {{"type", std::string(frame_type_name(frame.type))},
          {"fin", frame.fin},
          {"stream_id", frame.stream_id},
          {"chunk_index", frame.chunk_index},
          {"payload", hex(frame.payload)}};
}

json event_json(const std::optional<Event>& event) {
  if (!event) return nullptr;
  json out = {{"kind", std::string(event_kind_name(event->kind))},
              {"stream_id", event->stream_id},
              {"body", hex(event->body)}};
  if (event->kind == EventKind::kStreamError) {
    out["error_code"] = event->error_code;
    out["reason"] = event->reason;
  }
  return out;
}

json bundle_json(const EvidenceBundle& bundle) {
  return {{"platform", std::string(platform_name(bundle.platform))},
          {"report", hex(bundle.report)},
          {"collateral", hex(bundle.collateral)},
          {"gpu_evidence", hex(bundle.gpu_evidence)},
          {"manifest", hex(bundle.manifest)},
          {"receipt_public_key", hex(bundle.receipt_public_key)},
          {"tlog_proof_format", static_cast<int>(bundle.tlog_proof.format)},
          {"tlog_proof", hex(bundle.tlog_proof.bytes)}};
}

// Reads transport messages with its own copy of the session keys, the way a
// passive observer holding them would, to record each frame in clear.
class Observer {
 public:
  Observer(noise::TransportState from_initiator, noise::TransportState from_responder,
           uint64_t rekey_interval)
      : from_initiator_(std::move(from_initiator)),
        from_responder_(std::move(from_responder)),
        rekey_interval_(rekey_interval) {}

  Result<Bytes> open(Party sender, ByteSpan wire) {
    noise::TransportState& reader = sender == Party::kInitiator ? from_initiator_ : from_responder_;
    CLOISTER_ASSIGN_OR_RETURN(Bytes plaintext, reader.read_message(wire));
    if (reader.receive_nonce() % rekey_interval_ == 0) reader.rekey_receive();
    return plaintext;
  }

 private:
  noise::TransportState from_initiator_;  // the responder's receiving half
  noise::TransportState from_responder_;  // the initiator's receiving half
  uint64_t rekey_interval_;
};

// Runs a second, plain Noise handshake with the same keys and payloads and
// returns the observer built from its transport keys.
Result<Observer> make_observer(const TranscriptSpec& spec, const std::vector<Bytes>& payloads) {
  CLOISTER_ASSIGN_OR_RETURN(auto init_static,
                            crypto::x25519_from_private(spec.initiator_static_private));
  CLOISTER_ASSIGN_OR_RETURN(auto init_e,
                            crypto::x25519_from_private(spec.initiator_ephemeral_private));
  CLOISTER_ASSIGN_OR_RETURN(auto resp_static,
                            crypto::x25519_from_private(spec.responder_static_private));
  CLOISTER_ASSIGN_OR_RETURN(auto resp_e,
                            crypto::x25519_from_private(spec.responder_ephemeral_private));
  CLOISTER_ASSIGN_OR_RETURN(
      auto initiator, noise::HandshakeState::create(session_noise_config(
                          noise::Role::kInitiator, std::move(init_static), std::move(init_e))));
  CLOISTER_ASSIGN_OR_RETURN(
      auto responder, noise::HandshakeState::create(session_noise_config(
                          noise::Role::kResponder, std::move(resp_static), std::move(resp_e))));
  for (size_t i = 0; i < payloads.size(); ++i) {
    auto& writer = i % 2 == 0 ? initiator : responder;
    auto& reader = i % 2 == 0 ? responder : initiator;
    CLOISTER_ASSIGN_OR_RETURN(Bytes message, writer.write_message(payloads[i]));
    CLOISTER_TRY(reader.read_message(message));
  }
  CLOISTER_ASSIGN_OR_RETURN(auto initiator_transport, initiator.into_transport());
  CLOISTER_ASSIGN_OR_RETURN(auto responder_transport, responder.into_transport());
  return Observer(std::move(responder_transport), std::move(initiator_transport),
                  spec.rekey_interval);
}

// The two established channels and the observer, as actions run.
struct Parties {
  Channel& initiator;
  Channel& responder;
  Observer& observer;
  Channel& of(Party party) { return party == Party::kInitiator ? initiator : responder; }
};

Party other(Party party) {
  return party == Party::kInitiator ? Party::kResponder : Party::kInitiator;
}

// Records `messages` from `sender`, delivers them to the peer, and returns
// the step's message list; the peer's replies are appended to `replies`.
Result<json> deliver(Parties& parties, Party sender, const Messages& messages, Messages& replies) {
  json recorded = json::array();
  for (const Bytes& wire : messages) {
    CLOISTER_ASSIGN_OR_RETURN(Bytes plaintext, parties.observer.open(sender, wire));
    CLOISTER_ASSIGN_OR_RETURN(Frame frame, decode_frame(plaintext));
    auto received = parties.of(other(sender)).receive(wire);
    if (!received.ok()) return std::move(received).error().with_context("receiver");
    for (Bytes& reply : received->replies) replies.push_back(std::move(reply));
    recorded.push_back({{"frame", frame_json(frame)},
                        {"plaintext", hex(plaintext)},
                        {"wire", hex(wire)},
                        {"receiver_event", event_json(received->event)}});
  }
  return recorded;
}

// Runs one scripted action on its sender; returns the messages it produced.
Result<Messages> perform(Channel& channel, Action& action) {
  const std::string& name = action.action;
  if (name == "request") {
    CLOISTER_ASSIGN_OR_RETURN(OutgoingRequest request, channel.send_request(action.body));
    if (action.stream_id != 0 && action.stream_id != request.stream_id) {
      return Error(ErrorCode::kRejected, "request got stream " + std::to_string(request.stream_id) +
                                             ", not " + std::to_string(action.stream_id));
    }
    action.stream_id = request.stream_id;
    return std::move(request.messages);
  }
  if (name == "cancel") return channel.send_cancel(action.stream_id);
  if (name == "response-start") return channel.send_response_start(action.stream_id, action.body);
  if (name == "stream-delta") return channel.send_stream_delta(action.stream_id, action.body);
  if (name == "response-end") return channel.send_response_end(action.stream_id, action.body);
  if (name == "error")
    return channel.send_stream_error(action.stream_id, action.code, action.reason);
  if (name == "ping") return channel.send_ping(action.ping_payload);
  return Error(ErrorCode::kMalformed, "unknown transcript action '" + name + "'");
}

json action_json(const Action& action) {
  json out = {{"sender", party_name(action.sender)}, {"action", action.action}};
  const std::string& name = action.action;
  if (name == "request" || name == "cancel" || name == "response-start" || name == "stream-delta" ||
      name == "response-end" || name == "error") {
    out["stream_id"] = action.stream_id;
  }
  if (name == "request" || name == "response-start" || name == "stream-delta" ||
      name == "response-end") {
    out["body"] = hex(action.body);
  }
  if (name == "error" || name == "close") {
    out["code"] = action.code;
    out["reason"] = action.reason;
  }
  if (name == "ping") out["payload"] = hex(action.ping_payload);
  return out;
}

Result<json> run_actions(const TranscriptSpec& spec, Parties parties) {
  json steps = json::array();
  for (Action action : spec.actions) {
    Channel& sender = parties.of(action.sender);
    if (action.action == "close") {
      CLOISTER_ASSIGN_OR_RETURN(Bytes wire, sender.close(action.code, action.reason));
      CLOISTER_ASSIGN_OR_RETURN(Bytes plaintext, parties.observer.open(action.sender, wire));
      CLOISTER_ASSIGN_OR_RETURN(Frame frame, decode_frame(plaintext));
      auto received = parties.of(other(action.sender)).receive(wire);
      if (received.ok()) return Error(ErrorCode::kRejected, "the receiver ignored a close");
      json step = action_json(action);
      step["messages"] = json::array({{{"frame", frame_json(frame)},
                                       {"plaintext", hex(plaintext)},
                                       {"wire", hex(wire)},
                                       {"receiver_event", nullptr}}});
      steps.push_back(std::move(step));
      break;  // nothing follows a close
    }
    auto messages = perform(sender, action);
    if (!messages.ok()) return std::move(messages).error().with_context(action.action);
    Messages replies;
    json step = action_json(action);
    CLOISTER_ASSIGN_OR_RETURN(step["messages"],
                              deliver(parties, action.sender, *messages, replies));
    steps.push_back(std::move(step));
    if (!replies.empty()) {
      Party replier = other(action.sender);
      Messages none;
      json reply = {{"sender", party_name(replier)}, {"action", "reply"}};
      CLOISTER_ASSIGN_OR_RETURN(reply["messages"], deliver(parties, replier, replies, none));
      if (!none.empty()) return Error(ErrorCode::kRejected, "a reply drew another reply");
      steps.push_back(std::move(reply));
    }
  }
  return steps;
}

Result<std::optional<crypto::X25519KeyPair>> key_pair(ByteSpan private_key) {
  CLOISTER_ASSIGN_OR_RETURN(auto pair, crypto::x25519_from_private(private_key));
  return std::optional<crypto::X25519KeyPair>(std::move(pair));
}

// Returns the first path at which `actual` differs from `expected`.
std::optional<std::string> first_difference(const json& expected, const json& actual,
                                            const std::string& path) {
  if (expected.is_number() && actual.is_number()) {
    if (expected == actual) return std::nullopt;
    return path + ": expected " + expected.dump() + ", got " + actual.dump();
  }
  if (expected.type() != actual.type()) return path + " (type)";
  if (expected.is_object()) {
    for (auto it = expected.begin(); it != expected.end(); ++it) {
      if (!actual.contains(it.key())) return path + "/" + it.key() + " (missing)";
      if (auto diff = first_difference(*it, actual[it.key()], path + "/" + it.key())) return diff;
    }
    if (expected.size() != actual.size()) return path + " (extra fields)";
    return std::nullopt;
  }
  if (expected.is_array()) {
    for (size_t i = 0; i < std::min(expected.size(), actual.size()); ++i) {
      if (auto diff = first_difference(expected[i], actual[i], path + "/" + std::to_string(i))) {
        return diff;
      }
    }
    if (expected.size() != actual.size()) return path + " (length)";
    return std::nullopt;
  }
  if (expected != actual) return path + ": expected " + expected.dump() + ", got " + actual.dump();
  return std::nullopt;
}

}  // namespace

Bytes stand_in_report(const ReportData& report_data) {
  Bytes report(1184, 0xA5);
  std::copy(report_data.begin(), report_data.end(), report.begin() + 0x50);
  return report;
}

Result<json> generate_transcript(const TranscriptSpec& spec) {
  CLOISTER_ASSIGN_OR_RETURN(auto resp_static,
                            crypto::x25519_from_private(spec.responder_static_private));
  CLOISTER_ASSIGN_OR_RETURN(auto init_static,
                            crypto::x25519_from_private(spec.initiator_static_private));
  crypto::X25519PublicKey enclave_key = resp_static.public_key;
  crypto::X25519PublicKey client_key = init_static.public_key;
  EvidenceBundle evidence = spec.evidence;
  ReportData report_data = expected_report_data(evidence, enclave_key, spec.nonce);
  if (evidence.report.empty()) evidence.report = stand_in_report(report_data);

  Limits limits;
  limits.chunk_size = spec.chunk_size;
  limits.rekey_interval = spec.rekey_interval;
  FixedClock clock(from_unix_seconds(1'700'000'000));

  InitiatorConfig client;
  client.versions = spec.initiator_versions;
  client.nonce = spec.nonce;
  client.static_key = std::move(init_static);
  client.authorization_token = spec.authorization_token;
  client.limits = limits;
  CLOISTER_ASSIGN_OR_RETURN(client.fixed_ephemeral, key_pair(spec.initiator_ephemeral_private));
  client.verify_evidence = [](const EvidenceBundle& bundle, const ReportData& expected) -> Status {
    if (bundle.report.size() < 0x90 ||
        !std::equal(expected.begin(), expected.end(), bundle.report.begin() + 0x50)) {
      return Error(ErrorCode::kRejected, "stand-in REPORT_DATA does not match");
    }
    return ok_status();
  };

  ResponderConfig enclave;
  enclave.static_key = std::make_shared<crypto::X25519KeyPair>(std::move(resp_static));
  enclave.versions = spec.responder_versions;
  enclave.limits = limits;
  CLOISTER_ASSIGN_OR_RETURN(enclave.fixed_ephemeral, key_pair(spec.responder_ephemeral_private));
  enclave.produce_evidence = [evidence](const std::optional<Nonce>&) -> Result<EvidenceBundle> {
    return evidence;
  };

  CLOISTER_ASSIGN_OR_RETURN(Initiator initiator, Initiator::create(std::move(client), clock));
  CLOISTER_ASSIGN_OR_RETURN(Responder responder, Responder::create(std::move(enclave), clock));

  json out = {{"description", spec.description},
              {"protocol_name", std::string(kNoiseProtocolName)},
              {"prologue", hex(as_bytes(kPrologue))},
              {"rekey_interval", spec.rekey_interval},
              {"chunk_size", spec.chunk_size},
              {"initiator",
               {{"static_private", hex(spec.initiator_static_private)},
                {"static_public", hex(client_key)},
                {"ephemeral_private", hex(spec.initiator_ephemeral_private)},
                {"versions", spec.initiator_versions},
                {"nonce", spec.nonce ? json(hex(*spec.nonce)) : json(nullptr)},
                {"authorization_token", hex(spec.authorization_token)}}},
              {"responder",
               {{"static_private", hex(spec.responder_static_private)},
                {"static_public", hex(enclave_key)},
                {"ephemeral_private", hex(spec.responder_ephemeral_private)},
                {"versions", spec.responder_versions}}},
              {"evidence_bundle", bundle_json(evidence)},
              {"report_data", hex(report_data)}};

  std::vector<Bytes> payloads;
  CLOISTER_ASSIGN_OR_RETURN(Bytes hello,
                            encode_client_hello({spec.initiator_versions, spec.nonce}));
  payloads.push_back(hello);
  CLOISTER_ASSIGN_OR_RETURN(Bytes message1, initiator.start());
  json handshake = json::array();
  handshake.push_back({{"sender", "initiator"}, {"payload", hex(hello)}, {"wire", hex(message1)}});

  auto message2 = responder.respond(message1);
  if (!message2.ok()) {
    // The enclave refused: message 2 carries a ServerReject, and the session ends.
    auto farewell = responder.take_farewell();
    if (!farewell) return std::move(message2).error();
    ServerReject reject{wire_error_for(message2.error()), spec.responder_versions,
                        truncate_reason(message2.error().message())};
    CLOISTER_ASSIGN_OR_RETURN(Bytes reject_payload, encode_server_reject(reject));
    handshake.push_back(
        {{"sender", "responder"}, {"payload", hex(reject_payload)}, {"wire", hex(*farewell)}});
    auto finished = initiator.finish(*farewell);
    if (finished.ok()) return Error(ErrorCode::kRejected, "the initiator accepted a rejection");
    out["handshake"] = std::move(handshake);
    out["outcome"] = "rejected";
    return out;
  }
  CLOISTER_ASSIGN_OR_RETURN(Established established, initiator.finish(*message2));
  CLOISTER_ASSIGN_OR_RETURN(Bytes encoded_bundle, encode_evidence_bundle(evidence));
  CLOISTER_ASSIGN_OR_RETURN(
      Bytes server_hello,
      encode_server_hello({established.channel.info().version, encoded_bundle}));
  payloads.push_back(server_hello);
  handshake.push_back(
      {{"sender", "responder"}, {"payload", hex(server_hello)}, {"wire", hex(*message2)}});
  CLOISTER_ASSIGN_OR_RETURN(Bytes finish, encode_client_finish({spec.authorization_token}));
  payloads.push_back(finish);
  handshake.push_back(
      {{"sender", "initiator"}, {"payload", hex(finish)}, {"wire", hex(established.message3)}});
  CLOISTER_ASSIGN_OR_RETURN(Channel enclave_channel, responder.finish(established.message3));
  if (established.channel.info().report_data != report_data ||
      enclave_channel.info().handshake_hash != established.channel.info().handshake_hash) {
    return Error(ErrorCode::kInternal, "the two ends disagree about the session");
  }
  out["handshake"] = std::move(handshake);
  out["outcome"] = "established";
  out["handshake_hash"] = hex(established.channel.info().handshake_hash);

  CLOISTER_ASSIGN_OR_RETURN(Observer observer, make_observer(spec, payloads));
  Parties parties{established.channel, enclave_channel, observer};
  CLOISTER_ASSIGN_OR_RETURN(out["transport"], run_actions(spec, parties));
  return out;
}

Result<TranscriptSpec> spec_from_transcript(const json& transcript) {
  if (!transcript.is_object()) return Error(ErrorCode::kMalformed, "transcript is not an object");
  try {
    TranscriptSpec spec;
    spec.description = transcript.at("description").get<std::string>();
    spec.chunk_size = transcript.at("chunk_size").get<size_t>();
    spec.rekey_interval = transcript.at("rekey_interval").get<uint64_t>();
    const json& init = transcript.at("initiator");
    CLOISTER_ASSIGN_OR_RETURN(spec.initiator_static_private, hex_field(init, "static_private"));
    CLOISTER_ASSIGN_OR_RETURN(spec.initiator_ephemeral_private,
                              hex_field(init, "ephemeral_private"));
    spec.initiator_versions = init.at("versions").get<std::vector<uint16_t>>();
    if (!init.at("nonce").is_null()) {
      CLOISTER_ASSIGN_OR_RETURN(spec.nonce, fixed_field<kNonceSize>(init, "nonce"));
    }
    CLOISTER_ASSIGN_OR_RETURN(spec.authorization_token, hex_field(init, "authorization_token"));
    const json& resp = transcript.at("responder");
    CLOISTER_ASSIGN_OR_RETURN(spec.responder_static_private, hex_field(resp, "static_private"));
    CLOISTER_ASSIGN_OR_RETURN(spec.responder_ephemeral_private,
                              hex_field(resp, "ephemeral_private"));
    spec.responder_versions = resp.at("versions").get<std::vector<uint16_t>>();

    const json& bundle = transcript.at("evidence_bundle");
    std::string platform = bundle.at("platform").get<std::string>();
    bool known = false;
    for (Platform candidate : {Platform::kSevSnp, Platform::kTdx, Platform::kSimulatedSevSnp}) {
      if (platform_name(candidate) == platform) {
        spec.evidence.platform = candidate;
        known = true;
      }
    }
    if (!known) return Error(ErrorCode::kMalformed, "unknown platform '" + platform + "'");
    CLOISTER_ASSIGN_OR_RETURN(spec.evidence.report, hex_field(bundle, "report"));
    CLOISTER_ASSIGN_OR_RETURN(spec.evidence.collateral, hex_field(bundle, "collateral"));
    CLOISTER_ASSIGN_OR_RETURN(spec.evidence.gpu_evidence, hex_field(bundle, "gpu_evidence"));
    CLOISTER_ASSIGN_OR_RETURN(spec.evidence.manifest, hex_field(bundle, "manifest"));
    CLOISTER_ASSIGN_OR_RETURN(
        spec.evidence.receipt_public_key,
        fixed_field<crypto::kEd25519PublicKeySize>(bundle, "receipt_public_key"));
    spec.evidence.tlog_proof.format =
        static_cast<TlogProofFormat>(bundle.at("tlog_proof_format").get<uint8_t>());
    CLOISTER_ASSIGN_OR_RETURN(spec.evidence.tlog_proof.bytes, hex_field(bundle, "tlog_proof"));

    if (transcript.contains("transport")) {
      for (const json& step : transcript.at("transport")) {
        std::string name = step.at("action").get<std::string>();
        if (name == "reply") continue;  // recorded, never scripted
        Action action;
        action.sender = step.at("sender").get<std::string>() == "initiator" ? Party::kInitiator
                                                                            : Party::kResponder;
        action.action = name;
        if (step.contains("stream_id")) action.stream_id = step.at("stream_id").get<StreamId>();
        if (step.contains("body")) {
          CLOISTER_ASSIGN_OR_RETURN(action.body, hex_field(step, "body"));
        }
        if (step.contains("code")) action.code = step.at("code").get<uint16_t>();
        if (step.contains("reason")) action.reason = step.at("reason").get<std::string>();
        if (name == "ping") {
          CLOISTER_ASSIGN_OR_RETURN(action.ping_payload,
                                    fixed_field<kPingPayloadSize>(step, "payload"));
        }
        spec.actions.push_back(std::move(action));
      }
    }
    return spec;
  } catch (const json::exception& e) {
    return Error(ErrorCode::kMalformed, std::string("transcript: ") + e.what());
  }
}

Status replay_transcript(const json& transcript) {
  CLOISTER_ASSIGN_OR_RETURN(TranscriptSpec spec, spec_from_transcript(transcript));
  CLOISTER_ASSIGN_OR_RETURN(json replayed, generate_transcript(spec));
  if (auto difference = first_difference(transcript, replayed, "")) {
    return Error(ErrorCode::kRejected, "transcript differs at " + *difference);
  }
  return ok_status();
}

}  // namespace cloister::session::vectors
