#include "tlog/tile_writer.h"

namespace cloister::tlog {
namespace {

// The number of stored hashes at tile level `level` for a tree of `size` leaves.
uint64_t hashes_at(int level, uint64_t size) {
  return level * kTileHeight >= 64 ? 0 : size >> (level * kTileHeight);
}

Hash full_tile_hash(std::vector<Hash> row) {
  while (row.size() > 1) {
    for (size_t i = 0; i < row.size() / 2; ++i) row[i] = interior_hash(row[2 * i], row[2 * i + 1]);
    row.resize(row.size() / 2);
  }
  return row[0];
}

Bytes concat(const std::vector<Hash>& hashes) {
  ByteWriter writer;
  for (const Hash& hash : hashes) writer.put_bytes(hash);
  return writer.take();
}

// The rightmost, partial tiles of a tree: what appending extends.
struct RightEdge {
  std::vector<std::vector<Hash>> levels;
  Bytes bundle;
};

Result<RightEdge> load_right_edge(TileStorage& storage, uint64_t size) {
  RightEdge edge;
  for (int level = 0; hashes_at(level, size) > 0; ++level) {
    uint64_t count = hashes_at(level, size);
    uint64_t width = count % kTileWidth;
    edge.levels.emplace_back();
    if (width == 0) continue;
    std::string path = tile_path(level, count / kTileWidth, width);
    CLOISTER_ASSIGN_OR_RETURN(Bytes data, storage.read(path));
    ByteReader reader(data);
    edge.levels.back().resize(width);
    for (Hash& hash : edge.levels.back()) CLOISTER_TRY(reader.read_into(hash, path));
    CLOISTER_TRY(reader.expect_end(path));
  }
  if (uint64_t width = size % kTileWidth; width > 0) {
    CLOISTER_ASSIGN_OR_RETURN(edge.bundle,
                              storage.read(entry_bundle_path(size / kTileWidth, width)));
  }
  return edge;
}

}  // namespace

Result<Checkpoint> append_to_tiles(TileStorage& storage, const Checkpoint& current,
                                   std::span<const Bytes> entries) {
  TiledHashReader existing(storage, current.size);
  auto root = tree_root(existing, current.size);
  if (!root.ok() || *root != current.root) {
    return Error(ErrorCode::kFailedPrecondition,
                 "the stored tiles do not match the log's checkpoint" +
                     (root.ok() ? std::string() : ": " + root.error().message()));
  }
  CLOISTER_ASSIGN_OR_RETURN(RightEdge edge, load_right_edge(storage, current.size));
  uint64_t size = current.size;
  for (const Bytes& entry : entries) {
    CLOISTER_TRY(append_to_entry_bundle(edge.bundle, entry));
    if (edge.levels.empty()) edge.levels.emplace_back();
    edge.levels[0].push_back(leaf_hash(entry));
    ++size;
    if (size % kTileWidth == 0) {
      CLOISTER_TRY(
          storage.write(entry_bundle_path(size / kTileWidth - 1, kTileWidth), edge.bundle));
      edge.bundle.clear();
    }
    // Every tile this leaf fills is written whole, and its hash carried up.
    for (int level = 0; edge.levels[level].size() == kTileWidth; ++level) {
      uint64_t n = hashes_at(level, size) / kTileWidth - 1;
      CLOISTER_TRY(storage.write(tile_path(level, n, kTileWidth), concat(edge.levels[level])));
      Hash carried = full_tile_hash(std::move(edge.levels[level]));
      edge.levels[level].clear();
      if (edge.levels.size() == static_cast<size_t>(level) + 1) edge.levels.emplace_back();
      edge.levels[level + 1].push_back(carried);
    }
  }
  for (size_t level = 0; level < edge.levels.size(); ++level) {
    uint64_t count = hashes_at(static_cast<int>(level), size);
    if (count % kTileWidth == 0) continue;
    std::string path = tile_path(static_cast<int>(level), count / kTileWidth, count % kTileWidth);
    CLOISTER_TRY(storage.write(path, concat(edge.levels[level])));
  }
  if (size % kTileWidth != 0) {
    CLOISTER_TRY(
        storage.write(entry_bundle_path(size / kTileWidth, size % kTileWidth), edge.bundle));
  }
  Checkpoint next{current.origin, size, {}, {}};
  TiledHashReader written(storage, size);
  CLOISTER_ASSIGN_OR_RETURN(next.root, tree_root(written, size));
  return next;
}

}  // namespace cloister::tlog
