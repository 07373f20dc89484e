// Runs the cloister-log binary as an operator, a witness and an auditor
// would, including two appending processes at once.
#include <stdio.h>
#include <sys/wait.h>

#include <fstream>
#include <set>

#include <gtest/gtest.h>

#include "base/files.h"
#include "testing/temp_dir.h"
#include "tlog/checkpoint.h"
#include "tlog/log_directory.h"

namespace cloister::tools::log {
namespace {

struct Outcome {
  int status = -1;
  std::string output;  // stdout and stderr
};

Outcome run(const std::string& command) {
  Outcome result;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  size_t n = 0;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) result.output.append(buffer, n);
  int status = ::pclose(pipe);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string trim(std::string text) {
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

class CloisterLogCli : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(temp_.path().empty());
    dir_ = temp_.path().string();
    Outcome init = cli("init --dir " + dir_ + "/log --origin example.com/releases --key-out " +
                       dir_ + "/log.key");
    ASSERT_EQ(init.status, 0) << init.output;
    vkey_ = trim(init.output);
    std::ofstream(dir_ + "/enclave.bin") << "enclave build";
  }

  Outcome cli(const std::string& arguments) {
    return run(std::string(CLOISTER_LOG_BINARY) + " " + arguments);
  }

  std::string make_manifest(const std::string& version) {
    std::string path = dir_ + "/manifest-" + version + ".json";
    Outcome created =
        cli("manifest create --version " + version + " --source-commit " + std::string(40, 'c') +
            " --enclave-binary " + dir_ + "/enclave.bin --setting context=2048 --out " + path);
    EXPECT_EQ(created.status, 0) << created.output;
    return path;
  }

  std::string add_witness(const std::string& name) {
    Outcome init = cli("witness init --name " + name + " --key-out " + dir_ + "/" +
                       name.substr(name.rfind('/') + 1) + ".key");
    EXPECT_EQ(init.status, 0) << init.output;
    return trim(init.output);
  }

  // Has witness `name` cosign the current checkpoint, starting from `old_size`.
  void cosign(const std::string& name, const std::string& vkey, uint64_t old_size) {
    std::string request = dir_ + "/request.txt";
    std::string signatures = dir_ + "/signatures.txt";
    ASSERT_EQ(run(std::string(CLOISTER_LOG_BINARY) + " witness request --dir " + dir_ +
                  "/log --old " + std::to_string(old_size) + " > " + request)
                  .status,
              0);
    Outcome cosigned = run(std::string(CLOISTER_LOG_BINARY) + " witness cosign --key " + dir_ +
                           "/" + name.substr(name.rfind('/') + 1) + ".key --state " + dir_ + "/" +
                           name.substr(name.rfind('/') + 1) + "-state --log-vkey " + vkey_ +
                           " --request " + request + " > " + signatures);
    ASSERT_EQ(cosigned.status, 0) << cosigned.output;
    Outcome attached =
        cli("witness attach --dir " + dir_ + "/log --witness-vkey " + vkey + " " + signatures);
    ASSERT_EQ(attached.status, 0) << attached.output;
  }

  testing::TempDir temp_;
  std::string dir_;
  std::string vkey_;
};

TEST_F(CloisterLogCli, ReleaseFlowFromAppendToClientVerification) {
  std::string manifest = make_manifest("0.1.0");
  Outcome appended = cli("append --dir " + dir_ + "/log --key " + dir_ + "/log.key " + manifest);
  ASSERT_EQ(appended.status, 0) << appended.output;
  EXPECT_EQ(appended.output, "0\n");
  std::string w1 = add_witness("witness.example/w1");
  cosign("witness.example/w1", w1, 0);

  Outcome proof =
      cli("prove release --dir " + dir_ + "/log --index 0 --out " + dir_ + "/release.proof");
  ASSERT_EQ(proof.status, 0) << proof.output;
  std::string verify = "verify release --vkey " + vkey_ + " --witness-vkey " + w1 + " --proof " +
                       dir_ + "/release.proof --tiles " + dir_ + "/log --stored " + dir_ +
                       "/stored.checkpoint --update";
  Outcome first = cli(verify);
  ASSERT_EQ(first.status, 0) << first.output;
  EXPECT_NE(first.output.find("stored checkpoint advanced"), std::string::npos);

  // A second release; the old proof is now older than what the client stored.
  std::string second = make_manifest("0.2.0");
  ASSERT_EQ(cli("append --dir " + dir_ + "/log --key " + dir_ + "/log.key " + second).status, 0);
  cosign("witness.example/w1", w1, 1);
  ASSERT_EQ(
      cli("prove release --dir " + dir_ + "/log --index 1 --out " + dir_ + "/second.proof").status,
      0);
  Outcome advanced = cli("verify release --vkey " + vkey_ + " --witness-vkey " + w1 + " --proof " +
                         dir_ + "/second.proof --tiles " + dir_ + "/log --stored " + dir_ +
                         "/stored.checkpoint --update");
  ASSERT_EQ(advanced.status, 0) << advanced.output;
  Outcome rollback = cli(verify);
  EXPECT_EQ(rollback.status, 1);
  EXPECT_NE(rollback.output.find("checkpoint older than stored (rollback)"), std::string::npos)
      << rollback.output;

  // A tampered manifest inside the proof is not included.
  auto bytes = *read_file(dir_ + "/second.proof");
  std::string text = to_string(bytes);
  text.replace(text.find("0.2.0"), 5, "0.3.0");
  ASSERT_TRUE(write_file_atomically(dir_ + "/tampered.proof", as_bytes(text)).ok());
  Outcome tampered = cli("verify release --vkey " + vkey_ + " --witness-vkey " + w1 + " --proof " +
                         dir_ + "/tampered.proof");
  EXPECT_EQ(tampered.status, 1);
  EXPECT_NE(tampered.output.find("manifest not included"), std::string::npos) << tampered.output;

  // An auditor checks the C2SP proof and the consistency of two checkpoints.
  ASSERT_EQ(run(std::string(CLOISTER_LOG_BINARY) + " prove inclusion --dir " + dir_ +
                "/log --index 1 > " + dir_ + "/p.tlog-proof")
                .status,
            0);
  Outcome inclusion = cli("verify inclusion --vkey " + vkey_ + " --witness-vkey " + w1 +
                          " --proof " + dir_ + "/p.tlog-proof --entry " + second);
  EXPECT_EQ(inclusion.status, 0) << inclusion.output;
  Outcome wrong_entry = cli("verify inclusion --vkey " + vkey_ + " --proof " + dir_ +
                            "/p.tlog-proof --entry " + manifest);
  EXPECT_EQ(wrong_entry.status, 1) << wrong_entry.output;
}

TEST_F(CloisterLogCli, TwoAppendingProcessesAtOnceNeverCorruptTheLog) {
  constexpr int kPerWriter = 12;
  std::string a = make_manifest("1.0.0");
  std::string b = make_manifest("2.0.0");
  std::string loop = "for i in $(seq " + std::to_string(kPerWriter) + "); do " +
                     std::string(CLOISTER_LOG_BINARY) + " append --dir " + dir_ + "/log --key " +
                     dir_ + "/log.key ";
  Outcome both = run("(" + loop + a + " || exit 1; done > " + dir_ + "/a.out) & (" + loop + b +
                     " || exit 1; done > " + dir_ + "/b.out) & wait");
  ASSERT_EQ(both.status, 0) << both.output;

  std::set<uint64_t> indexes;
  for (const char* out : {"/a.out", "/b.out"}) {
    std::ifstream file(dir_ + out);
    uint64_t index = 0;
    int count = 0;
    while (file >> index) {
      EXPECT_TRUE(indexes.insert(index).second) << "index " << index << " printed twice";
      ++count;
    }
    EXPECT_EQ(count, kPerWriter) << out;
  }
  EXPECT_EQ(indexes.size(), 2u * kPerWriter);
  EXPECT_EQ(*indexes.rbegin(), 2u * kPerWriter - 1);

  Outcome checkpoint = cli("checkpoint --dir " + dir_ + "/log --vkey " + vkey_);
  ASSERT_EQ(checkpoint.status, 0) << checkpoint.output;
  auto log = *tlog::LogDirectory::open(dir_ + "/log");
  auto parsed = tlog::open_checkpoint(*log.read_checkpoint(), *tlog::NoteVerifier::parse(vkey_));
  ASSERT_TRUE(parsed.ok());
  ASSERT_EQ(parsed->checkpoint.size, 2u * kPerWriter);
  auto tiles = log.tiles();
  tlog::MemoryTree reference;
  Bytes entry_a = *read_file(a);
  Bytes entry_b = *read_file(b);
  int count_a = 0;
  for (uint64_t i = 0; i < parsed->checkpoint.size; ++i) {
    auto entry = tlog::read_entry(tiles, i, parsed->checkpoint.size);
    ASSERT_TRUE(entry.ok()) << entry.error().message();
    EXPECT_TRUE(*entry == entry_a || *entry == entry_b) << i;
    count_a += *entry == entry_a ? 1 : 0;
    reference.append(tlog::leaf_hash(*entry));
  }
  EXPECT_EQ(count_a, kPerWriter);
  EXPECT_EQ(*tlog::tree_root(reference, parsed->checkpoint.size), parsed->checkpoint.root);
}

TEST_F(CloisterLogCli, RefusesNonCanonicalManifestsAndKeyReuse) {
  std::ofstream(dir_ + "/pretty.json") << "{ \"format\": \"cloister/release-manifest/v1\" }";
  Outcome appended =
      cli("append --dir " + dir_ + "/log --key " + dir_ + "/log.key " + dir_ + "/pretty.json");
  EXPECT_EQ(appended.status, 2);
  EXPECT_NE(appended.output.find("not canonical"), std::string::npos) << appended.output;
  Outcome again =
      cli("init --dir " + dir_ + "/other --origin example.com/x --key-out " + dir_ + "/log.key");
  EXPECT_EQ(again.status, 2);
  EXPECT_NE(again.output.find("refusing to replace"), std::string::npos) << again.output;
}

}  // namespace
}  // namespace cloister::tools::log
