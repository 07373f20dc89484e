#include "tlog/tiles.h"

#include <gtest/gtest.h>

#include "tlog/tile_writer.h"

namespace cloister::tlog {
namespace {

std::vector<Bytes> make_entries(uint64_t n) {
  std::vector<Bytes> d;
  for (uint64_t i = 0; i < n; ++i) d.push_back(to_bytes("entry " + std::to_string(i)));
  return d;
}

MemoryTileStorage build(uint64_t n, Checkpoint* out = nullptr) {
  MemoryTileStorage storage;
  auto d = make_entries(n);
  auto checkpoint = append_to_tiles(storage, {"o", 0, empty_tree_hash(), {}}, d);
  EXPECT_TRUE(checkpoint.ok());
  if (out != nullptr && checkpoint.ok()) *out = *checkpoint;
  return storage;
}

// The examples in c2sp.org/tlog-tiles.
TEST(Tiles, PathsFollowTheSpec) {
  EXPECT_EQ(tile_index_path(1234067), "x001/x234/067");
  EXPECT_EQ(tile_index_path(0), "000");
  EXPECT_EQ(tile_index_path(999), "999");
  EXPECT_EQ(tile_index_path(1000), "x001/000");
  EXPECT_EQ(tile_path(0, 1234067, 256), "tile/0/x001/x234/067");
  EXPECT_EQ(tile_path(2, 5, 17), "tile/2/005.p/17");
  EXPECT_EQ(entry_bundle_path(1, 256), "tile/entries/001");
  EXPECT_EQ(entry_bundle_path(0, 3), "tile/entries/000.p/3");
}

TEST(Tiles, WidthsMatchTheSpecExampleOf70000Entries) {
  // "273 full level 0 tiles, one partial level 0 tile of width 112, one full
  // level 1 tile, one partial level 1 tile of width 17, and one partial
  // level 2 tile of width 1."
  const uint64_t size = 70000;
  EXPECT_EQ(tile_width(0, 272, size), 256u);
  EXPECT_EQ(tile_width(0, 273, size), 112u);
  EXPECT_EQ(tile_width(0, 274, size), 0u);
  EXPECT_EQ(tile_width(1, 0, size), 256u);
  EXPECT_EQ(tile_width(1, 1, size), 17u);
  EXPECT_EQ(tile_width(2, 0, size), 1u);
  EXPECT_EQ(tile_width(3, 0, size), 0u);
  // "a tree of size 256 will be represented by a full level 0 tile and a
  // partial level 1 tile of width 1."
  EXPECT_EQ(tile_width(0, 0, 256), 256u);
  EXPECT_EQ(tile_width(0, 1, 256), 0u);
  EXPECT_EQ(tile_width(1, 0, 256), 1u);
}

TEST(Tiles, WriterProducesExactlyTheSpecTileSet) {
  auto storage = build(70000);
  size_t full0 = 0;
  std::vector<std::string> others;
  for (const auto& [path, data] : storage.files()) {
    if (path.starts_with("tile/0/") && path.find(".p/") == std::string::npos) {
      EXPECT_EQ(data.size(), 8192u) << path;
      ++full0;
    } else if (!path.starts_with("tile/entries/")) {
      others.push_back(path);
    }
  }
  EXPECT_EQ(full0, 273u);
  EXPECT_EQ(others, (std::vector<std::string>{"tile/0/273.p/112", "tile/1/000", "tile/1/001.p/17",
                                              "tile/2/000.p/1"}));
  EXPECT_EQ(storage.files().at("tile/0/273.p/112").size(), 112u * 32);
  EXPECT_TRUE(storage.files().count("tile/entries/273.p/112"));
  EXPECT_TRUE(storage.files().count("tile/entries/272"));
}

TEST(Tiles, EntriesReadBackFromBundles) {
  auto storage = build(300);
  auto d = make_entries(300);
  for (uint64_t i : {0, 1, 255, 256, 299}) {
    auto entry = read_entry(storage, i, 300);
    ASSERT_TRUE(entry.ok()) << entry.error().message();
    EXPECT_EQ(*entry, d[i]);
  }
  EXPECT_FALSE(read_entry(storage, 300, 300).ok());
}

TEST(Tiles, ReaderFallsBackToFullTileWhenPartialIsGone) {
  Checkpoint small;
  Checkpoint large;
  auto storage = build(100, &small);
  auto d = make_entries(300);
  auto grown = append_to_tiles(storage, small, std::span<const Bytes>(d).subspan(100));
  ASSERT_TRUE(grown.ok());
  storage.files().erase("tile/0/000.p/100");
  storage.files().erase("tile/entries/000.p/100");
  TiledHashReader old_tree(storage, 100);
  auto root = tree_root(old_tree, 100);
  ASSERT_TRUE(root.ok()) << root.error().message();
  EXPECT_EQ(*root, small.root);
  auto entry = read_entry(storage, 42, 100);
  ASSERT_TRUE(entry.ok());
  EXPECT_EQ(*entry, to_bytes("entry 42"));
}

TEST(Tiles, RejectsMalformedBundlesAndTiles) {
  EXPECT_FALSE(parse_entry_bundle(Bytes{0x00}).ok());
  EXPECT_FALSE(parse_entry_bundle(Bytes{0x00, 0x02, 'a'}).ok());
  auto two = parse_entry_bundle(Bytes{0x00, 0x01, 'a', 0x00, 0x00});
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(two->size(), 2u);
  Bytes bundle;
  EXPECT_FALSE(append_to_entry_bundle(bundle, Bytes(65536, 'x')).ok());

  auto storage = build(5);
  storage.files()["tile/0/000.p/5"].pop_back();
  TiledHashReader reader(storage, 5);
  EXPECT_FALSE(tree_root(reader, 5).ok());
}

TEST(Tiles, WriterRefusesTilesThatDisagreeWithTheCheckpoint) {
  Checkpoint checkpoint;
  auto storage = build(10, &checkpoint);
  Checkpoint forged = checkpoint;
  forged.root[0] ^= 1;
  auto result = append_to_tiles(storage, forged, make_entries(1));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code(), ErrorCode::kFailedPrecondition);
}

TEST(Tiles, DirectoryReaderRefusesPathsOutsideTheLog) {
  DirectoryTileReader reader("/tmp");
  EXPECT_EQ(reader.read("../etc/passwd").error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(reader.read("/etc/passwd").error().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace cloister::tlog
