#include "tlog/witness.h"

#include <system_error>

#include "base/encoding.h"
#include "base/files.h"
#include "tlog/file_lock.h"

namespace cloister::tlog {
namespace {

Error malformed(std::string message) { return Error(ErrorCode::kMalformed, std::move(message)); }

std::filesystem::path state_file(const std::filesystem::path& state_dir, std::string_view origin) {
  // Origins are URL-like; hashing them gives a safe, fixed-length file name.
  return state_dir / (hex_encode(crypto::sha256(as_bytes(origin))) + ".checkpoint");
}

}  // namespace

Result<AddCheckpointRequest> parse_add_checkpoint_request(std::string_view body) {
  if (body.size() > kMaxNoteSize + 8 * 1024) {
    return Error(ErrorCode::kResourceExhausted, "add-checkpoint request is too large");
  }
  AddCheckpointRequest request;
  size_t blank = body.find("\n\n");
  if (blank == std::string_view::npos) return malformed("add-checkpoint request has no blank line");
  std::string_view head = body.substr(0, blank + 1);
  size_t end = head.find('\n');
  std::string_view old_line = head.substr(0, end);
  if (!old_line.starts_with("old "))
    return malformed("add-checkpoint request has no old size line");
  CLOISTER_ASSIGN_OR_RETURN(request.old_size, parse_decimal(old_line.substr(4), "old size"));
  CLOISTER_ASSIGN_OR_RETURN(request.consistency_proof, parse_hash_lines(head.substr(end + 1)));
  request.checkpoint = std::string(body.substr(blank + 2));
  return request;
}

std::string format_add_checkpoint_request(const AddCheckpointRequest& request) {
  return "old " + std::to_string(request.old_size) + "\n" +
         format_hash_lines(request.consistency_proof) + "\n" + request.checkpoint;
}

Result<Witness> Witness::create(NoteSigner cosigner, std::vector<NoteVerifier> logs,
                                std::filesystem::path state_dir, const Clock& clock) {
  if (cosigner.verifier().type() != KeyType::kCosignatureV1) {
    return Error(ErrorCode::kInvalidArgument, "a witness cosigns with a cosignature/v1 key");
  }
  for (const auto& key : logs) {
    if (key.type() != KeyType::kEd25519) {
      return Error(ErrorCode::kInvalidArgument, "log key " + key.name() + " is not an Ed25519 key");
    }
  }
  return Witness(std::move(cosigner), std::move(logs), std::move(state_dir), clock);
}

Witness::Witness(NoteSigner cosigner, std::vector<NoteVerifier> logs,
                 std::filesystem::path state_dir, const Clock& clock)
    : cosigner_(std::move(cosigner)),
      logs_(std::move(logs)),
      state_dir_(std::move(state_dir)),
      clock_(clock) {}

Result<Checkpoint> read_witness_state(const std::filesystem::path& state_dir,
                                      std::string_view origin) {
  auto text = read_text_file(state_file(state_dir, origin), kMaxNoteSize);
  if (!text.ok() && text.error().code() == ErrorCode::kNotFound) {
    return Checkpoint{std::string(origin), 0, empty_tree_hash(), {}};
  }
  if (!text.ok()) return text.error();
  CLOISTER_ASSIGN_OR_RETURN(Checkpoint state, parse_checkpoint_text(*text));
  if (state.origin != origin) {
    return Error(ErrorCode::kInternal, "witness state for " + std::string(origin) + " is corrupt");
  }
  return state;
}

Result<uint64_t> Witness::latest_size(std::string_view origin) const {
  CLOISTER_ASSIGN_OR_RETURN(Checkpoint state, read_witness_state(state_dir_, origin));
  return state.size;
}

Result<std::string> Witness::add_checkpoint(std::string_view request_body) {
  CLOISTER_ASSIGN_OR_RETURN(AddCheckpointRequest request,
                            parse_add_checkpoint_request(request_body));
  CLOISTER_ASSIGN_OR_RETURN(Note note, parse_note(request.checkpoint));
  CLOISTER_ASSIGN_OR_RETURN(Checkpoint checkpoint, parse_checkpoint_text(note.text));

  std::vector<NoteVerifier> log_keys;
  for (const auto& key : logs_) {
    if (key.name() == checkpoint.origin) log_keys.push_back(key);
  }
  if (log_keys.empty()) {
    return Error(ErrorCode::kNotFound, "unknown log origin \"" + checkpoint.origin + "\"");
  }
  auto signers = verified_signers(note, log_keys);
  if (!signers.ok() || signers->empty()) {
    return Error(ErrorCode::kPermissionDenied,
                 signers.ok() ? "checkpoint carries no signature by a known log key"
                              : signers.error().message());
  }
  if (request.old_size > checkpoint.size) {
    return Error(ErrorCode::kInvalidArgument, "old size exceeds the checkpoint size");
  }
  if (checkpoint.size == 0 && checkpoint.root != empty_tree_hash()) {
    return Error(ErrorCode::kRejected, "empty checkpoint does not have the empty tree hash");
  }

  std::error_code dir_error;
  std::filesystem::create_directories(state_dir_, dir_error);
  if (dir_error) {
    return Error(ErrorCode::kIo,
                 "cannot create " + state_dir_.string() + ": " + dir_error.message());
  }
  CLOISTER_ASSIGN_OR_RETURN(FileLock lock, FileLock::acquire(state_dir_ / ".lock"));
  CLOISTER_ASSIGN_OR_RETURN(Checkpoint state, read_witness_state(state_dir_, checkpoint.origin));
  if (request.old_size != state.size) {
    return Error(ErrorCode::kConflict, "witness last cosigned size " + std::to_string(state.size) +
                                           ", not " + std::to_string(request.old_size));
  }
  auto consistent = verify_consistency(state.size, checkpoint.size, state.root, checkpoint.root,
                                       request.consistency_proof);
  if (!consistent.ok()) {
    return Error(ErrorCode::kRejected, "checkpoint is not consistent with the one last cosigned: " +
                                           consistent.error().message());
  }
  Checkpoint stored{checkpoint.origin, checkpoint.size, checkpoint.root, {}};
  CLOISTER_TRY(write_file_atomically(state_file(state_dir_, checkpoint.origin),
                                     as_bytes(format_checkpoint_text(stored))));
  auto now = unix_seconds(clock_.now());
  NoteSignature cosignature = cosigner_.sign(note.text, static_cast<uint64_t>(now < 0 ? 0 : now));
  return format_signature_line(cosignature);
}

int witness_http_status(const Error& error) {
  switch (error.code()) {
    case ErrorCode::kMalformed:
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kResourceExhausted: return 400;
    case ErrorCode::kPermissionDenied: return 403;
    case ErrorCode::kNotFound: return 404;
    case ErrorCode::kConflict: return 409;
    case ErrorCode::kRejected: return 422;
    default: return 500;
  }
}

}  // namespace cloister::tlog
