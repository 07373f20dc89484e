// The release proof an enclave ships in its evidence bundle: its release
// manifest, and a C2SP tlog proof (entry index, inclusion proof, and the
// witnessed checkpoint) showing that the manifest is in the public log.
//
// Encoding (version 1), integers big-endian, nothing after the last field:
//   "CLRP"          4-byte magic
//   0x01            format version
//   u16 + bytes     the canonical manifest (1..65535 bytes)
//   u32 + bytes     the c2sp.org/tlog-proof@v1 text (at most kMaxTlogProofSize)
#pragma once

#include <string_view>

#include "tlog/checkpoint.h"
#include "tlog/tiles.h"

namespace cloister::tlog {

inline constexpr uint8_t kReleaseProofVersion = 1;
inline constexpr size_t kMaxTlogProofSize = kMaxNoteSize + 8 * 1024;

struct ReleaseProof {
  Bytes manifest;       // canonical manifest bytes: the log entry
  TlogProof log_proof;  // index, inclusion proof, signed and cosigned checkpoint
};

// Returns the binary encoding of `proof`. Fails with kInvalidArgument if the
// manifest is empty or a field exceeds its size limit.
Result<Bytes> encode_release_proof(const ReleaseProof& proof);

// Parses a release proof. Fails with kMalformed on a wrong magic, truncation,
// trailing bytes or a malformed tlog proof, and kUnsupported on another
// version. Nothing is verified here: see verify_release_proof.
Result<ReleaseProof> parse_release_proof(ByteSpan encoded);

// Builds the release proof for log entry `index` under the signed checkpoint
// `checkpoint_note` (ideally carrying witness cosignatures), reading the entry
// and proof hashes from `tiles`. Fails if the entry is missing or the
// inclusion proof built does not verify against the checkpoint's root.
Result<ReleaseProof> build_release_proof(TileReader& tiles, std::string_view checkpoint_note,
                                         uint64_t index);

}  // namespace cloister::tlog
