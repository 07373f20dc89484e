// Fuzzes the Noise XX state machine with untrusted handshake and transport
// messages. The first input byte picks the message the fuzzer controls; every
// earlier message is produced honestly with fixed keys, so the fuzzed bytes
// reach the parser at each stage. Any input must be read or refused cleanly.
#include <cstddef>
#include <cstdint>

#include "noise/handshake_state.h"

namespace {

using cloister::noise::HandshakeConfig;
using cloister::noise::HandshakeState;
using cloister::noise::Role;

HandshakeConfig party(Role role, uint8_t static_seed, uint8_t ephemeral_seed) {
  HandshakeConfig config;
  config.protocol = *cloister::noise::parse_protocol_name("Noise_XX_25519_AESGCM_SHA256");
  config.role = role;
  config.local_static = *cloister::crypto::x25519_from_private(cloister::Bytes(32, static_seed));
  config.fixed_ephemeral =
      *cloister::crypto::x25519_from_private(cloister::Bytes(32, ephemeral_seed));
  return config;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  uint8_t target = data[0] % 4;
  cloister::ByteSpan fuzzed(data + 1, size - 1);
  auto initiator = HandshakeState::create(party(Role::kInitiator, 1, 2));
  auto responder = HandshakeState::create(party(Role::kResponder, 3, 4));
  if (!initiator.ok() || !responder.ok()) __builtin_trap();

  if (target == 0) {  // message 1 as the responder sees it
    if (responder->read_message(fuzzed).ok()) (void)responder->write_message({});
    return 0;
  }
  cloister::Bytes m1 = *initiator->write_message({});
  if (target == 1) {  // message 2 as the initiator sees it
    if (initiator->read_message(fuzzed).ok()) (void)initiator->write_message({});
    return 0;
  }
  if (!responder->read_message(m1).ok()) __builtin_trap();
  cloister::Bytes m2 = *responder->write_message({});
  if (!initiator->read_message(m2).ok()) __builtin_trap();
  if (target == 2) {  // message 3 as the responder sees it
    (void)responder->read_message(fuzzed);
    return 0;
  }
  cloister::Bytes m3 = *initiator->write_message({});
  if (!responder->read_message(m3).ok()) __builtin_trap();
  auto transport = responder->into_transport();
  if (!transport.ok()) __builtin_trap();
  (void)transport->read_message(fuzzed);  // a transport message
  return 0;
}
