#include "noise/protocol.h"

#include <array>
#include <charconv>

namespace cloister::noise {
namespace {

// The patterns as the specification writes them: pre-messages before "...",
// then one message per line, lines separated by ';'.
struct PatternText {
  std::string_view name;
  std::string_view premessages;
  std::string_view messages;
};

constexpr std::array<PatternText, 38> kPatterns = {{
    // One-way patterns (section 7.4).
    {"N", "<- s", "-> e, es"},
    {"K", "-> s; <- s", "-> e, es, ss"},
    {"X", "<- s", "-> e, es, s, ss"},
    // Fundamental interactive patterns (section 7.4).
    {"NN", "", "-> e; <- e, ee"},
    {"NK", "<- s", "-> e, es; <- e, ee"},
    {"NX", "", "-> e; <- e, ee, s, es"},
    {"XN", "", "-> e; <- e, ee; -> s, se"},
    {"XK", "<- s", "-> e, es; <- e, ee; -> s, se"},
    {"XX", "", "-> e; <- e, ee, s, es; -> s, se"},
    {"KN", "-> s", "-> e; <- e, ee, se"},
    {"KK", "-> s; <- s", "-> e, es, ss; <- e, ee, se"},
    {"KX", "-> s", "-> e; <- e, ee, se, s, es"},
    {"IN", "", "-> e, s; <- e, ee, se"},
    {"IK", "<- s", "-> e, es, s, ss; <- e, ee, se"},
    {"IX", "", "-> e, s; <- e, ee, se, s, es"},
    // Deferred patterns (section 18.2).
    {"NK1", "<- s", "-> e; <- e, ee, es"},
    {"NX1", "", "-> e; <- e, ee, s; -> es"},
    {"X1N", "", "-> e; <- e, ee; -> s; <- se"},
    {"X1K", "<- s", "-> e, es; <- e, ee; -> s; <- se"},
    {"XK1", "<- s", "-> e; <- e, ee, es; -> s, se"},
    {"X1K1", "<- s", "-> e; <- e, ee, es; -> s; <- se"},
    {"X1X", "", "-> e; <- e, ee, s, es; -> s; <- se"},
    {"XX1", "", "-> e; <- e, ee, s; -> es, s, se"},
    {"X1X1", "", "-> e; <- e, ee, s; -> es, s; <- se"},
    {"K1N", "-> s", "-> e; <- e, ee; -> se"},
    {"K1K", "-> s; <- s", "-> e, es; <- e, ee; -> se"},
    {"KK1", "-> s; <- s", "-> e; <- e, ee, se, es"},
    {"K1K1", "-> s; <- s", "-> e; <- e, ee, es; -> se"},
    {"K1X", "-> s", "-> e; <- e, ee, s, es; -> se"},
    {"KX1", "-> s", "-> e; <- e, ee, se, s; -> es"},
    {"K1X1", "-> s", "-> e; <- e, ee, s; -> se, es"},
    {"I1N", "", "-> e, s; <- e, ee; -> se"},
    {"I1K", "<- s", "-> e, es, s; <- e, ee; -> se"},
    {"IK1", "<- s", "-> e, s; <- e, ee, se, es"},
    {"I1K1", "<- s", "-> e, s; <- e, ee, es; -> se"},
    {"I1X", "", "-> e, s; <- e, ee, s, es; -> se"},
    {"IX1", "", "-> e, s; <- e, ee, se, s; -> es"},
    {"I1X1", "", "-> e, s; <- e, ee, s; -> se, es"},
}};

std::string_view trim(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  return text;
}

// Splits `text` on `separator`; an empty text gives no parts.
std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  if (text.empty()) return parts;
  size_t start = 0;
  while (true) {
    size_t end = text.find(separator, start);
    parts.push_back(trim(text.substr(start, end - start)));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return parts;
}

Token parse_token(std::string_view text) {
  if (text == "e") return Token::kE;
  if (text == "s") return Token::kS;
  if (text == "ee") return Token::kEe;
  if (text == "es") return Token::kEs;
  if (text == "se") return Token::kSe;
  return Token::kSs;  // the table above holds nothing else
}

// Parses one "-> e, es" line of the table.
MessagePattern parse_line(std::string_view line) {
  MessagePattern message;
  message.from_initiator = line.substr(0, 2) == "->";
  for (std::string_view token : split(line.substr(2), ',')) {
    message.tokens.push_back(parse_token(token));
  }
  return message;
}

HandshakePattern from_text(const PatternText& text) {
  HandshakePattern pattern;
  pattern.name = std::string(text.name);
  for (std::string_view line : split(text.premessages, ';')) {
    MessagePattern pre = parse_line(line);
    (pre.from_initiator ? pattern.initiator_premessage : pattern.responder_premessage) =
        std::move(pre.tokens);
  }
  for (std::string_view line : split(text.messages, ';')) {
    pattern.messages.push_back(parse_line(line));
  }
  pattern.one_way = pattern.messages.size() == 1 && text.name.size() == 1;
  return pattern;
}

// Applies one "pskN" modifier (section 9.2): psk0 goes first in the first
// message, pskN last in message N.
Status apply_psk(HandshakePattern& pattern, std::string_view modifier) {
  bool is_psk = modifier.size() > 3 && modifier.substr(0, 3) == "psk";
  std::string_view digits = is_psk ? modifier.substr(3) : std::string_view();
  size_t position = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), position);
  if (!is_psk || ec != std::errc() || end != digits.data() + digits.size() ||
      position > pattern.messages.size()) {
    return Error(ErrorCode::kUnsupported,
                 "unsupported Noise pattern modifier '" + std::string(modifier) + "'");
  }
  if (position == 0) {
    auto& tokens = pattern.messages.front().tokens;
    tokens.insert(tokens.begin(), Token::kPsk);
  } else {
    pattern.messages[position - 1].tokens.push_back(Token::kPsk);
  }
  ++pattern.psk_count;
  return ok_status();
}

}  // namespace

Result<HandshakePattern> handshake_pattern(std::string_view name) {
  size_t base_length = 0;
  while (base_length < name.size() && (name[base_length] < 'a' || name[base_length] > 'z')) {
    ++base_length;
  }
  std::string_view base = name.substr(0, base_length);
  for (const PatternText& text : kPatterns) {
    if (text.name != base) continue;
    HandshakePattern pattern = from_text(text);
    if (base_length < name.size()) {
      for (std::string_view modifier : split(name.substr(base_length), '+')) {
        CLOISTER_TRY(apply_psk(pattern, modifier));
      }
    }
    pattern.name = std::string(name);
    return pattern;
  }
  return Error(ErrorCode::kUnsupported, "unknown Noise pattern '" + std::string(base) + "'");
}

Result<Protocol> parse_protocol_name(std::string_view name) {
  std::vector<std::string_view> parts = split(name, '_');
  if (parts.size() != 5 || parts[0] != "Noise") {
    return Error(ErrorCode::kMalformed,
                 "'" + std::string(name) + "' is not Noise_<pattern>_<dh>_<cipher>_<hash>");
  }
  Protocol protocol;
  protocol.name = std::string(name);
  CLOISTER_ASSIGN_OR_RETURN(protocol.pattern, handshake_pattern(parts[1]));
  if (parts[2] != "25519") {
    return Error(ErrorCode::kUnsupported,
                 "unsupported DH function '" + std::string(parts[2]) + "'");
  }
  if (parts[3] == "AESGCM") {
    protocol.cipher = CipherFunction::kAesGcm;
  } else if (parts[3] == "ChaChaPoly") {
    protocol.cipher = CipherFunction::kChaChaPoly;
  } else {
    return Error(ErrorCode::kUnsupported, "unsupported cipher '" + std::string(parts[3]) + "'");
  }
  if (parts[4] == "SHA256") {
    protocol.hash = HashFunction::kSha256;
  } else if (parts[4] == "SHA512") {
    protocol.hash = HashFunction::kSha512;
  } else if (parts[4] == "BLAKE2b") {
    protocol.hash = HashFunction::kBlake2b;
  } else if (parts[4] == "BLAKE2s") {
    protocol.hash = HashFunction::kBlake2s;
  } else {
    return Error(ErrorCode::kUnsupported, "unsupported hash '" + std::string(parts[4]) + "'");
  }
  return protocol;
}

size_t hash_length(HashFunction hash) {
  return hash == HashFunction::kSha512 || hash == HashFunction::kBlake2b ? 64 : 32;
}

crypto::HashAlgorithm hash_algorithm(HashFunction hash) {
  switch (hash) {
    case HashFunction::kSha256: return crypto::HashAlgorithm::kSha256;
    case HashFunction::kSha512: return crypto::HashAlgorithm::kSha512;
    case HashFunction::kBlake2b: return crypto::HashAlgorithm::kBlake2b512;
    case HashFunction::kBlake2s: return crypto::HashAlgorithm::kBlake2s256;
  }
  return crypto::HashAlgorithm::kSha256;
}

crypto::AeadAlgorithm aead_algorithm(CipherFunction cipher) {
  return cipher == CipherFunction::kAesGcm ? crypto::AeadAlgorithm::kAes256Gcm
                                           : crypto::AeadAlgorithm::kChaCha20Poly1305;
}

}  // namespace cloister::noise
