// C2SP tiled logs (c2sp.org/tlog-tiles): the static files that hold a Merkle
// tree ("tiles" of 256 hashes) and its entries ("entry bundles"), their paths,
// and a NodeHashReader that answers proof queries from them. Tiles can come
// from a directory, memory, or an HTTP client; nothing read is trusted until a
// proof built from it verifies against a signed checkpoint.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "tlog/merkle.h"

namespace cloister::tlog {

inline constexpr int kTileHeight = 8;
inline constexpr uint64_t kTileWidth = 256;  // hashes in a full tile
inline constexpr size_t kMaxEntrySize = 65535;

// Returns the <N> path element for tile index `n`: 3-digit groups, all but the
// last prefixed with 'x' (1234067 -> "x001/x234/067").
std::string tile_index_path(uint64_t n);

// Returns "tile/<level>/<N>", with ".p/<width>" when width < 256.
std::string tile_path(int level, uint64_t n, uint64_t width);

// Returns "tile/entries/<N>", with ".p/<width>" when width < 256.
std::string entry_bundle_path(uint64_t n, uint64_t width);

// Returns how many hashes tile `n` at `level` holds in a tree of `tree_size`
// leaves: 256 for a full tile, 1..255 for the partial one, 0 if there is none.
uint64_t tile_width(int level, uint64_t n, uint64_t tree_size);

// Splits an entry bundle into its entries (each a big-endian uint16 length
// and that many bytes). Fails with kMalformed on trailing or missing bytes.
Result<std::vector<Bytes>> parse_entry_bundle(ByteSpan bundle);

// Appends `entry` to an entry bundle. Fails if it is longer than 65535 bytes.
Status append_to_entry_bundle(Bytes& bundle, ByteSpan entry);

// Reads the files of a tiled log by their path relative to the log prefix.
class TileReader {
 public:
  virtual ~TileReader() = default;
  // Returns the file at `path` (e.g. "tile/0/000.p/5"), kNotFound if absent.
  virtual Result<Bytes> read(const std::string& path) = 0;
};

// Reads tiles from a local directory (a log written by LogDirectory, or a
// mirror of one).
class DirectoryTileReader final : public TileReader {
 public:
  explicit DirectoryTileReader(std::filesystem::path root) : root_(std::move(root)) {}
  // Reads root/path; refuses absolute paths and paths with "..".
  Result<Bytes> read(const std::string& path) override;

 private:
  std::filesystem::path root_;
};

// A tiled log's files that can also be written.
class TileStorage : public TileReader {
 public:
  // Stores `data` at `path`, replacing any file there atomically.
  virtual Status write(const std::string& path, ByteSpan data) = 0;
};

// Tiles in memory: for tests, and for building a log before publishing it.
class MemoryTileStorage final : public TileStorage {
 public:
  Result<Bytes> read(const std::string& path) override;
  Status write(const std::string& path, ByteSpan data) override;
  // Returns every stored file by path, for inspection and tampering in tests.
  std::map<std::string, Bytes>& files() { return files_; }

 private:
  std::map<std::string, Bytes> files_;
};

// Answers node_hash() for the tree of `tree_size` leaves from the tiles that
// tree needs. A partial tile that is gone is read from the full tile that
// replaced it. Tiles are cached for the reader's lifetime.
class TiledHashReader final : public NodeHashReader {
 public:
  // Reads from `tiles`, which must outlive the reader.
  TiledHashReader(TileReader& tiles, uint64_t tree_size) : tiles_(tiles), tree_size_(tree_size) {}
  // Fails with kNotFound for a subtree that is not complete in this tree, or
  // with the tile reader's error, or kMalformed for a tile of the wrong size.
  Result<Hash> node_hash(int level, uint64_t index) override;

 private:
  Result<const std::vector<Hash>*> tile(int tile_level, uint64_t n);

  TileReader& tiles_;
  uint64_t tree_size_;
  std::map<std::pair<int, uint64_t>, std::vector<Hash>> cache_;
};

// Returns entry `index` of the tree of `tree_size` leaves, from its entry
// bundle. The caller verifies it against the tree (see ReleaseProof).
Result<Bytes> read_entry(TileReader& tiles, uint64_t index, uint64_t tree_size);

}  // namespace cloister::tlog
