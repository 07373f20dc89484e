#include "tlog/release_proof.h"

#include "tlog/manifest.h"

namespace cloister::tlog {
namespace {

constexpr std::string_view kMagic = "CLRP";

}  // namespace

Result<Bytes> encode_release_proof(const ReleaseProof& proof) {
  std::string text = format_tlog_proof(proof.log_proof);
  if (proof.manifest.empty() || proof.manifest.size() > kMaxManifestSize ||
      text.size() > kMaxTlogProofSize) {
    return Error(ErrorCode::kInvalidArgument, "release proof fields exceed their size limits");
  }
  ByteWriter writer;
  writer.put_string(kMagic);
  writer.put_u8(kReleaseProofVersion);
  writer.put_u16be(static_cast<uint16_t>(proof.manifest.size()));
  writer.put_bytes(proof.manifest);
  writer.put_u32be(static_cast<uint32_t>(text.size()));
  writer.put_string(text);
  return writer.take();
}

Result<ReleaseProof> parse_release_proof(ByteSpan encoded) {
  ByteReader reader(encoded);
  CLOISTER_ASSIGN_OR_RETURN(ByteSpan magic,
                            reader.read_bytes(kMagic.size(), "release proof magic"));
  if (to_string(magic) != kMagic) {
    return Error(ErrorCode::kMalformed, "not a release proof (bad magic)");
  }
  CLOISTER_ASSIGN_OR_RETURN(uint8_t version, reader.read_u8("release proof version"));
  if (version != kReleaseProofVersion) {
    return Error(ErrorCode::kUnsupported,
                 "release proof version " + std::to_string(version) + " is not supported");
  }
  ReleaseProof proof;
  CLOISTER_ASSIGN_OR_RETURN(ByteReader manifest, reader.read_u16be_prefixed("release manifest"));
  if (manifest.empty()) return reader.malformed("release manifest", "is empty");
  proof.manifest = to_bytes(manifest.read_rest());
  CLOISTER_ASSIGN_OR_RETURN(ByteReader text, reader.read_u32be_prefixed("tlog proof"));
  if (text.remaining() > kMaxTlogProofSize) return reader.malformed("tlog proof", "is too large");
  CLOISTER_TRY(reader.expect_end("release proof"));
  auto log_proof = parse_tlog_proof(to_string(text.read_rest()));
  if (!log_proof.ok()) return log_proof.error().with_context("release proof");
  proof.log_proof = std::move(log_proof).value();
  return proof;
}

Result<ReleaseProof> build_release_proof(TileReader& tiles, std::string_view checkpoint_note,
                                         uint64_t index) {
  CLOISTER_ASSIGN_OR_RETURN(Note note, parse_note(checkpoint_note));
  CLOISTER_ASSIGN_OR_RETURN(Checkpoint checkpoint, parse_checkpoint_text(note.text));
  ReleaseProof proof;
  CLOISTER_ASSIGN_OR_RETURN(proof.manifest, read_entry(tiles, index, checkpoint.size));
  TiledHashReader hashes(tiles, checkpoint.size);
  proof.log_proof.index = index;
  proof.log_proof.checkpoint = std::string(checkpoint_note);
  CLOISTER_ASSIGN_OR_RETURN(proof.log_proof.inclusion,
                            inclusion_proof(hashes, index, checkpoint.size));
  auto included = verify_inclusion(leaf_hash(proof.manifest), index, checkpoint.size,
                                   proof.log_proof.inclusion, checkpoint.root);
  if (!included.ok())
    return included.error().with_context("the log's tiles disagree with its checkpoint");
  return proof;
}

}  // namespace cloister::tlog
