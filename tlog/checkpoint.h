// C2SP checkpoints (c2sp.org/tlog-checkpoint): the note text naming a log's
// origin, tree size and root hash; and C2SP tlog proofs (c2sp.org/tlog-proof):
// an entry's index and inclusion proof with the checkpoint that proves it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tlog/merkle.h"
#include "tlog/note.h"

namespace cloister::tlog {

struct Checkpoint {
  std::string origin;
  uint64_t size = 0;
  Hash root{};
  std::vector<std::string> extensions;  // opaque extra lines; Cloister writes none
  bool operator==(const Checkpoint&) const = default;
};

// Parses checkpoint note text: origin, decimal size without leading zeros,
// base64 root hash, then optional non-empty extension lines, each ending in a
// newline. Fails with kMalformed otherwise.
Result<Checkpoint> parse_checkpoint_text(std::string_view text);

// Returns the note text of `checkpoint`.
std::string format_checkpoint_text(const Checkpoint& checkpoint);

// A checkpoint whose note has been checked against the log's key.
struct SignedCheckpoint {
  Checkpoint checkpoint;
  Note note;
};

// Parses a signed checkpoint note and checks that `log_key` signed it and that
// its origin is the key's name. Signatures by other keys (e.g. witnesses) are
// kept but not checked. Fails with kMalformed or kRejected.
Result<SignedCheckpoint> open_checkpoint(std::string_view encoded, const NoteVerifier& log_key);

// Parses a decimal unsigned integer without leading zeros or sign.
Result<uint64_t> parse_decimal(std::string_view text, std::string_view what);

// A C2SP tlog proof: "c2sp.org/tlog-proof@v1", optional "extra" data, the
// entry index and inclusion proof, a blank line, then the signed checkpoint.
struct TlogProof {
  std::optional<Bytes> extra;
  uint64_t index = 0;
  std::vector<Hash> inclusion;
  std::string checkpoint;  // the signed checkpoint note, verbatim
};

// Parses a tlog proof. Fails with kMalformed on any deviation from the format
// (the embedded checkpoint is parsed but not verified here).
Result<TlogProof> parse_tlog_proof(std::string_view text);

// Returns the text of `proof`.
std::string format_tlog_proof(const TlogProof& proof);

// Parses proof hashes given one base64 hash per line, each ending in a
// newline, at most kMaxProofHashes of them.
Result<std::vector<Hash>> parse_hash_lines(std::string_view text);

// Returns one base64 line per hash.
std::string format_hash_lines(std::span<const Hash> hashes);

}  // namespace cloister::tlog
