#include "enclave/testing/release_fixture.h"

#include <stdlib.h>

#include <cstdlib>
#include <map>
#include <mutex>

#include <gtest/gtest.h>

#include "attest/simulated.h"
#include "base/clock.h"
#include "base/files.h"
#include "enclave/release.h"
#include "tlog/log_directory.h"
#include "tlog/release_proof.h"
#include "tlog/witness.h"

namespace cloister::enclave::testing {
namespace {

constexpr std::string_view kOrigin = "test.cloister.example/releases";

template <typename T>
T expect_ok(Result<T> result, std::string_view what) {
  if (!result.ok()) {
    ADD_FAILURE() << what << ": " << result.error().message();
    std::abort();
  }
  return std::move(result).value();
}

// Hashes each binary once per process: test binaries are large.
crypto::Sha256Digest binary_sha256(const std::filesystem::path& binary) {
  static std::mutex mutex;
  static std::map<std::string, crypto::Sha256Digest> cache;
  std::lock_guard lock(mutex);
  auto it = cache.find(binary.string());
  if (it != cache.end()) return it->second;
  const crypto::Sha256Digest digest =
      crypto::sha256(expect_ok(read_file(binary), "reading the enclave binary"));
  cache.emplace(binary.string(), digest);
  return digest;
}

}  // namespace

const std::filesystem::path& simulated_state_dir() {
  static const TempDir directory;
  return directory.path();
}

tlog::ModelFile model_entry(std::string name, const std::filesystem::path& path) {
  // Hashed in pieces: benchmark models are gigabytes, over read_file's bound.
  return {std::move(name), expect_ok(sha256_file(path), "hashing the model")};
}

ReleaseFixture::ReleaseFixture(const ReleaseOptions& options)
    : manifest_path_(dir_.path() / "manifest.json"), proof_path_(dir_.path() / "release.proof") {
  tlog::NoteSigner log_key = expect_ok(
      tlog::NoteSigner::generate(std::string(kOrigin), tlog::KeyType::kEd25519), "log key");
  tlog::NoteSigner witness_key = expect_ok(
      tlog::NoteSigner::generate("witness.test.cloister.example", tlog::KeyType::kCosignatureV1),
      "witness key");
  policy_ = tlog::LogTrustPolicy{log_key.verifier(), {witness_key.verifier()}, 1, false};

  tlog::ReleaseManifest manifest;
  manifest.version = "0.1.0-test";
  manifest.source_commit = std::string(40, 'c');
  manifest.enclave_binary_sha256 = binary_sha256(options.measured_binary);
  manifest.simulated_measurements = {attest::simulated_measurement(manifest.enclave_binary_sha256)};
  manifest.models = options.models;
  manifest.engine_settings = options.settings;
  manifest.upstream_engine = options.upstream;
  manifest_bytes_ = to_bytes(expect_ok(tlog::encode_manifest(manifest), "encoding the manifest"));

  // The log gets an unrelated first entry, so that the proof is a real path.
  tlog::LogDirectory log =
      expect_ok(tlog::LogDirectory::create(dir_.path() / "log", log_key), "creating the log");
  std::vector<Bytes> entries = {to_bytes("an earlier release"), manifest_bytes_};
  expect_ok(log.append(entries, log_key), "appending");
  FixedClock clock(from_unix_seconds(1'700'000'000));
  tlog::Witness witness =
      expect_ok(tlog::Witness::create(std::move(witness_key), {log_key.verifier()},
                                      dir_.path() / "witness", clock),
                "creating the witness");
  const std::string note = expect_ok(log.read_checkpoint(), "reading the checkpoint");
  auto tiles = log.tiles();
  std::vector<tlog::Hash> consistency =
      expect_ok(tlog::consistency_from_tiles(tiles)(0, 2), "consistency proof");
  const std::string response =
      expect_ok(witness.add_checkpoint(tlog::format_add_checkpoint_request({0, consistency, note})),
                "cosigning");
  std::vector<tlog::NoteSignature> cosignatures =
      expect_ok(tlog::parse_signature_lines(response), "parsing the cosignature");
  if (!log.add_cosignatures(cosignatures, policy_->witnesses).ok()) std::abort();

  tlog::ReleaseProof proof = expect_ok(
      tlog::build_release_proof(tiles, expect_ok(log.read_checkpoint(), "checkpoint"), 1), "proof");
  const Bytes encoded = expect_ok(tlog::encode_release_proof(proof), "encoding the proof");
  if (!write_file_atomically(manifest_path_, manifest_bytes_).ok() ||
      !write_file_atomically(proof_path_, encoded).ok()) {
    std::abort();
  }
}

EnclaveConfig ReleaseFixture::config(const std::filesystem::path& model) const {
  EnclaveConfig config;
  config.provider = ProviderKind::kSimulated;
  config.state_dir = simulated_state_dir();
  config.model = model;
  config.release.manifest = manifest_path_;
  config.release.release_proof = proof_path_;
  config.listen = "127.0.0.1:0";
  config.threads = 1;
  config.max_batch = 8;
  config.require_memory_lock = false;
  return config;
}

}  // namespace cloister::enclave::testing
