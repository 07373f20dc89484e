#include "client/testing/release_log.h"

#include <cstdlib>

#include <gtest/gtest.h>

#include "attest/simulated.h"
#include "base/files.h"
#include "crypto/hash.h"
#include "tlog/release_proof.h"
#include "tlog/release_verify.h"

namespace cloister::client::testing {
namespace {

constexpr std::string_view kOrigin = "client-test.cloister.example/releases";

template <typename T>
T must(Result<T> result, std::string_view what) {
  if (!result.ok()) {
    ADD_FAILURE() << what << ": " << result.error().message();
    std::abort();
  }
  return std::move(result).value();
}

void must(const Status& status, std::string_view what) {
  if (!status.ok()) {
    ADD_FAILURE() << what << ": " << status.error().message();
    std::abort();
  }
}

tlog::NoteSigner copy(const tlog::NoteSigner& key) {
  return must(tlog::NoteSigner::parse(to_string(key.encode().span())), "copying a key");
}

}  // namespace

ReleaseLog::ReleaseLog(std::filesystem::path dir)
    : ReleaseLog(std::move(dir),
                 must(tlog::NoteSigner::generate(std::string(kOrigin), tlog::KeyType::kEd25519),
                      "log key"),
                 must(tlog::NoteSigner::generate("witness.client-test.example",
                                                 tlog::KeyType::kCosignatureV1),
                      "witness key"),
                 "an earlier release") {}

ReleaseLog::ReleaseLog(std::filesystem::path dir, tlog::NoteSigner log_key,
                       tlog::NoteSigner witness_key, std::string_view first_entry)
    : dir_(std::move(dir)), log_dir_(dir_ / "log") {
  log_key_ = std::move(log_key);
  witness_key_ = std::move(witness_key);
  log_ = must(tlog::LogDirectory::create(log_dir_, *log_key_), "creating the log");
  witness_.emplace(must(
      tlog::Witness::create(copy(*witness_key_), {log_key_->verifier()}, dir_ / "witness", clock_),
      "creating the witness"));
  // An unrelated first entry, so that every proof is a real path.
  std::vector<Bytes> first = {to_bytes(first_entry)};
  must(log_->append(first, *log_key_), "appending");
  cosign(0);
  first_checkpoint_ = checkpoint();
}

ReleaseLog ReleaseLog::fork(std::filesystem::path dir) const {
  return ReleaseLog(std::move(dir), copy(*log_key_), copy(*witness_key_), "a forked first entry");
}

void ReleaseLog::cosign(uint64_t old_size) {
  const std::string note = must(log_->read_checkpoint(), "reading the checkpoint");
  const tlog::Checkpoint checkpoint =
      must(tlog::parse_checkpoint_text(must(tlog::parse_note(note), "note").text), "checkpoint");
  auto tiles = log_->tiles();
  std::vector<tlog::Hash> consistency;
  if (old_size > 0) {
    consistency =
        must(tlog::consistency_from_tiles(tiles)(old_size, checkpoint.size), "consistency proof");
  }
  const std::string response = must(
      witness_->add_checkpoint(tlog::format_add_checkpoint_request({old_size, consistency, note})),
      "cosigning");
  std::vector<tlog::NoteSignature> cosignatures =
      must(tlog::parse_signature_lines(response), "parsing the cosignature");
  std::vector<tlog::NoteVerifier> witnesses = {witness_key_->verifier()};
  must(log_->add_cosignatures(cosignatures, witnesses), "adding the cosignature");
  witnessed_size_ = checkpoint.size;
}

std::filesystem::path ReleaseLog::publish(const std::string& name,
                                          const std::filesystem::path& enclave_binary,
                                          const std::filesystem::path& model) {
  tlog::ReleaseManifest manifest;
  manifest.version = "0.1.0-" + name;
  manifest.source_commit = std::string(40, 'c');
  manifest.enclave_binary_sha256 =
      crypto::sha256(must(read_file(enclave_binary), "reading the enclave binary"));
  manifest.simulated_measurements = {attest::simulated_measurement(manifest.enclave_binary_sha256)};
  manifest.models = {{"stories260K", crypto::sha256(must(read_file(model), "reading the model"))}};
  manifest.engine_settings["chat_template"] = std::string("plain");
  const Bytes manifest_bytes = to_bytes(must(tlog::encode_manifest(manifest), "manifest"));

  const uint64_t old_size = witnessed_size_;
  std::vector<Bytes> entries = {manifest_bytes};
  tlog::LogDirectory::Appended appended = must(log_->append(entries, *log_key_), "appending");
  cosign(old_size);
  auto tiles = log_->tiles();
  tlog::ReleaseProof proof =
      must(tlog::build_release_proof(tiles, checkpoint(), appended.first_index), "release proof");
  std::filesystem::path out = dir_ / name;
  std::filesystem::create_directories(out);
  must(write_file_atomically(out / "manifest.json", manifest_bytes), "writing the manifest");
  must(write_file_atomically(out / "release.proof",
                             must(tlog::encode_release_proof(proof), "encoding the proof")),
       "writing the proof");
  return out;
}

void ReleaseLog::grow() {
  const uint64_t old_size = witnessed_size_;
  std::vector<Bytes> entries = {to_bytes("a later, unrelated entry")};
  must(log_->append(entries, *log_key_), "appending");
  cosign(old_size);
}

std::string ReleaseLog::checkpoint() const {
  return must(log_->read_checkpoint(), "reading the checkpoint");
}

TrustPolicy ReleaseLog::policy() const {
  TrustPolicy policy;
  policy.log_keys = {log_key_->verifier()};
  policy.witnesses = {witness_key_->verifier()};
  policy.witness_threshold = 1;
  policy.allow_simulated = true;
  return policy;
}

}  // namespace cloister::client::testing
