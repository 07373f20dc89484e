// The RFC 6962 / RFC 9162 Merkle tree: leaf and interior hashing, tree heads,
// inclusion and consistency proofs, and their verification. Proof generation
// reads hashes of complete subtrees through NodeHashReader, so the same code
// runs over an in-memory tree or over tlog-tiles fetched from anywhere.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "base/bytes.h"
#include "crypto/hash.h"

namespace cloister::tlog {

using Hash = crypto::Sha256Digest;
// Proofs are at most 63 hashes long for any 64-bit tree size; this bounds parsers.
inline constexpr size_t kMaxProofHashes = 63;

// Returns SHA-256(0x00 || entry), the hash of a leaf.
Hash leaf_hash(ByteSpan entry);
// Returns SHA-256(0x01 || left || right), the hash of an interior node.
Hash interior_hash(const Hash& left, const Hash& right);
// Returns SHA-256(""), the root of the empty tree.
Hash empty_tree_hash();

// Supplies hashes of complete subtrees. node_hash(level, index) is the hash
// of the 2^level leaves starting at index * 2^level.
class NodeHashReader {
 public:
  virtual ~NodeHashReader() = default;
  // Returns the hash of that subtree, or an error if it is not available.
  virtual Result<Hash> node_hash(int level, uint64_t index) = 0;
};

// Returns the root hash of the tree of the first `size` leaves.
Result<Hash> tree_root(NodeHashReader& reader, uint64_t size);

// Returns the RFC 9162 inclusion proof (audit path) for leaf `index` in the
// tree of `size` leaves. Fails with kInvalidArgument unless index < size.
Result<std::vector<Hash>> inclusion_proof(NodeHashReader& reader, uint64_t index, uint64_t size);

// Returns the RFC 9162 consistency proof from the tree of `old_size` leaves
// to that of `new_size`. It is empty when old_size is 0 or equals new_size.
// Fails with kInvalidArgument if old_size > new_size.
Result<std::vector<Hash>> consistency_proof(NodeHashReader& reader, uint64_t old_size,
                                            uint64_t new_size);

// Checks that `proof` shows the leaf with hash `leaf` at `index` in the tree
// of `size` leaves with root `root` (RFC 9162 section 2.1.3.2). Fails with
// kRejected otherwise.
Status verify_inclusion(const Hash& leaf, uint64_t index, uint64_t size,
                        std::span<const Hash> proof, const Hash& root);

// Checks that `proof` shows the tree (old_size, old_root) to be a prefix of
// (new_size, new_root) (RFC 9162 section 2.1.4.2). Equal sizes need an empty
// proof and equal roots; old_size 0 needs an empty proof. Fails with kRejected.
Status verify_consistency(uint64_t old_size, uint64_t new_size, const Hash& old_root,
                          const Hash& new_root, std::span<const Hash> proof);

// A whole tree in memory, with every level stored. For tests, tools and
// building small logs; tiles are the storage format.
class MemoryTree final : public NodeHashReader {
 public:
  // Appends a leaf given its leaf hash.
  void append(const Hash& leaf);
  // Returns the number of leaves.
  uint64_t size() const { return levels_.empty() ? 0 : levels_[0].size(); }
  Result<Hash> node_hash(int level, uint64_t index) override;

 private:
  std::vector<std::vector<Hash>> levels_;
};

}  // namespace cloister::tlog
