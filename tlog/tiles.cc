#include "tlog/tiles.h"

#include <algorithm>

#include "base/files.h"

namespace cloister::tlog {
namespace {

constexpr size_t kHashSize = sizeof(Hash);
// A full entry bundle of maximal entries.
constexpr size_t kMaxTileFileSize = kTileWidth * (2 + kMaxEntrySize);

Error not_available(std::string message) { return Error(ErrorCode::kNotFound, std::move(message)); }

// Reads the file for tile (or bundle) `n` of `width` entries, falling back to
// the full tile when a partial one has been replaced.
Result<Bytes> read_tile_file(TileReader& tiles, const std::string& partial_path,
                             const std::string& full_path, uint64_t width) {
  auto data = tiles.read(partial_path);
  if (!data.ok() && data.error().code() == ErrorCode::kNotFound && width < kTileWidth) {
    return tiles.read(full_path);
  }
  return data;
}

}  // namespace

std::string tile_index_path(uint64_t n) {
  std::string out;
  std::vector<std::string> groups;
  do {
    std::string group = std::to_string(n % 1000);
    groups.push_back(std::string(3 - group.size(), '0') + group);
    n /= 1000;
  } while (n > 0);
  for (size_t i = groups.size(); i-- > 0;) {
    if (i > 0) out += "x";
    out += groups[i];
    if (i > 0) out += "/";
  }
  return out;
}

std::string tile_path(int level, uint64_t n, uint64_t width) {
  std::string out = "tile/" + std::to_string(level) + "/" + tile_index_path(n);
  if (width < kTileWidth) out += ".p/" + std::to_string(width);
  return out;
}

std::string entry_bundle_path(uint64_t n, uint64_t width) {
  std::string out = "tile/entries/" + tile_index_path(n);
  if (width < kTileWidth) out += ".p/" + std::to_string(width);
  return out;
}

uint64_t tile_width(int level, uint64_t n, uint64_t tree_size) {
  if (level < 0 || level * kTileHeight >= 64) return 0;
  uint64_t hashes = tree_size >> (level * kTileHeight);
  uint64_t start = n * kTileWidth;
  if (n > UINT64_MAX / kTileWidth || hashes <= start) return 0;
  return std::min(kTileWidth, hashes - start);
}

Result<std::vector<Bytes>> parse_entry_bundle(ByteSpan bundle) {
  ByteReader reader(bundle);
  std::vector<Bytes> entries;
  while (!reader.empty()) {
    if (entries.size() == kTileWidth)
      return reader.malformed("entry bundle", "more than 256 entries");
    CLOISTER_ASSIGN_OR_RETURN(uint16_t size, reader.read_u16be("entry length"));
    CLOISTER_ASSIGN_OR_RETURN(ByteSpan entry, reader.read_bytes(size, "entry"));
    entries.push_back(to_bytes(entry));
  }
  return entries;
}

Status append_to_entry_bundle(Bytes& bundle, ByteSpan entry) {
  if (entry.size() > kMaxEntrySize) {
    return Error(ErrorCode::kInvalidArgument, "log entry is longer than 65535 bytes");
  }
  ByteWriter writer;
  writer.put_u16be(static_cast<uint16_t>(entry.size()));
  writer.put_bytes(entry);
  bundle.insert(bundle.end(), writer.data().begin(), writer.data().end());
  return ok_status();
}

Result<Bytes> DirectoryTileReader::read(const std::string& path) {
  std::filesystem::path relative(path);
  bool escapes = relative.is_absolute() ||
                 std::any_of(relative.begin(), relative.end(),
                             [](const std::filesystem::path& part) { return part == ".."; });
  if (escapes) return Error(ErrorCode::kInvalidArgument, "tile path " + path + " is not relative");
  return read_file(root_ / relative, kMaxTileFileSize);
}

Result<Bytes> MemoryTileStorage::read(const std::string& path) {
  auto it = files_.find(path);
  if (it == files_.end()) return not_available("no file " + path);
  return it->second;
}

Status MemoryTileStorage::write(const std::string& path, ByteSpan data) {
  files_[path] = to_bytes(data);
  return ok_status();
}

Result<const std::vector<Hash>*> TiledHashReader::tile(int tile_level, uint64_t n) {
  auto key = std::make_pair(tile_level, n);
  if (auto it = cache_.find(key); it != cache_.end()) return &it->second;
  uint64_t width = tile_width(tile_level, n, tree_size_);
  if (width == 0) {
    return not_available("tile " + std::to_string(tile_level) + "/" + std::to_string(n) +
                         " is not part of a tree of size " + std::to_string(tree_size_));
  }
  std::string path = tile_path(tile_level, n, width);
  CLOISTER_ASSIGN_OR_RETURN(
      Bytes data, read_tile_file(tiles_, path, tile_path(tile_level, n, kTileWidth), width));
  if (data.size() != width * kHashSize && data.size() != kTileWidth * kHashSize) {
    return Error(ErrorCode::kMalformed, "tile " + path + " has " + std::to_string(data.size()) +
                                            " bytes, not " + std::to_string(width * kHashSize));
  }
  ByteReader reader(data);
  std::vector<Hash> hashes(width);
  for (Hash& hash : hashes) CLOISTER_TRY(reader.read_into(hash, "tile hash"));
  return &cache_.emplace(key, std::move(hashes)).first->second;
}

Result<Hash> TiledHashReader::node_hash(int level, uint64_t index) {
  if (level < 0 || level >= 64 || index >= (tree_size_ >> level)) {
    return not_available("subtree at level " + std::to_string(level) + " index " +
                         std::to_string(index) + " is not complete in a tree of size " +
                         std::to_string(tree_size_));
  }
  int tile_level = level / kTileHeight;
  int sublevel = level % kTileHeight;
  uint64_t first = index << sublevel;
  CLOISTER_ASSIGN_OR_RETURN(const std::vector<Hash>* hashes, tile(tile_level, first / kTileWidth));
  auto begin = hashes->begin() + static_cast<ptrdiff_t>(first % kTileWidth);
  std::vector<Hash> row(begin, begin + (ptrdiff_t{1} << sublevel));
  // Hash the tile's leaves up to the requested level.
  while (row.size() > 1) {
    for (size_t i = 0; i < row.size() / 2; ++i) row[i] = interior_hash(row[2 * i], row[2 * i + 1]);
    row.resize(row.size() / 2);
  }
  return row[0];
}

Result<Bytes> read_entry(TileReader& tiles, uint64_t index, uint64_t tree_size) {
  if (index >= tree_size) {
    return Error(ErrorCode::kInvalidArgument, "entry " + std::to_string(index) +
                                                  " is not in a tree of size " +
                                                  std::to_string(tree_size));
  }
  uint64_t n = index / kTileWidth;
  uint64_t width = tile_width(0, n, tree_size);
  std::string path = entry_bundle_path(n, width);
  CLOISTER_ASSIGN_OR_RETURN(Bytes bundle,
                            read_tile_file(tiles, path, entry_bundle_path(n, kTileWidth), width));
  auto entries = parse_entry_bundle(bundle);
  if (!entries.ok()) return entries.error().with_context(path);
  if (entries->size() < width) {
    return Error(ErrorCode::kMalformed, "entry bundle " + path + " holds " +
                                            std::to_string(entries->size()) + " entries, not " +
                                            std::to_string(width));
  }
  return std::move((*entries)[index % kTileWidth]);
}

}  // namespace cloister::tlog
