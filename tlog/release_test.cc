// End-to-end: manifests appended to a log, cosigned by witnesses, shipped as
// release proofs and verified as a client would, including the tampering a
// malicious host or log could attempt.
#include <gtest/gtest.h>

#include "testing/temp_dir.h"
#include "tlog/log_directory.h"
#include "tlog/release_proof.h"
#include "tlog/release_verify.h"
#include "tlog/witness.h"

namespace cloister::tlog {
namespace {

constexpr std::string_view kOrigin = "log.example/cloister-releases";

Bytes manifest_bytes(int release) {
  ReleaseManifest m;
  m.version = "0." + std::to_string(release) + ".0";
  m.source_commit = std::string(40, 'a');
  m.enclave_binary_sha256.fill(static_cast<uint8_t>(release));
  Measurement simulated{};
  simulated.fill(static_cast<uint8_t>(0x80 + release));
  m.simulated_measurements = {simulated};
  return to_bytes(*encode_manifest(m));
}

Result<uint64_t> fork_size(std::string_view note) {
  CLOISTER_ASSIGN_OR_RETURN(Note parsed, parse_note(note));
  CLOISTER_ASSIGN_OR_RETURN(Checkpoint checkpoint, parse_checkpoint_text(parsed.text));
  return checkpoint.size;
}

bool has_reason(const Error& error, std::string_view reason) {
  return error.message().starts_with(reason);
}

class ReleaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(temp_.path().empty());
    log_ = std::make_unique<LogDirectory>(*LogDirectory::create(temp_.path() / "log", log_key_));
    for (int i = 0; i < 3; ++i) {
      auto key =
          *NoteSigner::generate("witness.example/w" + std::to_string(i), KeyType::kCosignatureV1);
      policy_.witnesses.push_back(key.verifier());
      witness_keys_.push_back(to_string(key.encode().span()));
      witnesses_.push_back(*Witness::create(std::move(key), {log_key_.verifier()},
                                            temp_.path() / ("w" + std::to_string(i)), clock_));
    }
    for (int n = 0; n < 5; ++n) release(n);
  }

  // Appends release `n` and has the first `cosigners` witnesses cosign.
  void release(int n, size_t cosigners = 3) {
    std::vector<Bytes> entry = {manifest_bytes(n)};
    ASSERT_TRUE(log_->append(entry, log_key_).ok());
    cosign(cosigners);
  }

  void cosign(size_t cosigners) {
    std::string note = *log_->read_checkpoint();
    uint64_t size = parse_checkpoint_text(parse_note(note)->text)->size;
    auto tiles = log_->tiles();
    std::vector<NoteSignature> cosignatures;
    for (size_t i = 0; i < cosigners; ++i) {
      uint64_t old_size = *witnesses_[i].latest_size(kOrigin);
      auto proof = consistency_from_tiles(tiles)(old_size, size);
      ASSERT_TRUE(proof.ok());
      auto response =
          witnesses_[i].add_checkpoint(format_add_checkpoint_request({old_size, *proof, note}));
      ASSERT_TRUE(response.ok()) << response.error().message();
      auto lines = parse_signature_lines(*response);
      ASSERT_TRUE(lines.ok());
      cosignatures.insert(cosignatures.end(), lines->begin(), lines->end());
    }
    ASSERT_TRUE(log_->add_cosignatures(cosignatures, policy_.witnesses).ok());
  }

  ReleaseProof proof_for(uint64_t index) {
    auto tiles = log_->tiles();
    auto proof = build_release_proof(tiles, *log_->read_checkpoint(), index);
    EXPECT_TRUE(proof.ok()) << proof.error().message();
    return std::move(proof).value();
  }

  Result<VerifiedRelease> verify(const ReleaseProof& proof,
                                 const std::optional<std::string>& stored = std::nullopt) {
    std::optional<std::string_view> stored_view;
    if (stored) stored_view = *stored;
    return verify_release_proof(proof, policy_, stored_view, consistency_from_tiles(tiles_));
  }

  testing::TempDir temp_;
  FixedClock clock_{from_unix_seconds(1700000000)};
  NoteSigner log_key_ = *NoteSigner::generate(std::string(kOrigin), KeyType::kEd25519);
  LogTrustPolicy policy_{log_key_.verifier(), {}, 2, false};
  std::unique_ptr<LogDirectory> log_;
  std::vector<Witness> witnesses_;
  std::vector<std::string> witness_keys_;
  DirectoryTileReader tiles_{temp_.path() / "log"};
};

TEST_F(ReleaseTest, AcceptsALoggedWitnessedManifestOnFirstUse) {
  ReleaseProof proof = proof_for(2);
  auto verified = verify(proof);
  ASSERT_TRUE(verified.ok()) << verified.error().message();
  EXPECT_EQ(verified->manifest.version, "0.2.0");
  EXPECT_EQ(verified->manifest_digest, crypto::sha256(manifest_bytes(2)));
  EXPECT_EQ(verified->index, 2u);
  EXPECT_EQ(verified->checkpoint.size, 5u);
  EXPECT_TRUE(verified->update.advanced);
  EXPECT_EQ(verified->update.checkpoint_to_store, proof.log_proof.checkpoint);
}

TEST_F(ReleaseTest, EncodingRoundTripsAndIsStrict) {
  ReleaseProof proof = proof_for(4);
  Bytes encoded = *encode_release_proof(proof);
  auto parsed = parse_release_proof(encoded);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  EXPECT_EQ(parsed->manifest, proof.manifest);
  EXPECT_EQ(*encode_release_proof(*parsed), encoded);
  ASSERT_TRUE(verify(*parsed).ok());

  Bytes bad_magic = encoded;
  bad_magic[0] = 'X';
  EXPECT_EQ(parse_release_proof(bad_magic).error().code(), ErrorCode::kMalformed);
  Bytes next_version = encoded;
  next_version[4] = 2;
  EXPECT_EQ(parse_release_proof(next_version).error().code(), ErrorCode::kUnsupported);
  Bytes trailing = encoded;
  trailing.push_back(0);
  EXPECT_FALSE(parse_release_proof(trailing).ok());
  for (size_t cut : {size_t{3}, size_t{6}, encoded.size() / 2, encoded.size() - 1}) {
    EXPECT_FALSE(parse_release_proof(ByteSpan(encoded).first(cut)).ok()) << cut;
  }
}

TEST_F(ReleaseTest, AdvancesTheStoredCheckpointWithAConsistencyProofFromTiles) {
  std::string stored_at_5 = *log_->read_checkpoint();
  release(5);
  release(6);
  auto verified = verify(proof_for(6), stored_at_5);
  ASSERT_TRUE(verified.ok()) << verified.error().message();
  EXPECT_TRUE(verified->update.advanced);
  EXPECT_EQ(verified->update.checkpoint_to_store, *log_->read_checkpoint());
  // The same checkpoint again: nothing to advance.
  auto again = verify(proof_for(6), verified->update.checkpoint_to_store);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->update.advanced);
}

TEST_F(ReleaseTest, RejectsAModifiedEntry) {
  ReleaseProof proof = proof_for(3);
  proof.manifest = manifest_bytes(7);  // a valid manifest, but not the logged one
  auto result = verify(proof);
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(has_reason(result.error(), kReasonNotIncluded)) << result.error().message();
  ReleaseProof flipped = proof_for(3);
  flipped.manifest.back() = ']';
  EXPECT_TRUE(has_reason(verify(flipped).error(), kReasonManifestMalformed));
}

TEST_F(ReleaseTest, RejectsAProofForTheWrongIndex) {
  ReleaseProof proof = proof_for(3);
  proof.log_proof.index = 1;
  auto result = verify(proof);
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(has_reason(result.error(), kReasonNotIncluded)) << result.error().message();
  proof.log_proof.index = 5;  // beyond the tree
  EXPECT_TRUE(has_reason(verify(proof).error(), kReasonNotIncluded));
  // Another entry's inclusion proof with this manifest.
  ReleaseProof swapped = proof_for(3);
  swapped.log_proof.inclusion = proof_for(2).log_proof.inclusion;
  EXPECT_TRUE(has_reason(verify(swapped).error(), kReasonNotIncluded));
}

TEST_F(ReleaseTest, RejectsAForkedLogAsASplitView) {
  std::string stored = *log_->read_checkpoint();  // size 5, the public history
  // The log key signs a different history, and the pinned witnesses' keys
  // cosign it too (stolen, or run from a state that never saw the public log).
  LogDirectory fork = *LogDirectory::create(temp_.path() / "fork", log_key_);
  std::vector<Bytes> entries;
  for (int n = 0; n < 5; ++n) entries.push_back(manifest_bytes(n == 3 ? 9 : n));
  ASSERT_TRUE(fork.append(entries, log_key_).ok());
  auto cosign_fork = [&]() {
    std::string note = *fork.read_checkpoint();
    std::vector<NoteSignature> cosignatures;
    for (size_t i = 0; i < witness_keys_.size(); ++i) {
      auto colluder = *Witness::create(*NoteSigner::parse(witness_keys_[i]), {log_key_.verifier()},
                                       temp_.path() / ("colluder" + std::to_string(i)), clock_);
      uint64_t old_size = *colluder.latest_size(kOrigin);
      auto fork_tiles = fork.tiles();
      auto proof = consistency_from_tiles(fork_tiles)(old_size, *fork_size(note));
      auto response =
          colluder.add_checkpoint(format_add_checkpoint_request({old_size, *proof, note}));
      ASSERT_TRUE(response.ok()) << response.error().message();
      auto lines = parse_signature_lines(*response);
      ASSERT_TRUE(lines.ok());
      cosignatures.insert(cosignatures.end(), lines->begin(), lines->end());
    }
    ASSERT_TRUE(fork.add_cosignatures(cosignatures, policy_.witnesses).ok());
  };
  cosign_fork();
  auto fork_tiles = fork.tiles();
  auto fork_proof = build_release_proof(fork_tiles, *fork.read_checkpoint(), 3);
  ASSERT_TRUE(fork_proof.ok());
  // On its own, the fork looks fine: that is what a split view is.
  ASSERT_TRUE(verify(*fork_proof).ok());

  // Same size, different root.
  auto same_size = verify(*fork_proof, stored);
  ASSERT_FALSE(same_size.ok());
  EXPECT_TRUE(has_reason(same_size.error(), kReasonSplitView)) << same_size.error().message();

  // A larger fork: its own tiles cannot prove it consistent with the stored
  // checkpoint, and the public log has no tree of that size to prove it from.
  std::vector<Bytes> more = {manifest_bytes(10)};
  ASSERT_TRUE(fork.append(more, log_key_).ok());
  cosign_fork();
  auto larger_proof = build_release_proof(fork_tiles, *fork.read_checkpoint(), 3);
  ASSERT_TRUE(larger_proof.ok());
  auto larger = verify_release_proof(*larger_proof, policy_, std::string_view(stored),
                                     consistency_from_tiles(fork_tiles));
  ASSERT_FALSE(larger.ok());
  EXPECT_TRUE(has_reason(larger.error(), kReasonSplitView)) << larger.error().message();
  auto from_public = verify_release_proof(*larger_proof, policy_, std::string_view(stored),
                                          consistency_from_tiles(tiles_));
  ASSERT_FALSE(from_public.ok());
  EXPECT_TRUE(has_reason(from_public.error(), kReasonNoConsistencyProof))
      << from_public.error().message();
}

TEST_F(ReleaseTest, RejectsARolledBackCheckpoint) {
  ReleaseProof old_proof = proof_for(1);  // against size 5
  release(5);
  std::string stored = *log_->read_checkpoint();  // size 6
  auto result = verify(old_proof, stored);
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(has_reason(result.error(), kReasonRollback)) << result.error().message();
  // A client may accept an older checkpoint that is a prefix of its own.
  policy_.accept_older_checkpoints = true;
  auto lenient = verify(old_proof, stored);
  ASSERT_TRUE(lenient.ok()) << lenient.error().message();
  EXPECT_FALSE(lenient->update.advanced);
  EXPECT_EQ(lenient->update.checkpoint_to_store, stored);
}

TEST_F(ReleaseTest, RejectsAMissingWitness) {
  release(5, /*cosigners=*/1);
  auto result = verify(proof_for(5));
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(has_reason(result.error(), kReasonTooFewWitnesses)) << result.error().message();
  // Cosignatures by keys the client does not pin do not count.
  auto stranger = *NoteSigner::generate("witness.example/w1", KeyType::kCosignatureV1);
  ReleaseProof proof = proof_for(5);
  Note note = *parse_note(proof.log_proof.checkpoint);
  note.signatures.push_back(stranger.sign(note.text, 1700000000));
  proof.log_proof.checkpoint = format_note(note);
  EXPECT_TRUE(has_reason(verify(proof).error(), kReasonTooFewWitnesses));
  // Duplicates of one pinned witness count once.
  note.signatures.push_back(note.signatures[1]);
  proof.log_proof.checkpoint = format_note(note);
  EXPECT_TRUE(has_reason(verify(proof).error(), kReasonTooFewWitnesses));
  // A threshold the witnesses meet passes.
  policy_.witness_threshold = 1;
  EXPECT_TRUE(verify(proof_for(5)).ok());
}

TEST_F(ReleaseTest, RejectsBadSignaturesAndOtherLogs) {
  ReleaseProof proof = proof_for(0);
  Note note = *parse_note(proof.log_proof.checkpoint);
  Note bad_log = note;
  bad_log.signatures[0].signature[0] ^= 1;
  ReleaseProof tampered = proof;
  tampered.log_proof.checkpoint = format_note(bad_log);
  EXPECT_TRUE(has_reason(verify(tampered).error(), kReasonBadSignature));

  Note bad_witness = note;
  bad_witness.signatures[2].signature[20] ^= 1;
  tampered.log_proof.checkpoint = format_note(bad_witness);
  EXPECT_TRUE(has_reason(verify(tampered).error(), kReasonBadCosignature));

  Note unsigned_note = note;
  unsigned_note.signatures.erase(unsigned_note.signatures.begin());
  tampered.log_proof.checkpoint = format_note(unsigned_note);
  EXPECT_TRUE(has_reason(verify(tampered).error(), kReasonBadSignature));

  LogTrustPolicy other_log = policy_;
  other_log.log_key = NoteSigner::generate("log.example/other", KeyType::kEd25519)->verifier();
  auto wrong = verify_release_proof(proof, other_log, std::nullopt, nullptr);
  ASSERT_FALSE(wrong.ok());
  EXPECT_TRUE(has_reason(wrong.error(), kReasonWrongLog));
}

TEST_F(ReleaseTest, NeedsAConsistencyProofToAdvance) {
  std::string stored = *log_->read_checkpoint();
  release(5);
  auto result = verify_release_proof(proof_for(5), policy_, std::string_view(stored), nullptr);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code(), ErrorCode::kUnavailable);
  EXPECT_TRUE(has_reason(result.error(), kReasonNoConsistencyProof));
  MemoryTileStorage empty;
  auto missing_tiles = verify_release_proof(proof_for(5), policy_, std::string_view(stored),
                                            consistency_from_tiles(empty));
  ASSERT_FALSE(missing_tiles.ok());
  EXPECT_TRUE(has_reason(missing_tiles.error(), kReasonNoConsistencyProof));
}

TEST_F(ReleaseTest, EnclaveRefreshesItsProofToANewerCheckpoint) {
  ReleaseProof old_proof = proof_for(1);
  release(5);
  release(6);
  std::string newest = *log_->read_checkpoint();
  auto refreshed = refresh_release_proof(old_proof, newest, policy_, tiles_);
  ASSERT_TRUE(refreshed.ok()) << refreshed.error().message();
  EXPECT_EQ(refreshed->log_proof.checkpoint, newest);
  auto verified = verify(*refreshed, newest);
  ASSERT_TRUE(verified.ok()) << verified.error().message();
  EXPECT_EQ(verified->index, 1u);
  // It refuses to go backwards or to an unwitnessed checkpoint.
  EXPECT_FALSE(
      refresh_release_proof(*refreshed, old_proof.log_proof.checkpoint, policy_, tiles_).ok());
  release(7, 0);
  EXPECT_FALSE(refresh_release_proof(*refreshed, *log_->read_checkpoint(), policy_, tiles_).ok());
}

}  // namespace
}  // namespace cloister::tlog
