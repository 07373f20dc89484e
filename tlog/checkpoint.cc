#include "tlog/checkpoint.h"

#include <algorithm>

#include "base/encoding.h"

namespace cloister::tlog {
namespace {

constexpr std::string_view kTlogProofHeader = "c2sp.org/tlog-proof@v1";

Error malformed(std::string message) { return Error(ErrorCode::kMalformed, std::move(message)); }

// Splits off the next newline-terminated line of `text`, without its newline.
Result<std::string_view> next_line(std::string_view& text, std::string_view what) {
  size_t end = text.find('\n');
  if (end == std::string_view::npos)
    return malformed(std::string(what) + " does not end in a newline");
  std::string_view line = text.substr(0, end);
  text.remove_prefix(end + 1);
  return line;
}

Result<Hash> parse_hash(std::string_view text, std::string_view what) {
  auto raw = base64_decode(text);
  if (!raw.ok() || raw->size() != sizeof(Hash)) {
    return malformed(std::string(what) + " is not a base64 SHA-256 hash");
  }
  Hash hash{};
  std::copy(raw->begin(), raw->end(), hash.begin());
  return hash;
}

}  // namespace

Result<uint64_t> parse_decimal(std::string_view text, std::string_view what) {
  bool digits = !text.empty() && text.size() <= 20 &&
                std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!digits || (text.size() > 1 && text[0] == '0')) {
    return malformed(std::string(what) + " is not a decimal number without leading zeros");
  }
  uint64_t value = 0;
  for (char c : text) {
    auto digit = static_cast<uint64_t>(c - '0');
    if (value > (UINT64_MAX - digit) / 10) return malformed(std::string(what) + " is too large");
    value = value * 10 + digit;
  }
  return value;
}

Result<Checkpoint> parse_checkpoint_text(std::string_view text) {
  Checkpoint checkpoint;
  CLOISTER_ASSIGN_OR_RETURN(std::string_view origin, next_line(text, "checkpoint origin"));
  if (origin.empty()) return malformed("checkpoint origin is empty");
  checkpoint.origin = std::string(origin);
  CLOISTER_ASSIGN_OR_RETURN(std::string_view size, next_line(text, "checkpoint size"));
  CLOISTER_ASSIGN_OR_RETURN(checkpoint.size, parse_decimal(size, "checkpoint size"));
  CLOISTER_ASSIGN_OR_RETURN(std::string_view root, next_line(text, "checkpoint root hash"));
  CLOISTER_ASSIGN_OR_RETURN(checkpoint.root, parse_hash(root, "checkpoint root hash"));
  while (!text.empty()) {
    CLOISTER_ASSIGN_OR_RETURN(std::string_view line, next_line(text, "checkpoint extension"));
    if (line.empty()) return malformed("checkpoint extension line is empty");
    checkpoint.extensions.emplace_back(line);
  }
  return checkpoint;
}

std::string format_checkpoint_text(const Checkpoint& checkpoint) {
  std::string out = checkpoint.origin + "\n" + std::to_string(checkpoint.size) + "\n" +
                    base64_encode(checkpoint.root) + "\n";
  for (const auto& line : checkpoint.extensions) out += line + "\n";
  return out;
}

Result<SignedCheckpoint> open_checkpoint(std::string_view encoded, const NoteVerifier& log_key) {
  SignedCheckpoint out;
  CLOISTER_ASSIGN_OR_RETURN(out.note, parse_note(encoded));
  CLOISTER_ASSIGN_OR_RETURN(out.checkpoint, parse_checkpoint_text(out.note.text));
  if (out.checkpoint.origin != log_key.name()) {
    return Error(ErrorCode::kRejected, "checkpoint origin \"" + out.checkpoint.origin +
                                           "\" is not the log \"" + log_key.name() + "\"");
  }
  auto signers = verified_signers(out.note, {&log_key, 1});
  if (!signers.ok()) return signers.error();
  if (signers->empty()) {
    return Error(ErrorCode::kRejected, "checkpoint carries no signature by the log key");
  }
  return out;
}

Result<std::vector<Hash>> parse_hash_lines(std::string_view text) {
  std::vector<Hash> hashes;
  while (!text.empty()) {
    if (hashes.size() == kMaxProofHashes) return malformed("proof has too many hashes");
    CLOISTER_ASSIGN_OR_RETURN(std::string_view line, next_line(text, "proof hash"));
    CLOISTER_ASSIGN_OR_RETURN(Hash hash, parse_hash(line, "proof hash"));
    hashes.push_back(hash);
  }
  return hashes;
}

std::string format_hash_lines(std::span<const Hash> hashes) {
  std::string out;
  for (const Hash& hash : hashes) out += base64_encode(hash) + "\n";
  return out;
}

Result<TlogProof> parse_tlog_proof(std::string_view text) {
  if (text.size() > kMaxNoteSize + 8 * 1024) {
    return Error(ErrorCode::kResourceExhausted, "tlog proof is too large");
  }
  TlogProof proof;
  CLOISTER_ASSIGN_OR_RETURN(std::string_view header, next_line(text, "tlog proof header"));
  if (header != kTlogProofHeader)
    return malformed("tlog proof does not start with " + std::string(kTlogProofHeader));
  CLOISTER_ASSIGN_OR_RETURN(std::string_view line, next_line(text, "tlog proof"));
  if (line.starts_with("extra ")) {
    auto extra = base64_decode(line.substr(6));
    if (!extra.ok()) return malformed("tlog proof extra data is not valid base64");
    proof.extra = std::move(extra).value();
    CLOISTER_ASSIGN_OR_RETURN(line, next_line(text, "tlog proof index"));
  }
  if (!line.starts_with("index ")) return malformed("tlog proof has no index line");
  CLOISTER_ASSIGN_OR_RETURN(proof.index, parse_decimal(line.substr(6), "tlog proof index"));
  while (true) {
    CLOISTER_ASSIGN_OR_RETURN(line, next_line(text, "tlog proof"));
    if (line.empty()) break;
    if (proof.inclusion.size() == kMaxProofHashes)
      return malformed("tlog proof has too many hashes");
    CLOISTER_ASSIGN_OR_RETURN(Hash hash, parse_hash(line, "tlog proof hash"));
    proof.inclusion.push_back(hash);
  }
  CLOISTER_ASSIGN_OR_RETURN(Note note, parse_note(text));
  CLOISTER_TRY(parse_checkpoint_text(note.text));
  proof.checkpoint = std::string(text);
  return proof;
}

std::string format_tlog_proof(const TlogProof& proof) {
  std::string out = std::string(kTlogProofHeader) + "\n";
  if (proof.extra) out += "extra " + base64_encode(*proof.extra) + "\n";
  out += "index " + std::to_string(proof.index) + "\n";
  out += format_hash_lines(proof.inclusion);
  out += "\n" + proof.checkpoint;
  return out;
}

}  // namespace cloister::tlog
