#include "tlog/log_directory.h"

#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "base/files.h"
#include "testing/temp_dir.h"

namespace cloister::tlog {
namespace {

constexpr std::string_view kOrigin = "log.example/releases";

class LogDirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(temp_.path().empty());
    signer_ = std::make_unique<NoteSigner>(
        *NoteSigner::generate(std::string(kOrigin), KeyType::kEd25519));
  }

  std::filesystem::path dir() const { return temp_.path() / "log"; }

  Checkpoint current(const LogDirectory& log) const {
    auto note = log.read_checkpoint();
    EXPECT_TRUE(note.ok());
    auto opened = open_checkpoint(*note, signer_->verifier());
    EXPECT_TRUE(opened.ok()) << opened.error().message();
    return opened.ok() ? opened->checkpoint : Checkpoint{};
  }

  testing::TempDir temp_;
  std::unique_ptr<NoteSigner> signer_;
};

TEST_F(LogDirectoryTest, CreatesAnEmptySignedLogOnce) {
  auto log = LogDirectory::create(dir(), *signer_);
  ASSERT_TRUE(log.ok()) << log.error().message();
  Checkpoint empty = current(*log);
  EXPECT_EQ(empty.origin, kOrigin);
  EXPECT_EQ(empty.size, 0u);
  EXPECT_EQ(empty.root, empty_tree_hash());
  auto again = LogDirectory::create(dir(), *signer_);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(LogDirectory::open(temp_.path() / "none").error().code(), ErrorCode::kNotFound);
}

TEST_F(LogDirectoryTest, AppendsWriteTilesBundlesAndANewCheckpoint) {
  auto log = *LogDirectory::create(dir(), *signer_);
  std::vector<Bytes> entries = {to_bytes("a"), to_bytes("b"), to_bytes("c")};
  auto first = log.append(std::span(entries).first(1), *signer_);
  ASSERT_TRUE(first.ok()) << first.error().message();
  EXPECT_EQ(first->first_index, 0u);
  auto rest = log.append(std::span(entries).subspan(1), *signer_);
  ASSERT_TRUE(rest.ok()) << rest.error().message();
  EXPECT_EQ(rest->first_index, 1u);
  EXPECT_EQ(*log.read_checkpoint(), rest->checkpoint);

  MemoryTree reference;
  for (const auto& e : entries) reference.append(leaf_hash(e));
  Checkpoint checkpoint = current(log);
  EXPECT_EQ(checkpoint.size, 3u);
  EXPECT_EQ(checkpoint.root, *tree_root(reference, 3));
  EXPECT_TRUE(std::filesystem::exists(dir() / "tile/0/000.p/3"));
  EXPECT_TRUE(std::filesystem::exists(dir() / "tile/0/000.p/1"));  // kept for the older checkpoint
  EXPECT_TRUE(std::filesystem::exists(dir() / "tile/entries/000.p/3"));
  auto tiles = log.tiles();
  EXPECT_EQ(*read_entry(tiles, 1, 3), to_bytes("b"));
}

TEST_F(LogDirectoryTest, RefusesAnotherKeyAndOversizedEntries) {
  auto log = *LogDirectory::create(dir(), *signer_);
  auto intruder = *NoteSigner::generate(std::string(kOrigin), KeyType::kEd25519);
  std::vector<Bytes> one = {to_bytes("x")};
  EXPECT_FALSE(log.append(one, intruder).ok());
  std::vector<Bytes> huge = {Bytes(65536, 'x')};
  EXPECT_FALSE(log.append(huge, *signer_).ok());
  EXPECT_EQ(current(log).size, 0u);
}

TEST_F(LogDirectoryTest, AddsOnlyValidWitnessCosignatures) {
  auto log = *LogDirectory::create(dir(), *signer_);
  std::vector<Bytes> one = {to_bytes("x")};
  ASSERT_TRUE(log.append(one, *signer_).ok());
  auto witness = *NoteSigner::generate("witness.example/w1", KeyType::kCosignatureV1);
  auto stranger = *NoteSigner::generate("witness.example/w2", KeyType::kCosignatureV1);
  Note note = *parse_note(*log.read_checkpoint());
  std::vector<NoteVerifier> known = {witness.verifier()};

  std::vector<NoteSignature> bad = {stranger.sign(note.text, 1)};
  EXPECT_FALSE(log.add_cosignatures(bad, known).ok());
  std::vector<NoteSignature> wrong_text = {witness.sign("other\n", 1)};
  EXPECT_FALSE(log.add_cosignatures(wrong_text, known).ok());

  std::vector<NoteSignature> good = {witness.sign(note.text, 1)};
  ASSERT_TRUE(log.add_cosignatures(good, known).ok());
  std::vector<NoteSignature> newer = {witness.sign(note.text, 2)};
  ASSERT_TRUE(log.add_cosignatures(newer, known).ok());
  Note updated = *parse_note(*log.read_checkpoint());
  ASSERT_EQ(updated.signatures.size(), 2u);  // the log's and one (the newest) cosignature
  EXPECT_EQ(cosignature_timestamp(updated.signatures[1].signature), 2u);
}

// Two processes appending at once take turns: nothing is lost, duplicated or
// corrupted, and each writer's entries keep their order.
TEST_F(LogDirectoryTest, ConcurrentAppendsFromTwoProcessesNeverCorruptTheLog) {
  ASSERT_TRUE(LogDirectory::create(dir(), *signer_).ok());
  constexpr int kPerWriter = 25;
  std::vector<pid_t> children;
  for (char writer : {'A', 'B'}) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      auto log = LogDirectory::open(dir());
      int status = log.ok() ? 0 : 1;
      for (int i = 0; i < kPerWriter && status == 0; ++i) {
        std::vector<Bytes> entry = {to_bytes(std::string(1, writer) + " " + std::to_string(i))};
        if (!log->append(entry, *signer_).ok()) status = 2;
      }
      ::_exit(status);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
  }

  auto log = *LogDirectory::open(dir());
  Checkpoint checkpoint = current(log);
  ASSERT_EQ(checkpoint.size, 2u * kPerWriter);
  auto tiles = log.tiles();
  MemoryTree reference;
  std::map<char, int> next = {{'A', 0}, {'B', 0}};
  for (uint64_t i = 0; i < checkpoint.size; ++i) {
    auto entry = read_entry(tiles, i, checkpoint.size);
    ASSERT_TRUE(entry.ok()) << entry.error().message();
    std::string text = to_string(*entry);
    char writer = text[0];
    EXPECT_EQ(text, std::string(1, writer) + " " + std::to_string(next[writer]));
    ++next[writer];
    reference.append(leaf_hash(*entry));
  }
  EXPECT_EQ(next['A'], kPerWriter);
  EXPECT_EQ(next['B'], kPerWriter);
  EXPECT_EQ(checkpoint.root, *tree_root(reference, checkpoint.size));
  TiledHashReader hashes(tiles, checkpoint.size);
  EXPECT_EQ(*tree_root(hashes, checkpoint.size), checkpoint.root);
}

}  // namespace
}  // namespace cloister::tlog
