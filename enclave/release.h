// What the enclave runs, as its release manifest fixes it: loading the
// manifest and its release proof at boot, checking the model file against the
// manifest's digests, and reading the engine settings the manifest measures.
// Everything here fails closed: the enclave refuses to start rather than
// serve something its manifest does not describe.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "enclave/embedded_backend.h"
#include "tlog/manifest.h"

namespace cloister::enclave {

struct ReleaseFiles {
  std::filesystem::path manifest;       // canonical JSON, as logged
  std::filesystem::path release_proof;  // tlog/release_proof.h encoding
  // When set, the proof is verified at boot against this log key (and these
  // witnesses), so that a misconfigured enclave fails before any client does.
  std::optional<std::string> log_vkey;
  std::vector<std::string> witness_vkeys;
  size_t witness_threshold = 0;
};

struct Release {
  Bytes manifest_bytes;
  tlog::ReleaseManifest manifest;
  crypto::Sha256Digest manifest_sha256{};
  Bytes release_proof;  // encoded, as the evidence bundle carries it
};

// Loads the manifest and the release proof, and checks that the proof is for
// exactly these manifest bytes (and, with a log key, that it verifies).
Result<Release> load_release(const ReleaseFiles& files);

// Returns the SHA-256 of the file at `path`, read in bounded pieces.
Result<crypto::Sha256Digest> sha256_file(const std::filesystem::path& path);

// An open file descriptor, closed with its last owner.
class OpenFile {
 public:
  explicit OpenFile(int fd) : fd_(fd) {}
  ~OpenFile();
  OpenFile(const OpenFile&) = delete;
  OpenFile& operator=(const OpenFile&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

struct ServedModel {
  std::string name;  // the manifest's name for it: the model id clients see
  crypto::Sha256Digest sha256{};
  std::filesystem::path path;
  // The file exactly as it was hashed, kept open so that the engine maps the
  // checked bytes even if the path is replaced afterwards.
  std::shared_ptr<const OpenFile> file;

  // Returns the path through which the checked file is opened again
  // (/proc/self/fd/N), or `path` if the file is not held open.
  std::filesystem::path verified_path() const;
};

// Hashes the model file (through one open descriptor, which it keeps) and
// returns the manifest entry with that digest. Fails with kRejected when the
// manifest lists no such digest.
Result<ServedModel> verify_model_file(const tlog::ReleaseManifest& manifest,
                                      const std::filesystem::path& path);

// The engine settings a manifest may fix, and what the enclave does with them.
struct EngineSettings {
  uint32_t context_length = 0;                 // "context": tokens per sequence (0: the model's)
  PromptFormat prompt;                         // "chat_template": a format name, or "plain"
  std::optional<std::string> upstream_origin;  // engine.upstream, checked to be loopback
};

// Reads the manifest's engine settings. Fails with kInvalidArgument on a
// setting the enclave does not know how to enforce, a value of the wrong
// type, or an upstream outside the VM.
Result<EngineSettings> engine_settings(const tlog::ReleaseManifest& manifest);

}  // namespace cloister::enclave
