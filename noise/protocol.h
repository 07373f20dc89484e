// Noise protocol names and handshake patterns (Noise Protocol Framework,
// revision 34, sections 7-9 and 18). A protocol name such as
// "Noise_XX_25519_AESGCM_SHA256" parses into a pattern (a list of message
// token sequences) and the three functions it runs on.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "crypto/aead.h"
#include "crypto/hash.h"

namespace cloister::noise {

inline constexpr size_t kMaxMessageSize = 65535;  // every Noise message, handshake or transport
inline constexpr size_t kDhSize = 32;             // X25519 public keys and shared secrets
inline constexpr size_t kKeySize = 32;            // cipher keys and pre-shared keys
inline constexpr size_t kTagSize = 16;            // AEAD tag

enum class DhFunction { k25519 };
enum class CipherFunction { kAesGcm, kChaChaPoly };
enum class HashFunction { kSha256, kSha512, kBlake2b, kBlake2s };

// One handshake token (section 7.1), plus "psk" from section 9.
enum class Token : uint8_t { kE, kS, kEe, kEs, kSe, kSs, kPsk };

// One line of a pattern: who sends it and the tokens it carries.
struct MessagePattern {
  bool from_initiator = true;
  std::vector<Token> tokens;
};

// A handshake pattern with its modifiers applied (e.g. "XX" or "NKpsk0").
struct HandshakePattern {
  std::string name;
  std::vector<Token> initiator_premessage;  // only kE and kS may appear
  std::vector<Token> responder_premessage;
  std::vector<MessagePattern> messages;
  bool one_way = false;  // N, K, X and their modifications: only the initiator sends
  size_t psk_count = 0;  // number of psk tokens; non-zero makes "e" also MixKey
};

// A fully named protocol.
struct Protocol {
  std::string name;
  HandshakePattern pattern;
  DhFunction dh = DhFunction::k25519;
  CipherFunction cipher = CipherFunction::kAesGcm;
  HashFunction hash = HashFunction::kSha256;
};

// Returns the pattern called `name`: a fundamental (section 7.4), one-way
// (7.4) or deferred (18.x) pattern with optional "pskN" modifiers joined by
// '+'. Fails with kUnsupported for unknown patterns or other modifiers.
Result<HandshakePattern> handshake_pattern(std::string_view name);

// Parses "Noise_<pattern>_<dh>_<cipher>_<hash>". Fails with kUnsupported when
// any part names something this implementation lacks (e.g. 448, fallback).
Result<Protocol> parse_protocol_name(std::string_view name);

// Returns HASHLEN: 32 for SHA256 and BLAKE2s, 64 for SHA512 and BLAKE2b.
size_t hash_length(HashFunction hash);

// Returns the crypto/ algorithm that implements `hash`.
crypto::HashAlgorithm hash_algorithm(HashFunction hash);

// Returns the crypto/ algorithm that implements `cipher`.
crypto::AeadAlgorithm aead_algorithm(CipherFunction cipher);

}  // namespace cloister::noise
