// C2SP signed notes (c2sp.org/signed-note): text followed by signature lines,
// verifier keys ("vkeys"), and signers. Two signature types are implemented:
// Ed25519 (0x01), which logs use for checkpoints, and Ed25519 cosignature/v1
// (0x04, c2sp.org/tlog-cosignature), which witnesses use.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "crypto/curve25519.h"

namespace cloister::tlog {

// A whole note (text and signatures) may be at most this long.
inline constexpr size_t kMaxNoteSize = 64 * 1024;
// A note may carry at most this many signatures (the spec requires >= 16).
inline constexpr size_t kMaxNoteSignatures = 64;

enum class KeyType : uint8_t {
  kEd25519 = 0x01,        // signs the note text
  kCosignatureV1 = 0x04,  // signs "cosignature/v1\ntime T\n" + text; carries T
};

// One signature line: "— <name> base64(key id || signature)".
struct NoteSignature {
  std::string name;
  uint32_t key_id = 0;
  Bytes signature;
  bool operator==(const NoteSignature&) const = default;
};

struct Note {
  std::string text;  // ends with a newline
  std::vector<NoteSignature> signatures;
};

// Parses a signed note. Fails with kMalformed unless it is valid UTF-8 with no
// control characters but newlines, its text ends in a newline and is followed
// by a blank line and 1 to kMaxNoteSignatures well-formed signature lines.
Result<Note> parse_note(std::string_view encoded);

// Returns the encoded note: text, a blank line, then one line per signature.
std::string format_note(const Note& note);

// Parses one or more signature lines (each ending in a newline), as a witness
// returns them.
Result<std::vector<NoteSignature>> parse_signature_lines(std::string_view lines);

// Returns the signature line for `signature`, with its final newline.
std::string format_signature_line(const NoteSignature& signature);

// Returns SHA-256(name || "\n" || type || public_key)[:4] as a big-endian integer.
uint32_t compute_key_id(std::string_view name, KeyType type, ByteSpan public_key);

// Returns true if `name` is usable as a key name: non-empty UTF-8 with no
// Unicode spaces, no '+' and no control characters.
bool is_valid_key_name(std::string_view name);

// A public key that verifies note signatures, as pinned by clients.
class NoteVerifier {
 public:
  // Parses a vkey "<name>+<hex key id>+base64(type || public key)". Fails with
  // kMalformed on bad syntax, kUnsupported on an unknown type, and kRejected if
  // the key id is not the one computed from the name, type and key.
  static Result<NoteVerifier> parse(std::string_view vkey);
  // Makes the verifier for `public_key` under `name`.
  static Result<NoteVerifier> create(std::string name, KeyType type,
                                     const crypto::Ed25519PublicKey& public_key);

  const std::string& name() const { return name_; }
  uint32_t key_id() const { return key_id_; }
  KeyType type() const { return type_; }
  const crypto::Ed25519PublicKey& public_key() const { return public_key_; }

  // Returns the vkey text for this key.
  std::string vkey() const;
  // Returns true if `signature` claims to be by this key (same name and id).
  bool matches(const NoteSignature& signature) const;
  // Returns true if `signature` (the bytes after the key id) is valid over
  // note `text`. For cosignatures, the timestamp must be at most 2^63 - 1.
  bool verify(std::string_view text, ByteSpan signature) const;

 private:
  NoteVerifier(std::string name, KeyType type, const crypto::Ed25519PublicKey& public_key);

  std::string name_;
  KeyType type_;
  crypto::Ed25519PublicKey public_key_;
  uint32_t key_id_;
};

// A private key that signs notes.
class NoteSigner {
 public:
  // Returns a fresh random signer named `name`.
  static Result<NoteSigner> generate(std::string name, KeyType type);
  // Parses "PRIVATE+KEY+<name>+<hex key id>+base64(type || 32-byte seed)",
  // the encoding golang.org/x/mod/sumdb/note uses.
  static Result<NoteSigner> parse(std::string_view encoded);

  // Returns the encoded private key (see parse). It is a secret.
  crypto::SecretBytes encode() const;
  const NoteVerifier& verifier() const { return verifier_; }

  // Signs note `text`. Cosigners sign at `timestamp` (POSIX seconds); plain
  // Ed25519 signers ignore it.
  NoteSignature sign(std::string_view text, uint64_t timestamp = 0) const;

 private:
  NoteSigner(crypto::SecretBytes seed, NoteVerifier verifier);

  crypto::SecretBytes seed_;
  NoteVerifier verifier_;
};

// Returns the message a cosignature/v1 signs: the header, the time line and
// the note text.
std::string cosignature_message(std::string_view text, uint64_t timestamp);

// Returns the timestamp carried by a cosignature/v1 signature, if well formed.
std::optional<uint64_t> cosignature_timestamp(ByteSpan signature);

// Returns the positions in `known` of the keys whose signatures on `note`
// verify. Signatures by unknown keys are ignored; a signature that claims a
// known key but does not verify fails the whole note with kRejected.
Result<std::vector<size_t>> verified_signers(const Note& note, std::span<const NoteVerifier> known);

}  // namespace cloister::tlog
