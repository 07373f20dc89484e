#include "tlog/witness.h"

#include <gtest/gtest.h>

#include "testing/temp_dir.h"
#include "tlog/log_directory.h"
#include "tlog/release_verify.h"

namespace cloister::tlog {
namespace {

class WitnessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(temp_.path().empty());
    log_key_ =
        std::make_unique<NoteSigner>(*NoteSigner::generate("log.example/r", KeyType::kEd25519));
    log_ = std::make_unique<LogDirectory>(*LogDirectory::create(temp_.path() / "log", *log_key_));
  }

  Witness make_witness(const NoteSigner& key) {
    auto witness = Witness::create(*NoteSigner::parse(to_string(key.encode().span())),
                                   {log_key_->verifier()}, temp_.path() / "witness", clock_);
    EXPECT_TRUE(witness.ok());
    return std::move(witness).value();
  }

  void append(int count) {
    std::vector<Bytes> entries;
    for (int i = 0; i < count; ++i) entries.push_back(to_bytes("entry " + std::to_string(next_++)));
    ASSERT_TRUE(log_->append(entries, *log_key_).ok());
  }

  // The add-checkpoint request for the log's current checkpoint from `old_size`.
  std::string request_from(uint64_t old_size) {
    std::string note = *log_->read_checkpoint();
    auto checkpoint = parse_checkpoint_text(parse_note(note)->text);
    auto tiles = log_->tiles();
    auto proof = consistency_from_tiles(tiles)(old_size, checkpoint->size);
    EXPECT_TRUE(proof.ok());
    return format_add_checkpoint_request({old_size, *proof, note});
  }

  testing::TempDir temp_;
  FixedClock clock_{from_unix_seconds(1700000000)};
  std::unique_ptr<NoteSigner> log_key_;
  std::unique_ptr<LogDirectory> log_;
  NoteSigner witness_key_ = *NoteSigner::generate("witness.example/w1", KeyType::kCosignatureV1);
  int next_ = 0;
};

TEST_F(WitnessTest, CosignsCheckpointsThatExtendTheLastOne) {
  Witness witness = make_witness(witness_key_);
  append(3);
  auto first = witness.add_checkpoint(request_from(0));
  ASSERT_TRUE(first.ok()) << first.error().message();
  auto lines = parse_signature_lines(*first);
  ASSERT_TRUE(lines.ok());
  ASSERT_EQ(lines->size(), 1u);
  Note note = *parse_note(*log_->read_checkpoint());
  EXPECT_TRUE(witness_key_.verifier().matches((*lines)[0]));
  EXPECT_TRUE(witness_key_.verifier().verify(note.text, (*lines)[0].signature));
  EXPECT_EQ(cosignature_timestamp((*lines)[0].signature), 1700000000u);
  EXPECT_EQ(*witness.latest_size("log.example/r"), 3u);

  append(4);
  auto second = witness.add_checkpoint(request_from(3));
  ASSERT_TRUE(second.ok()) << second.error().message();
  // The state survives the process: a new Witness object remembers size 7.
  Witness restarted = make_witness(witness_key_);
  EXPECT_EQ(*restarted.latest_size("log.example/r"), 7u);
  // Re-submitting the same checkpoint is fine.
  EXPECT_TRUE(restarted.add_checkpoint(request_from(7)).ok());
}

TEST_F(WitnessTest, AnswersConflictWhenOldSizeIsNotTheLastCosigned) {
  Witness witness = make_witness(witness_key_);
  append(2);
  ASSERT_TRUE(witness.add_checkpoint(request_from(0)).ok());
  append(2);
  auto stale = witness.add_checkpoint(request_from(1));
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().code(), ErrorCode::kConflict);
  EXPECT_EQ(witness_http_status(stale.error()), 409);
  auto from_zero = witness.add_checkpoint(request_from(0));
  ASSERT_FALSE(from_zero.ok());
  EXPECT_EQ(witness_http_status(from_zero.error()), 409);
}

TEST_F(WitnessTest, RefusesToCosignAFork) {
  Witness witness = make_witness(witness_key_);
  append(3);
  ASSERT_TRUE(witness.add_checkpoint(request_from(0)).ok());
  // The log key signs a different tree of the same size: a fork.
  LogDirectory fork = *LogDirectory::create(temp_.path() / "fork", *log_key_);
  std::vector<Bytes> other = {to_bytes("x"), to_bytes("y"), to_bytes("z")};
  ASSERT_TRUE(fork.append(other, *log_key_).ok());
  auto same_size =
      witness.add_checkpoint(format_add_checkpoint_request({3, {}, *fork.read_checkpoint()}));
  ASSERT_FALSE(same_size.ok());
  EXPECT_EQ(witness_http_status(same_size.error()), 422);
  // A larger fork with a proof computed from the fork's own tiles fails too.
  std::vector<Bytes> more = {to_bytes("w")};
  ASSERT_TRUE(fork.append(more, *log_key_).ok());
  auto fork_tiles = fork.tiles();
  auto proof = consistency_from_tiles(fork_tiles)(3, 4);
  ASSERT_TRUE(proof.ok());
  auto larger =
      witness.add_checkpoint(format_add_checkpoint_request({3, *proof, *fork.read_checkpoint()}));
  ASSERT_FALSE(larger.ok());
  EXPECT_EQ(witness_http_status(larger.error()), 422);
  EXPECT_EQ(*witness.latest_size("log.example/r"), 3u);
}

TEST_F(WitnessTest, RejectsUnknownLogsBadSignaturesAndBadRequests) {
  Witness witness = make_witness(witness_key_);
  append(2);
  auto stranger = *NoteSigner::generate("log.example/other", KeyType::kEd25519);
  LogDirectory other = *LogDirectory::create(temp_.path() / "other", stranger);
  auto unknown =
      witness.add_checkpoint(format_add_checkpoint_request({0, {}, *other.read_checkpoint()}));
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(witness_http_status(unknown.error()), 404);

  auto impostor = *NoteSigner::generate("log.example/r", KeyType::kEd25519);
  Note note = *parse_note(*log_->read_checkpoint());
  Note forged{note.text, {impostor.sign(note.text)}};
  auto unsigned_by_log =
      witness.add_checkpoint(format_add_checkpoint_request({0, {}, format_note(forged)}));
  ASSERT_FALSE(unsigned_by_log.ok());
  EXPECT_EQ(witness_http_status(unsigned_by_log.error()), 403);

  auto too_old =
      witness.add_checkpoint(format_add_checkpoint_request({5, {}, *log_->read_checkpoint()}));
  ASSERT_FALSE(too_old.ok());
  EXPECT_EQ(witness_http_status(too_old.error()), 400);

  auto garbage = witness.add_checkpoint("old 0\n");
  ASSERT_FALSE(garbage.ok());
  EXPECT_EQ(witness_http_status(garbage.error()), 400);

  auto proof_from_zero = witness.add_checkpoint(
      format_add_checkpoint_request({0, {empty_tree_hash()}, *log_->read_checkpoint()}));
  ASSERT_FALSE(proof_from_zero.ok());
  EXPECT_EQ(witness_http_status(proof_from_zero.error()), 422);
}

TEST_F(WitnessTest, RequiresACosignatureKey) {
  auto plain = *NoteSigner::generate("witness.example/plain", KeyType::kEd25519);
  EXPECT_FALSE(
      Witness::create(std::move(plain), {log_key_->verifier()}, temp_.path(), clock_).ok());
}

}  // namespace
}  // namespace cloister::tlog
