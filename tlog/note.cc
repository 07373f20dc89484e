#include "tlog/note.h"

#include <algorithm>

#include "base/encoding.h"
#include "crypto/hash.h"
#include "tlog/utf8.h"

namespace cloister::tlog {
namespace {

constexpr std::string_view kEmDashSpace = "\xe2\x80\x94 ";  // U+2014 then a space
constexpr std::string_view kPrivateKeyPrefix = "PRIVATE+KEY+";
constexpr uint64_t kMaxTimestamp = (uint64_t{1} << 63) - 1;

Error malformed(std::string message) { return Error(ErrorCode::kMalformed, std::move(message)); }

// Returns true if `text` is valid UTF-8 with no control characters but '\n'.
bool is_note_text(std::string_view text) {
  ByteReader reader(as_bytes(text));
  while (!reader.empty()) {
    auto c = read_utf8_char(reader, "note");
    if (!c.ok() || (*c < 0x20 && *c != '\n') || *c == 0x7f) return false;
  }
  return true;
}

Result<uint32_t> parse_key_id_hex(std::string_view hex) {
  bool lower = std::all_of(hex.begin(), hex.end(),
                           [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
  if (hex.size() != 8 || !lower) return malformed("key id must be 8 lower-case hex digits");
  Bytes raw = *hex_decode(hex);
  ByteReader reader(raw);
  return reader.read_u32be("key id");
}

std::string key_id_hex(uint32_t id) {
  ByteWriter writer;
  writer.put_u32be(id);
  return hex_encode(writer.data());
}

Result<NoteSignature> parse_signature_line(std::string_view line) {
  if (!line.starts_with(kEmDashSpace)) {
    return malformed("note signature line does not start with an em dash and a space");
  }
  line.remove_prefix(kEmDashSpace.size());
  size_t space = line.find(' ');
  if (space == std::string_view::npos) return malformed("note signature line has no signature");
  std::string_view name = line.substr(0, space);
  if (!is_valid_key_name(name)) return malformed("note signature has an invalid key name");
  auto decoded = base64_decode(line.substr(space + 1));
  if (!decoded.ok()) return malformed("note signature is not valid base64");
  ByteReader reader(*decoded);
  CLOISTER_ASSIGN_OR_RETURN(uint32_t id, reader.read_u32be("note signature key id"));
  if (reader.empty()) return malformed("note signature is empty");
  return NoteSignature{std::string(name), id, to_bytes(reader.read_rest())};
}

}  // namespace

uint32_t compute_key_id(std::string_view name, KeyType type, ByteSpan public_key) {
  ByteWriter input;
  input.put_string(name);
  input.put_u8('\n');
  input.put_u8(static_cast<uint8_t>(type));
  input.put_bytes(public_key);
  auto digest = crypto::sha256(input.data());
  ByteReader reader(digest);
  return *reader.read_u32be("key id");
}

bool is_valid_key_name(std::string_view name) {
  if (name.empty()) return false;
  ByteReader reader(as_bytes(name));
  while (!reader.empty()) {
    auto c = read_utf8_char(reader, "key name");
    if (!c.ok() || *c < 0x20 || *c == 0x7f || *c == '+' || is_unicode_space(*c)) return false;
  }
  return true;
}

Result<Note> parse_note(std::string_view encoded) {
  if (encoded.size() > kMaxNoteSize) {
    return Error(ErrorCode::kResourceExhausted,
                 "note is larger than " + std::to_string(kMaxNoteSize) + " bytes");
  }
  if (!is_note_text(encoded)) {
    return malformed("note is not UTF-8 text without control characters");
  }
  size_t split = encoded.rfind("\n\n");
  if (split == std::string_view::npos) return malformed("note has no blank line before signatures");
  Note note;
  note.text = std::string(encoded.substr(0, split + 1));
  CLOISTER_ASSIGN_OR_RETURN(note.signatures, parse_signature_lines(encoded.substr(split + 2)));
  return note;
}

Result<std::vector<NoteSignature>> parse_signature_lines(std::string_view lines) {
  if (lines.empty()) return malformed("note has no signatures");
  if (!lines.ends_with('\n')) return malformed("note does not end with a newline");
  std::vector<NoteSignature> signatures;
  while (!lines.empty()) {
    if (signatures.size() == kMaxNoteSignatures) {
      return Error(ErrorCode::kResourceExhausted,
                   "note has more than " + std::to_string(kMaxNoteSignatures) + " signatures");
    }
    size_t end = lines.find('\n');
    CLOISTER_ASSIGN_OR_RETURN(NoteSignature signature, parse_signature_line(lines.substr(0, end)));
    signatures.push_back(std::move(signature));
    lines.remove_prefix(end + 1);
  }
  return signatures;
}

std::string format_signature_line(const NoteSignature& signature) {
  ByteWriter blob;
  blob.put_u32be(signature.key_id);
  blob.put_bytes(signature.signature);
  return std::string(kEmDashSpace) + signature.name + " " + base64_encode(blob.data()) + "\n";
}

std::string format_note(const Note& note) {
  std::string out = note.text + "\n";
  for (const auto& signature : note.signatures) out += format_signature_line(signature);
  return out;
}

NoteVerifier::NoteVerifier(std::string name, KeyType type,
                           const crypto::Ed25519PublicKey& public_key)
    : name_(std::move(name)),
      type_(type),
      public_key_(public_key),
      key_id_(compute_key_id(name_, type, public_key)) {}

Result<NoteVerifier> NoteVerifier::create(std::string name, KeyType type,
                                          const crypto::Ed25519PublicKey& public_key) {
  if (!is_valid_key_name(name)) {
    return Error(ErrorCode::kInvalidArgument, "invalid key name \"" + name + "\"");
  }
  if (type != KeyType::kEd25519 && type != KeyType::kCosignatureV1) {
    return Error(ErrorCode::kUnsupported, "unsupported note key type");
  }
  return NoteVerifier(std::move(name), type, public_key);
}

Result<NoteVerifier> NoteVerifier::parse(std::string_view vkey) {
  size_t first = vkey.find('+');
  size_t second = first == std::string_view::npos ? first : vkey.find('+', first + 1);
  if (second == std::string_view::npos) return malformed("vkey is not name+id+key");
  std::string_view name = vkey.substr(0, first);
  if (!is_valid_key_name(name)) return malformed("vkey has an invalid key name");
  CLOISTER_ASSIGN_OR_RETURN(uint32_t id,
                            parse_key_id_hex(vkey.substr(first + 1, second - first - 1)));
  auto key = base64_decode(vkey.substr(second + 1));
  if (!key.ok()) return malformed("vkey key material is not valid base64");
  ByteReader reader(*key);
  CLOISTER_ASSIGN_OR_RETURN(uint8_t type, reader.read_u8("vkey type"));
  if (type != static_cast<uint8_t>(KeyType::kEd25519) &&
      type != static_cast<uint8_t>(KeyType::kCosignatureV1)) {
    return Error(ErrorCode::kUnsupported,
                 "vkey type " + std::to_string(type) + " is not supported");
  }
  crypto::Ed25519PublicKey public_key{};
  CLOISTER_TRY(reader.read_into(public_key, "vkey Ed25519 public key"));
  CLOISTER_TRY(reader.expect_end("vkey"));
  NoteVerifier verifier(std::string(name), static_cast<KeyType>(type), public_key);
  if (verifier.key_id() != id) {
    return Error(ErrorCode::kRejected, "vkey key id does not match its name and key");
  }
  return verifier;
}

std::string NoteVerifier::vkey() const {
  ByteWriter material;
  material.put_u8(static_cast<uint8_t>(type_));
  material.put_bytes(public_key_);
  return name_ + "+" + key_id_hex(key_id_) + "+" + base64_encode(material.data());
}

bool NoteVerifier::matches(const NoteSignature& signature) const {
  return signature.name == name_ && signature.key_id == key_id_;
}

bool NoteVerifier::verify(std::string_view text, ByteSpan signature) const {
  if (type_ == KeyType::kEd25519)
    return crypto::ed25519_verify(public_key_, as_bytes(text), signature);
  ByteReader reader(signature);
  auto timestamp = reader.read_u64be("cosignature timestamp");
  if (!timestamp.ok() || *timestamp > kMaxTimestamp) return false;
  std::string message = cosignature_message(text, *timestamp);
  return crypto::ed25519_verify(public_key_, as_bytes(message), reader.read_rest());
}

NoteSigner::NoteSigner(crypto::SecretBytes seed, NoteVerifier verifier)
    : seed_(std::move(seed)), verifier_(std::move(verifier)) {}

Result<NoteSigner> NoteSigner::generate(std::string name, KeyType type) {
  crypto::Ed25519KeyPair pair = crypto::ed25519_generate();
  CLOISTER_ASSIGN_OR_RETURN(NoteVerifier verifier,
                            NoteVerifier::create(std::move(name), type, pair.public_key));
  return NoteSigner(std::move(pair.seed), std::move(verifier));
}

Result<NoteSigner> NoteSigner::parse(std::string_view encoded) {
  if (!encoded.starts_with(kPrivateKeyPrefix)) {
    return malformed("private key does not start with PRIVATE+KEY+");
  }
  encoded.remove_prefix(kPrivateKeyPrefix.size());
  size_t first = encoded.find('+');
  size_t second = first == std::string_view::npos ? first : encoded.find('+', first + 1);
  if (second == std::string_view::npos) return malformed("private key is not name+id+key");
  std::string name(encoded.substr(0, first));
  CLOISTER_ASSIGN_OR_RETURN(uint32_t id,
                            parse_key_id_hex(encoded.substr(first + 1, second - first - 1)));
  auto material = base64_decode(encoded.substr(second + 1));
  if (!material.ok()) return malformed("private key material is not valid base64");
  crypto::SecretBytes secret(*material);
  crypto::secure_wipe(*material);
  ByteReader reader(secret.span());
  CLOISTER_ASSIGN_OR_RETURN(uint8_t type, reader.read_u8("private key type"));
  CLOISTER_ASSIGN_OR_RETURN(ByteSpan seed, reader.read_bytes(crypto::kEd25519SeedSize, "seed"));
  CLOISTER_TRY(reader.expect_end("private key"));
  CLOISTER_ASSIGN_OR_RETURN(crypto::Ed25519KeyPair pair, crypto::ed25519_from_seed(seed));
  auto verifier =
      NoteVerifier::create(std::move(name), static_cast<KeyType>(type), pair.public_key);
  if (!verifier.ok()) return verifier.error();
  if (verifier->key_id() != id) {
    return Error(ErrorCode::kRejected, "private key id does not match its name and key");
  }
  return NoteSigner(std::move(pair.seed), std::move(verifier).value());
}

crypto::SecretBytes NoteSigner::encode() const {
  crypto::SecretBytes material(1 + seed_.size());
  material.data()[0] = static_cast<uint8_t>(verifier_.type());
  std::copy(seed_.span().begin(), seed_.span().end(), material.span().begin() + 1);
  std::string text = std::string(kPrivateKeyPrefix) + verifier_.name() + "+" +
                     key_id_hex(verifier_.key_id()) + "+" + base64_encode(material.span());
  crypto::SecretBytes out(as_bytes(text));
  crypto::secure_wipe({reinterpret_cast<uint8_t*>(text.data()), text.size()});
  return out;
}

NoteSignature NoteSigner::sign(std::string_view text, uint64_t timestamp) const {
  NoteSignature out{verifier_.name(), verifier_.key_id(), {}};
  if (verifier_.type() == KeyType::kEd25519) {
    auto signature = crypto::ed25519_sign(seed_, as_bytes(text));
    out.signature.assign(signature.begin(), signature.end());
    return out;
  }
  std::string message = cosignature_message(text, timestamp);
  auto signature = crypto::ed25519_sign(seed_, as_bytes(message));
  ByteWriter writer;
  writer.put_u64be(timestamp);
  writer.put_bytes(signature);
  out.signature = writer.take();
  return out;
}

std::string cosignature_message(std::string_view text, uint64_t timestamp) {
  return "cosignature/v1\ntime " + std::to_string(timestamp) + "\n" + std::string(text);
}

std::optional<uint64_t> cosignature_timestamp(ByteSpan signature) {
  ByteReader reader(signature);
  auto timestamp = reader.read_u64be("cosignature timestamp");
  if (!timestamp.ok() || reader.remaining() != crypto::kEd25519SignatureSize) return std::nullopt;
  return *timestamp;
}

Result<std::vector<size_t>> verified_signers(const Note& note,
                                             std::span<const NoteVerifier> known) {
  std::vector<size_t> verified;
  for (const auto& signature : note.signatures) {
    for (size_t i = 0; i < known.size(); ++i) {
      if (!known[i].matches(signature)) continue;
      if (!known[i].verify(note.text, signature.signature)) {
        return Error(ErrorCode::kRejected, "signature by " + known[i].name() + " is invalid");
      }
      if (std::find(verified.begin(), verified.end(), i) == verified.end()) verified.push_back(i);
    }
  }
  return verified;
}

}  // namespace cloister::tlog
