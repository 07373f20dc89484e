#include "tlog/merkle.h"

#include <bit>

namespace cloister::tlog {
namespace {

Error rejected(std::string message) { return Error(ErrorCode::kRejected, std::move(message)); }

// The largest power of two strictly less than n (n >= 2): RFC 6962's k.
uint64_t split_point(uint64_t n) { return std::bit_floor(n - 1); }

// The hash of leaves [begin, end), where begin is a multiple of the largest
// power of two not above end - begin, as on every path RFC 6962 recurses.
Result<Hash> range_hash(NodeHashReader& reader, uint64_t begin, uint64_t end) {
  uint64_t size = end - begin;
  if (std::has_single_bit(size)) {
    int level = std::countr_zero(size);
    return reader.node_hash(level, begin >> level);
  }
  uint64_t k = split_point(size);
  CLOISTER_ASSIGN_OR_RETURN(Hash left, range_hash(reader, begin, begin + k));
  CLOISTER_ASSIGN_OR_RETURN(Hash right, range_hash(reader, begin + k, end));
  return interior_hash(left, right);
}

// PATH(m, D[begin:end]) from RFC 9162 section 2.1.3.1, appended to `proof`.
Status append_path(NodeHashReader& reader, uint64_t m, uint64_t begin, uint64_t end,
                   std::vector<Hash>& proof) {
  uint64_t n = end - begin;
  if (n <= 1) return ok_status();
  uint64_t k = split_point(n);
  if (m < k) {
    CLOISTER_TRY(append_path(reader, m, begin, begin + k, proof));
    CLOISTER_ASSIGN_OR_RETURN(Hash right, range_hash(reader, begin + k, end));
    proof.push_back(right);
  } else {
    CLOISTER_TRY(append_path(reader, m - k, begin + k, end, proof));
    CLOISTER_ASSIGN_OR_RETURN(Hash left, range_hash(reader, begin, begin + k));
    proof.push_back(left);
  }
  return ok_status();
}

// SUBPROOF(m, D[begin:end], complete) from RFC 9162 section 2.1.4.1.
Status append_subproof(NodeHashReader& reader, uint64_t m, uint64_t begin, uint64_t end,
                       bool complete, std::vector<Hash>& proof) {
  uint64_t n = end - begin;
  if (m == n) {
    if (!complete) {
      CLOISTER_ASSIGN_OR_RETURN(Hash whole, range_hash(reader, begin, end));
      proof.push_back(whole);
    }
    return ok_status();
  }
  uint64_t k = split_point(n);
  if (m <= k) {
    CLOISTER_TRY(append_subproof(reader, m, begin, begin + k, complete, proof));
    CLOISTER_ASSIGN_OR_RETURN(Hash right, range_hash(reader, begin + k, end));
    proof.push_back(right);
  } else {
    CLOISTER_TRY(append_subproof(reader, m - k, begin + k, end, false, proof));
    CLOISTER_ASSIGN_OR_RETURN(Hash left, range_hash(reader, begin, begin + k));
    proof.push_back(left);
  }
  return ok_status();
}

}  // namespace

Hash leaf_hash(ByteSpan entry) {
  crypto::Hasher hasher(crypto::HashAlgorithm::kSha256);
  const uint8_t prefix = 0x00;
  hasher.update({&prefix, 1}).update(entry);
  Bytes digest = hasher.finish();
  Hash out{};
  std::copy(digest.begin(), digest.end(), out.begin());
  return out;
}

Hash interior_hash(const Hash& left, const Hash& right) {
  std::array<uint8_t, 1 + 2 * sizeof(Hash)> input{};
  input[0] = 0x01;
  std::copy(left.begin(), left.end(), input.begin() + 1);
  std::copy(right.begin(), right.end(), input.begin() + 1 + left.size());
  return crypto::sha256(input);
}

Hash empty_tree_hash() { return crypto::sha256({}); }

Result<Hash> tree_root(NodeHashReader& reader, uint64_t size) {
  if (size == 0) return empty_tree_hash();
  return range_hash(reader, 0, size);
}

Result<std::vector<Hash>> inclusion_proof(NodeHashReader& reader, uint64_t index, uint64_t size) {
  if (index >= size) {
    return Error(
        ErrorCode::kInvalidArgument,
        "leaf index " + std::to_string(index) + " is not below tree size " + std::to_string(size));
  }
  std::vector<Hash> proof;
  CLOISTER_TRY(append_path(reader, index, 0, size, proof));
  return proof;
}

Result<std::vector<Hash>> consistency_proof(NodeHashReader& reader, uint64_t old_size,
                                            uint64_t new_size) {
  if (old_size > new_size) {
    return Error(ErrorCode::kInvalidArgument, "old tree size " + std::to_string(old_size) +
                                                  " exceeds new tree size " +
                                                  std::to_string(new_size));
  }
  std::vector<Hash> proof;
  if (old_size == 0 || old_size == new_size) return proof;
  CLOISTER_TRY(append_subproof(reader, old_size, 0, new_size, true, proof));
  return proof;
}

Status verify_inclusion(const Hash& leaf, uint64_t index, uint64_t size,
                        std::span<const Hash> proof, const Hash& root) {
  if (index >= size) {
    return rejected("leaf index " + std::to_string(index) + " is not below tree size " +
                    std::to_string(size));
  }
  uint64_t fn = index;
  uint64_t sn = size - 1;
  Hash r = leaf;
  for (const Hash& p : proof) {
    if (sn == 0) return rejected("inclusion proof is too long");
    if ((fn & 1) != 0 || fn == sn) {
      r = interior_hash(p, r);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = interior_hash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return rejected("inclusion proof is too short");
  if (r != root) return rejected("inclusion proof does not lead to the root hash");
  return ok_status();
}

Status verify_consistency(uint64_t old_size, uint64_t new_size, const Hash& old_root,
                          const Hash& new_root, std::span<const Hash> proof) {
  if (old_size > new_size) {
    return rejected("old tree size " + std::to_string(old_size) + " exceeds new tree size " +
                    std::to_string(new_size));
  }
  if (old_size == new_size) {
    if (!proof.empty()) return rejected("consistency proof between equal sizes must be empty");
    if (old_root != new_root) return rejected("trees of equal size have different roots");
    return ok_status();
  }
  if (old_size == 0) {
    if (!proof.empty()) return rejected("consistency proof from the empty tree must be empty");
    return ok_status();
  }
  if (proof.empty()) return rejected("consistency proof is empty");
  std::vector<Hash> path;
  if (std::has_single_bit(old_size)) path.push_back(old_root);
  path.insert(path.end(), proof.begin(), proof.end());

  uint64_t fn = old_size - 1;
  uint64_t sn = new_size - 1;
  while ((fn & 1) != 0) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = path[0];
  Hash sr = path[0];
  for (size_t i = 1; i < path.size(); ++i) {
    const Hash& c = path[i];
    if (sn == 0) return rejected("consistency proof is too long");
    if ((fn & 1) != 0 || fn == sn) {
      fr = interior_hash(c, fr);
      sr = interior_hash(c, sr);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      sr = interior_hash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return rejected("consistency proof is too short");
  if (fr != old_root) return rejected("consistency proof does not lead to the old root hash");
  if (sr != new_root) return rejected("consistency proof does not lead to the new root hash");
  return ok_status();
}

void MemoryTree::append(const Hash& leaf) {
  if (levels_.empty()) levels_.emplace_back();
  levels_[0].push_back(leaf);
  // Complete every subtree the new leaf closes.
  for (size_t level = 0; levels_[level].size() % 2 == 0; ++level) {
    const auto& row = levels_[level];
    Hash parent = interior_hash(row[row.size() - 2], row[row.size() - 1]);
    if (levels_.size() == level + 1) levels_.emplace_back();
    levels_[level + 1].push_back(parent);
  }
}

Result<Hash> MemoryTree::node_hash(int level, uint64_t index) {
  if (level < 0 || static_cast<size_t>(level) >= levels_.size() ||
      index >= levels_[static_cast<size_t>(level)].size()) {
    return Error(ErrorCode::kNotFound, "no complete subtree at level " + std::to_string(level) +
                                           " index " + std::to_string(index));
  }
  return levels_[static_cast<size_t>(level)][index];
}

}  // namespace cloister::tlog
