// Internal: the Noise handshake configuration both session roles share.
#pragma once

#include "noise/handshake_state.h"
#include "session/wire.h"

namespace cloister::session {

// Returns the XX configuration for `role` with the session prologue.
inline noise::HandshakeConfig session_noise_config(
    noise::Role role, crypto::X25519KeyPair static_key,
    std::optional<crypto::X25519KeyPair> fixed_ephemeral) {
  noise::HandshakeConfig config;
  // The name is a compile-time constant that parse_protocol_name accepts.
  config.protocol = *noise::parse_protocol_name(kNoiseProtocolName);
  config.role = role;
  config.prologue = to_bytes(kPrologue);
  config.local_static = std::move(static_key);
  config.fixed_ephemeral = std::move(fixed_ephemeral);
  return config;
}

// The bytes message 2 adds around its payload: e, the encrypted s, the tag.
inline constexpr size_t kMessage2Overhead = noise::kDhSize + noise::kDhSize + 2 * noise::kTagSize;

}  // namespace cloister::session
