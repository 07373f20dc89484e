#include "noise/handshake_state.h"

#include <algorithm>
#include <string>

namespace cloister::noise {
namespace {

bool contains(const std::vector<Token>& tokens, Token token) {
  return std::find(tokens.begin(), tokens.end(), token) != tokens.end();
}

// Returns true if the party in `role` ever sends its static key or pre-shares it.
bool needs_local_static(const HandshakePattern& pattern, Role role) {
  bool initiator = role == Role::kInitiator;
  if (contains(initiator ? pattern.initiator_premessage : pattern.responder_premessage,
               Token::kS)) {
    return true;
  }
  return std::any_of(pattern.messages.begin(), pattern.messages.end(), [&](const auto& message) {
    return message.from_initiator == initiator && contains(message.tokens, Token::kS);
  });
}

std::string describe(Role role) { return role == Role::kInitiator ? "initiator" : "responder"; }

}  // namespace

HandshakeState::HandshakeState(HandshakeConfig config, SymmetricState symmetric)
    : protocol_(std::move(config.protocol)),
      role_(config.role),
      symmetric_(std::move(symmetric)),
      local_static_(std::move(config.local_static)),
      fixed_ephemeral_(std::move(config.fixed_ephemeral)),
      remote_static_(config.remote_static),
      psks_(std::move(config.psks)) {}

Result<HandshakeState> HandshakeState::create(HandshakeConfig config) {
  const HandshakePattern& pattern = config.protocol.pattern;
  if (pattern.messages.empty()) {
    return Error(ErrorCode::kInvalidArgument, "Noise pattern has no messages");
  }
  bool initiator = config.role == Role::kInitiator;
  if (needs_local_static(pattern, config.role) && !config.local_static) {
    return Error(ErrorCode::kInvalidArgument,
                 pattern.name + " needs the " + describe(config.role) + "'s static key");
  }
  const auto& remote_pre = initiator ? pattern.responder_premessage : pattern.initiator_premessage;
  if (contains(remote_pre, Token::kS) && !config.remote_static) {
    return Error(ErrorCode::kInvalidArgument,
                 pattern.name + " needs the peer's static key in advance");
  }
  for (const auto* pre : {&pattern.initiator_premessage, &pattern.responder_premessage}) {
    if (contains(*pre, Token::kE)) {
      return Error(ErrorCode::kUnsupported, "pre-shared ephemeral keys are not supported");
    }
  }
  if (config.psks.size() != pattern.psk_count) {
    return Error(ErrorCode::kInvalidArgument,
                 pattern.name + " needs " + std::to_string(pattern.psk_count) +
                     " pre-shared keys, got " + std::to_string(config.psks.size()));
  }
  for (const auto& psk : config.psks) {
    if (psk.size() != kKeySize) {
      return Error(ErrorCode::kInvalidArgument, "a pre-shared key must be 32 bytes");
    }
  }

  SymmetricState symmetric(config.protocol);
  symmetric.mix_hash(config.prologue);
  // Pre-messages: the initiator's keys are hashed first, then the responder's.
  if (contains(pattern.initiator_premessage, Token::kS)) {
    symmetric.mix_hash(initiator ? ByteSpan(config.local_static->public_key)
                                 : ByteSpan(*config.remote_static));
  }
  if (contains(pattern.responder_premessage, Token::kS)) {
    symmetric.mix_hash(initiator ? ByteSpan(*config.remote_static)
                                 : ByteSpan(config.local_static->public_key));
  }
  HandshakeState state(std::move(config), std::move(symmetric));
  state.stage_ = initiator ? HandshakeStage::kWriteMessage : HandshakeStage::kReadMessage;
  return state;
}

ByteSpan HandshakeState::handshake_hash() const {
  return symmetric_ ? symmetric_->handshake_hash() : ByteSpan(final_hash_);
}

Error HandshakeState::fail(Error error) {
  stage_ = HandshakeStage::kFailed;
  symmetric_.reset();
  local_static_.reset();
  local_ephemeral_.reset();
  fixed_ephemeral_.reset();
  remote_ephemeral_.reset();
  psks_.clear();
  transport_.reset();
  return error;
}

Status HandshakeState::mix_dh(const std::optional<crypto::X25519KeyPair>& local,
                              const std::optional<crypto::X25519PublicKey>& remote,
                              const char* token) {
  if (!local || !remote) {
    return Error(ErrorCode::kInternal, std::string("a key for token '") + token + "' is missing");
  }
  CLOISTER_ASSIGN_OR_RETURN(crypto::SecretBytes shared,
                            crypto::x25519_shared_secret(local->private_key, *remote));
  symmetric_->mix_key(shared.span());
  return ok_status();
}

// The DH tokens are the same for writer and reader; only whose key is whose differs.
Status HandshakeState::mix_dh_token(Token token) {
  bool initiator = is_initiator();
  switch (token) {
    case Token::kEe: return mix_dh(local_ephemeral_, remote_ephemeral_, "ee");
    case Token::kEs:
      return initiator ? mix_dh(local_ephemeral_, remote_static_, "es")
                       : mix_dh(local_static_, remote_ephemeral_, "es");
    case Token::kSe:
      return initiator ? mix_dh(local_static_, remote_ephemeral_, "se")
                       : mix_dh(local_ephemeral_, remote_static_, "se");
    case Token::kSs: return mix_dh(local_static_, remote_static_, "ss");
    case Token::kPsk: symmetric_->mix_key_and_hash(psks_[psks_used_++].span()); return ok_status();
    case Token::kE:
    case Token::kS: break;
  }
  return Error(ErrorCode::kInternal, "not a DH token");
}

Status HandshakeState::write_token(Token token, ByteWriter& out) {
  if (token == Token::kE) {
    if (fixed_ephemeral_) {
      local_ephemeral_ = std::move(fixed_ephemeral_);
      fixed_ephemeral_.reset();
    } else {
      local_ephemeral_ = crypto::x25519_generate();
    }
    out.put_bytes(local_ephemeral_->public_key);
    symmetric_->mix_hash(local_ephemeral_->public_key);
    if (protocol_.pattern.psk_count > 0) symmetric_->mix_key(local_ephemeral_->public_key);
    return ok_status();
  }
  if (token == Token::kS) {
    CLOISTER_ASSIGN_OR_RETURN(Bytes sealed,
                              symmetric_->encrypt_and_hash(local_static_->public_key));
    out.put_bytes(sealed);
    return ok_status();
  }
  return mix_dh_token(token);
}

Status HandshakeState::read_token(Token token, ByteReader& in) {
  if (token == Token::kE) {
    crypto::X25519PublicKey key{};
    CLOISTER_TRY(in.read_into(key, "ephemeral public key"));
    remote_ephemeral_ = key;
    symmetric_->mix_hash(key);
    if (protocol_.pattern.psk_count > 0) symmetric_->mix_key(key);
    return ok_status();
  }
  if (token == Token::kS) {
    size_t length = kDhSize + (symmetric_->has_key() ? kTagSize : 0);
    CLOISTER_ASSIGN_OR_RETURN(ByteSpan sealed, in.read_bytes(length, "static public key"));
    auto opened = symmetric_->decrypt_and_hash(sealed);
    if (!opened.ok()) return std::move(opened).error().with_context("static public key");
    crypto::X25519PublicKey key{};
    std::copy(opened->begin(), opened->end(), key.begin());
    remote_static_ = key;
    return ok_status();
  }
  return mix_dh_token(token);
}

void HandshakeState::advance() {
  ++message_index_;
  const auto& messages = protocol_.pattern.messages;
  if (message_index_ < messages.size()) {
    stage_ = messages[message_index_].from_initiator == is_initiator()
                 ? HandshakeStage::kWriteMessage
                 : HandshakeStage::kReadMessage;
    return;
  }
  auto [initiator_to_responder, responder_to_initiator] = symmetric_->split();
  final_hash_ = to_bytes(symmetric_->handshake_hash());
  std::optional<CipherState> send;
  std::optional<CipherState> receive;
  if (is_initiator()) {
    send = std::move(initiator_to_responder);
    if (!protocol_.pattern.one_way) receive = std::move(responder_to_initiator);
  } else {
    receive = std::move(initiator_to_responder);
    if (!protocol_.pattern.one_way) send = std::move(responder_to_initiator);
  }
  transport_.emplace(std::move(send), std::move(receive), final_hash_, remote_static_);
  symmetric_.reset();
  local_static_.reset();
  local_ephemeral_.reset();
  remote_ephemeral_.reset();
  psks_.clear();
  stage_ = HandshakeStage::kComplete;
}

Result<Bytes> HandshakeState::write_message(ByteSpan payload) {
  if (stage_ != HandshakeStage::kWriteMessage) {
    return fail(Error(ErrorCode::kFailedPrecondition,
                      "Noise handshake: it is not the " + describe(role_) + "'s turn to write"));
  }
  ByteWriter out;
  for (Token token : protocol_.pattern.messages[message_index_].tokens) {
    Status status = write_token(token, out);
    if (!status.ok()) return fail(std::move(status).error());
  }
  auto sealed = symmetric_->encrypt_and_hash(payload);
  if (!sealed.ok()) return fail(std::move(sealed).error());
  out.put_bytes(*sealed);
  if (out.size() > kMaxMessageSize) {
    return fail(Error(ErrorCode::kInvalidArgument,
                      "Noise handshake message " + std::to_string(message_index_ + 1) + " of " +
                          std::to_string(out.size()) + " bytes exceeds the limit of 65535"));
  }
  advance();
  return out.take();
}

Result<Bytes> HandshakeState::read_message(ByteSpan message) {
  if (stage_ != HandshakeStage::kReadMessage) {
    return fail(Error(ErrorCode::kFailedPrecondition,
                      "Noise handshake: the " + describe(role_) + " does not expect a message"));
  }
  std::string context = "Noise handshake message " + std::to_string(message_index_ + 1);
  if (message.size() > kMaxMessageSize) {
    return fail(Error(ErrorCode::kMalformed, context + " of " + std::to_string(message.size()) +
                                                 " bytes exceeds the limit of 65535"));
  }
  ByteReader in(message);
  for (Token token : protocol_.pattern.messages[message_index_].tokens) {
    Status status = read_token(token, in);
    if (!status.ok()) return fail(std::move(status).error().with_context(context));
  }
  auto payload = symmetric_->decrypt_and_hash(in.read_rest());
  if (!payload.ok()) return fail(std::move(payload).error().with_context(context + " payload"));
  advance();
  return payload;
}

Result<TransportState> HandshakeState::into_transport() {
  if (stage_ != HandshakeStage::kComplete || !transport_) {
    return Error(ErrorCode::kFailedPrecondition, "Noise handshake is not complete");
  }
  TransportState transport = std::move(*transport_);
  transport_.reset();
  stage_ = HandshakeStage::kFailed;
  return transport;
}

}  // namespace cloister::noise
