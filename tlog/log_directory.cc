#include "tlog/log_directory.h"

#include <system_error>

#include "base/files.h"
#include "tlog/file_lock.h"
#include "tlog/tile_writer.h"

namespace cloister::tlog {
namespace {

constexpr const char* kCheckpointFile = "checkpoint";
constexpr const char* kLockFile = ".lock";

Status make_directories(const std::filesystem::path& path) {
  std::error_code error;
  std::filesystem::create_directories(path, error);
  if (error)
    return Error(ErrorCode::kIo, "cannot create " + path.string() + ": " + error.message());
  return ok_status();
}

}  // namespace

Status DirectoryTileStorage::write(const std::string& path, ByteSpan data) {
  std::filesystem::path target = root_ / path;
  CLOISTER_TRY(make_directories(target.parent_path()));
  return write_file_atomically(target, data);
}

Result<LogDirectory> LogDirectory::create(const std::filesystem::path& root,
                                          const NoteSigner& signer) {
  if (signer.verifier().type() != KeyType::kEd25519) {
    return Error(ErrorCode::kInvalidArgument, "a log signs checkpoints with an Ed25519 note key");
  }
  CLOISTER_TRY(make_directories(root));
  CLOISTER_ASSIGN_OR_RETURN(FileLock lock, FileLock::acquire(root / kLockFile));
  if (std::filesystem::exists(root / kCheckpointFile)) {
    return Error(ErrorCode::kAlreadyExists, root.string() + " already holds a log");
  }
  Checkpoint empty{signer.verifier().name(), 0, empty_tree_hash(), {}};
  Note note{format_checkpoint_text(empty), {}};
  note.signatures.push_back(signer.sign(note.text));
  CLOISTER_TRY(write_file_atomically(root / kCheckpointFile, as_bytes(format_note(note))));
  return LogDirectory(root);
}

Result<LogDirectory> LogDirectory::open(const std::filesystem::path& root) {
  if (!std::filesystem::exists(root / kCheckpointFile)) {
    return Error(ErrorCode::kNotFound, root.string() + " holds no log (no checkpoint file)");
  }
  return LogDirectory(root);
}

Result<std::string> LogDirectory::read_checkpoint() const {
  return read_text_file(root_ / kCheckpointFile, kMaxNoteSize);
}

Result<LogDirectory::Appended> LogDirectory::append(std::span<const Bytes> entries,
                                                    const NoteSigner& signer) {
  CLOISTER_ASSIGN_OR_RETURN(FileLock lock, FileLock::acquire(root_ / kLockFile));
  CLOISTER_ASSIGN_OR_RETURN(std::string current_note, read_checkpoint());
  auto current = open_checkpoint(current_note, signer.verifier());
  if (!current.ok()) {
    return current.error().with_context("the log's checkpoint does not verify under this key");
  }
  DirectoryTileStorage storage(root_);
  CLOISTER_ASSIGN_OR_RETURN(Checkpoint next,
                            append_to_tiles(storage, current->checkpoint, entries));
  Note note{format_checkpoint_text(next), {}};
  note.signatures.push_back(signer.sign(note.text));
  std::string encoded = format_note(note);
  CLOISTER_TRY(write_file_atomically(root_ / kCheckpointFile, as_bytes(encoded)));
  return Appended{current->checkpoint.size, std::move(encoded)};
}

Status LogDirectory::add_cosignatures(std::span<const NoteSignature> cosignatures,
                                      std::span<const NoteVerifier> witnesses) {
  CLOISTER_ASSIGN_OR_RETURN(FileLock lock, FileLock::acquire(root_ / kLockFile));
  CLOISTER_ASSIGN_OR_RETURN(std::string current, read_checkpoint());
  CLOISTER_ASSIGN_OR_RETURN(Note note, parse_note(current));
  for (const NoteSignature& cosignature : cosignatures) {
    const NoteVerifier* witness = nullptr;
    for (const NoteVerifier& candidate : witnesses) {
      if (candidate.matches(cosignature)) witness = &candidate;
    }
    if (witness == nullptr) {
      return Error(ErrorCode::kRejected,
                   "cosignature by " + cosignature.name + " is not from a listed witness key");
    }
    if (!witness->verify(note.text, cosignature.signature)) {
      return Error(ErrorCode::kRejected, "cosignature by " + cosignature.name +
                                             " does not verify over the current checkpoint");
    }
    std::erase_if(note.signatures, [&](const NoteSignature& s) { return witness->matches(s); });
    note.signatures.push_back(cosignature);
  }
  if (note.signatures.size() > kMaxNoteSignatures) {
    return Error(ErrorCode::kResourceExhausted, "checkpoint would carry too many signatures");
  }
  return write_file_atomically(root_ / kCheckpointFile, as_bytes(format_note(note)));
}

}  // namespace cloister::tlog
