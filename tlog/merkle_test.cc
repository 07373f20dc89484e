// Checks the Merkle tree code against a reference written here, straight from
// RFC 6962 section 2.1 (MTH, PATH, PROOF/SUBPROOF), recursing over the
// entries themselves and sharing no code with tlog/merkle.cc.
#include "tlog/merkle.h"

#include <map>

#include <gtest/gtest.h>

#include "base/encoding.h"
#include "tlog/tile_writer.h"
#include "tlog/tiles.h"

namespace cloister::tlog {
namespace {

using Entries = std::vector<Bytes>;

// --- The RFC 6962 reference ---------------------------------------------
Hash ref_hash(uint8_t prefix, ByteSpan a, ByteSpan b = {}) {
  Bytes input{prefix};
  input.insert(input.end(), a.begin(), a.end());
  input.insert(input.end(), b.begin(), b.end());
  return crypto::sha256(input);
}

uint64_t ref_k(uint64_t n) {
  uint64_t k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

// MTH, PATH and SUBPROOF over a list of entries. MTH results are memoized by
// range so that large trees stay fast, which does not change the definition.
class Rfc6962 {
 public:
  explicit Rfc6962(const Entries& d) : d_(d) {}

  // MTH(D[begin:end]).
  Hash mth(uint64_t begin, uint64_t end) {
    uint64_t n = end - begin;
    if (n == 0) return crypto::sha256({});
    if (n == 1) return ref_hash(0x00, d_[begin]);
    auto key = std::make_pair(begin, end);
    if (auto it = memo_.find(key); it != memo_.end()) return it->second;
    uint64_t k = ref_k(n);
    Hash out = ref_hash(0x01, mth(begin, begin + k), mth(begin + k, end));
    memo_[key] = out;
    return out;
  }

  // PATH(m, D[begin:end]).
  std::vector<Hash> path(uint64_t m, uint64_t begin, uint64_t end) {
    uint64_t n = end - begin;
    if (n == 1) return {};
    uint64_t k = ref_k(n);
    std::vector<Hash> out;
    if (m < k) {
      out = path(m, begin, begin + k);
      out.push_back(mth(begin + k, end));
    } else {
      out = path(m - k, begin + k, end);
      out.push_back(mth(begin, begin + k));
    }
    return out;
  }

  // SUBPROOF(m, D[begin:end], b).
  std::vector<Hash> subproof(uint64_t m, uint64_t begin, uint64_t end, bool b) {
    uint64_t n = end - begin;
    if (m == n) return b ? std::vector<Hash>{} : std::vector<Hash>{mth(begin, end)};
    uint64_t k = ref_k(n);
    std::vector<Hash> out;
    if (m <= k) {
      out = subproof(m, begin, begin + k, b);
      out.push_back(mth(begin + k, end));
    } else {
      out = subproof(m - k, begin + k, end, false);
      out.push_back(mth(begin, begin + k));
    }
    return out;
  }

 private:
  const Entries& d_;
  std::map<std::pair<uint64_t, uint64_t>, Hash> memo_;
};

Hash ref_mth(const Entries& d, uint64_t begin, uint64_t end) { return Rfc6962(d).mth(begin, end); }
std::vector<Hash> ref_path(const Entries& d, uint64_t m, uint64_t begin, uint64_t end) {
  return Rfc6962(d).path(m, begin, end);
}
std::vector<Hash> ref_subproof(const Entries& d, uint64_t m, uint64_t begin, uint64_t end, bool b) {
  return Rfc6962(d).subproof(m, begin, end, b);
}
// -------------------------------------------------------------------------

Entries make_entries(uint64_t n) {
  Entries d;
  for (uint64_t i = 0; i < n; ++i) d.push_back(to_bytes("entry " + std::to_string(i)));
  return d;
}

MemoryTree make_tree(const Entries& d) {
  MemoryTree tree;
  for (const auto& e : d) tree.append(leaf_hash(e));
  return tree;
}

TEST(Merkle, HashingFollowsRfc6962) {
  EXPECT_EQ(hex_encode(empty_tree_hash()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  Bytes entry = to_bytes("leaf");
  EXPECT_EQ(leaf_hash(entry), ref_hash(0x00, entry));
  Hash a = leaf_hash(to_bytes("a"));
  Hash b = leaf_hash(to_bytes("b"));
  EXPECT_EQ(interior_hash(a, b), ref_hash(0x01, a, b));
}

TEST(Merkle, RootMatchesReferenceForEverySizeUpTo64) {
  Entries d = make_entries(64);
  MemoryTree tree;
  auto empty = tree_root(tree, 0);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*empty, empty_tree_hash());
  for (uint64_t n = 1; n <= 64; ++n) {
    tree.append(leaf_hash(d[n - 1]));
    auto root = tree_root(tree, n);
    ASSERT_TRUE(root.ok()) << n;
    EXPECT_EQ(*root, ref_mth(d, 0, n)) << "size " << n;
  }
}

TEST(Merkle, InclusionProofsMatchReferenceAndVerifyForEverySizeUpTo64) {
  Entries d = make_entries(64);
  MemoryTree tree = make_tree(d);
  for (uint64_t n = 1; n <= 64; ++n) {
    Hash root = ref_mth(d, 0, n);
    for (uint64_t m = 0; m < n; ++m) {
      auto proof = inclusion_proof(tree, m, n);
      ASSERT_TRUE(proof.ok());
      ASSERT_EQ(*proof, ref_path(d, m, 0, n)) << "index " << m << " size " << n;
      Hash leaf = leaf_hash(d[m]);
      EXPECT_TRUE(verify_inclusion(leaf, m, n, *proof, root).ok()) << m << "/" << n;
      // The proof binds the index and the leaf.
      if (n > 1) {
        EXPECT_FALSE(verify_inclusion(leaf, (m + 1) % n, n, *proof, root).ok()) << m << "/" << n;
        EXPECT_FALSE(verify_inclusion(leaf_hash(d[(m + 1) % n]), m, n, *proof, root).ok());
      }
      if (!proof->empty()) {
        auto tampered = *proof;
        tampered.back()[0] ^= 1;
        EXPECT_FALSE(verify_inclusion(leaf, m, n, tampered, root).ok());
        tampered = *proof;
        tampered.pop_back();
        EXPECT_FALSE(verify_inclusion(leaf, m, n, tampered, root).ok());
      }
      auto longer = *proof;
      longer.push_back(root);
      EXPECT_FALSE(verify_inclusion(leaf, m, n, longer, root).ok());
    }
  }
}

TEST(Merkle, ConsistencyProofsMatchReferenceAndVerifyForEverySizeUpTo64) {
  Entries d = make_entries(64);
  MemoryTree tree = make_tree(d);
  for (uint64_t n = 1; n <= 64; ++n) {
    Hash new_root = ref_mth(d, 0, n);
    for (uint64_t m = 1; m <= n; ++m) {
      Hash old_root = ref_mth(d, 0, m);
      auto proof = consistency_proof(tree, m, n);
      ASSERT_TRUE(proof.ok());
      std::vector<Hash> expected = m == n ? std::vector<Hash>{} : ref_subproof(d, m, 0, n, true);
      ASSERT_EQ(*proof, expected) << "from " << m << " to " << n;
      EXPECT_TRUE(verify_consistency(m, n, old_root, new_root, *proof).ok()) << m << "->" << n;
      if (m < n) {
        // A different old tree of the same size (a fork) is caught.
        Entries forked = d;
        forked[m - 1] = to_bytes("forked");
        EXPECT_FALSE(verify_consistency(m, n, ref_mth(forked, 0, m), new_root, *proof).ok());
        EXPECT_FALSE(verify_consistency(m, n, old_root, ref_mth(forked, 0, n), *proof).ok());
        auto tampered = *proof;
        tampered.front()[5] ^= 0x80;
        EXPECT_FALSE(verify_consistency(m, n, old_root, new_root, tampered).ok());
        EXPECT_FALSE(verify_consistency(m, n, old_root, new_root, {}).ok());
      }
    }
  }
}

TEST(Merkle, ConsistencyEdgeCases) {
  Entries d = make_entries(5);
  MemoryTree tree = make_tree(d);
  Hash root = ref_mth(d, 0, 5);
  // From the empty tree anything follows, with an empty proof.
  EXPECT_TRUE(verify_consistency(0, 5, empty_tree_hash(), root, {}).ok());
  EXPECT_FALSE(verify_consistency(0, 5, empty_tree_hash(), root, std::vector<Hash>{root}).ok());
  // Equal sizes need equal roots.
  EXPECT_TRUE(verify_consistency(5, 5, root, root, {}).ok());
  EXPECT_FALSE(verify_consistency(5, 5, root, ref_mth(d, 0, 4), {}).ok());
  // Shrinking is never consistent.
  EXPECT_FALSE(verify_consistency(5, 4, root, ref_mth(d, 0, 4), {}).ok());
  EXPECT_FALSE(consistency_proof(tree, 5, 4).ok());
  EXPECT_FALSE(inclusion_proof(tree, 5, 5).ok());
}

TEST(Merkle, LargeTreesFromTilesMatchReference) {
  for (uint64_t n : {1000, 65536, 70000}) {
    Entries d = make_entries(n);
    MemoryTileStorage storage;
    Checkpoint empty{"example.com/log", 0, empty_tree_hash(), {}};
    // Build the tiles in a few batches so that partial tiles are read back.
    std::span<const Bytes> all(d);
    uint64_t third = n / 3;
    auto first = append_to_tiles(storage, empty, all.subspan(0, third));
    ASSERT_TRUE(first.ok()) << first.error().message();
    auto second = append_to_tiles(storage, *first, all.subspan(third, third));
    ASSERT_TRUE(second.ok()) << second.error().message();
    auto last = append_to_tiles(storage, *second, all.subspan(2 * third));
    ASSERT_TRUE(last.ok()) << last.error().message();
    ASSERT_EQ(last->size, n);
    Rfc6962 reference(d);
    Hash root = reference.mth(0, n);
    EXPECT_EQ(last->root, root) << n;

    TiledHashReader tiles(storage, n);
    for (uint64_t m : {uint64_t{0}, uint64_t{255}, uint64_t{256}, n / 2, n - 1}) {
      auto proof = inclusion_proof(tiles, m, n);
      ASSERT_TRUE(proof.ok()) << proof.error().message();
      EXPECT_EQ(*proof, reference.path(m, 0, n)) << m << "/" << n;
      EXPECT_TRUE(verify_inclusion(leaf_hash(d[m]), m, n, *proof, root).ok());
    }
    for (uint64_t m : {uint64_t{1}, uint64_t{256}, uint64_t{257}, third, n - 1}) {
      auto proof = consistency_proof(tiles, m, n);
      ASSERT_TRUE(proof.ok()) << proof.error().message();
      EXPECT_EQ(*proof, reference.subproof(m, 0, n, true)) << m << "->" << n;
      EXPECT_TRUE(verify_consistency(m, n, reference.mth(0, m), root, *proof).ok());
    }
  }
}

}  // namespace
}  // namespace cloister::tlog
