// A transparency log kept in a directory in the tlog-tiles layout, ready to be
// served as static files: "checkpoint", "tile/<L>/<N>[.p/<W>]" and
// "tile/entries/<N>[.p/<W>]". Writers take an exclusive lock on ".lock" and
// write every file atomically, the checkpoint last, so concurrent appenders
// take turns and readers only ever see a complete tree.
#pragma once

#include <filesystem>
#include <span>
#include <string>

#include "tlog/checkpoint.h"
#include "tlog/tiles.h"

namespace cloister::tlog {

class LogDirectory {
 public:
  // Creates a new, empty log at `root` whose origin is the signer's name, and
  // writes its first checkpoint (size 0). Fails with kAlreadyExists if `root`
  // already holds a log.
  static Result<LogDirectory> create(const std::filesystem::path& root, const NoteSigner& signer);

  // Opens the existing log at `root`. Fails with kNotFound if there is none.
  static Result<LogDirectory> open(const std::filesystem::path& root);

  // Returns the log's directory.
  const std::filesystem::path& root() const { return root_; }

  // Returns the current signed checkpoint note.
  Result<std::string> read_checkpoint() const;

  struct Appended {
    uint64_t first_index = 0;  // the index of entries[0]
    std::string checkpoint;    // the new signed checkpoint note
  };

  // Appends `entries` (each at most 65535 bytes), writes their tiles and entry
  // bundles, and signs and publishes the new checkpoint. The checkpoint on
  // disk must verify under `signer`'s key. Witness cosignatures of the
  // previous checkpoint do not carry over.
  Result<Appended> append(std::span<const Bytes> entries, const NoteSigner& signer);

  // Adds witness cosignatures to the current checkpoint. Each must be by one of
  // `witnesses` and verify over the current checkpoint; a newer signature by
  // the same witness replaces an older one. Fails with kRejected otherwise.
  Status add_cosignatures(std::span<const NoteSignature> cosignatures,
                          std::span<const NoteVerifier> witnesses);

  // Returns a reader over this log's tiles.
  DirectoryTileReader tiles() const { return DirectoryTileReader(root_); }

 private:
  explicit LogDirectory(std::filesystem::path root) : root_(std::move(root)) {}

  std::filesystem::path root_;
};

// Tile storage in a directory, writing each file atomically.
class DirectoryTileStorage final : public TileStorage {
 public:
  explicit DirectoryTileStorage(std::filesystem::path root)
      : root_(std::move(root)), reader_(root_) {}
  Result<Bytes> read(const std::string& path) override { return reader_.read(path); }
  Status write(const std::string& path, ByteSpan data) override;

 private:
  std::filesystem::path root_;
  DirectoryTileReader reader_;
};

}  // namespace cloister::tlog
