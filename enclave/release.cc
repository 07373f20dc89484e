#include "enclave/release.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <limits>

#include "base/encoding.h"
#include "base/files.h"
#include "enclave/upstream_backend.h"
#include "tlog/release_proof.h"
#include "tlog/release_verify.h"

namespace cloister::enclave {
namespace {

constexpr size_t kMaxReleaseFileSize = size_t{1} << 20;

Error bad_setting(const std::string& name, std::string_view problem) {
  return Error(ErrorCode::kInvalidArgument,
               "the manifest's engine setting '" + name + "' " + std::string(problem));
}

Status verify_with_log(const tlog::ReleaseProof& proof, const ReleaseFiles& files) {
  CLOISTER_ASSIGN_OR_RETURN(tlog::NoteVerifier log_key, tlog::NoteVerifier::parse(*files.log_vkey));
  tlog::LogTrustPolicy policy{std::move(log_key), {}, files.witness_threshold, false};
  for (const std::string& vkey : files.witness_vkeys) {
    CLOISTER_ASSIGN_OR_RETURN(tlog::NoteVerifier witness, tlog::NoteVerifier::parse(vkey));
    policy.witnesses.push_back(std::move(witness));
  }
  auto verified = tlog::verify_release_proof(proof, policy, std::nullopt, nullptr);
  if (!verified.ok()) return verified.error().with_context("the release proof does not verify");
  return ok_status();
}

}  // namespace

Result<Release> load_release(const ReleaseFiles& files) {
  Release release;
  CLOISTER_ASSIGN_OR_RETURN(release.manifest_bytes, read_file(files.manifest, kMaxReleaseFileSize));
  auto manifest = tlog::parse_manifest(release.manifest_bytes);
  if (!manifest.ok()) {
    return manifest.error().with_context("the release manifest " + files.manifest.string() +
                                         " is not a canonical manifest");
  }
  release.manifest = std::move(manifest).value();
  release.manifest_sha256 = tlog::manifest_digest(release.manifest_bytes);

  CLOISTER_ASSIGN_OR_RETURN(release.release_proof,
                            read_file(files.release_proof, kMaxReleaseFileSize));
  auto proof = tlog::parse_release_proof(release.release_proof);
  if (!proof.ok()) {
    return proof.error().with_context("the release proof " + files.release_proof.string() +
                                      " does not parse");
  }
  if (proof->manifest != release.manifest_bytes) {
    return Error(ErrorCode::kRejected,
                 "the release proof is for a different manifest than " + files.manifest.string());
  }
  if (files.log_vkey) CLOISTER_TRY(verify_with_log(*proof, files));
  return release;
}

namespace {

Result<crypto::Sha256Digest> sha256_descriptor(int fd, const std::filesystem::path& path) {
  crypto::Hasher hasher(crypto::HashAlgorithm::kSha256);
  std::vector<uint8_t> buffer(size_t{1} << 20);
  while (true) {
    const ssize_t got = ::read(fd, buffer.data(), buffer.size());
    if (got == 0) break;
    if (got < 0) {
      if (errno == EINTR) continue;
      return Error(ErrorCode::kIo, "cannot read " + path.string() + ": " + std::strerror(errno));
    }
    hasher.update({buffer.data(), static_cast<size_t>(got)});
  }
  const Bytes digest = hasher.finish();
  crypto::Sha256Digest out{};
  std::copy(digest.begin(), digest.end(), out.begin());
  return out;
}

Result<std::shared_ptr<const OpenFile>> open_for_reading(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Error(errno == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIo,
                 "cannot open " + path.string() + ": " + std::strerror(errno));
  }
  return std::make_shared<const OpenFile>(fd);
}

}  // namespace

OpenFile::~OpenFile() {
  if (fd_ >= 0) ::close(fd_);
}

std::filesystem::path ServedModel::verified_path() const {
  if (!file) return path;
  return "/proc/self/fd/" + std::to_string(file->fd());
}

Result<crypto::Sha256Digest> sha256_file(const std::filesystem::path& path) {
  CLOISTER_ASSIGN_OR_RETURN(std::shared_ptr<const OpenFile> file, open_for_reading(path));
  return sha256_descriptor(file->fd(), path);
}

Result<ServedModel> verify_model_file(const tlog::ReleaseManifest& manifest,
                                      const std::filesystem::path& path) {
  CLOISTER_ASSIGN_OR_RETURN(std::shared_ptr<const OpenFile> file, open_for_reading(path));
  CLOISTER_ASSIGN_OR_RETURN(crypto::Sha256Digest digest, sha256_descriptor(file->fd(), path));
  for (const tlog::ModelFile& model : manifest.models) {
    if (model.sha256 == digest) return ServedModel{model.name, digest, path, std::move(file)};
  }
  return Error(ErrorCode::kRejected,
               "the model file " + path.string() + " has SHA-256 " + hex_encode(digest) +
                   ", which the release manifest does not list; refusing to serve it");
}

Result<EngineSettings> engine_settings(const tlog::ReleaseManifest& manifest) {
  EngineSettings settings;
  for (const auto& [name, value] : manifest.engine_settings) {
    if (name == "context") {
      const auto* tokens = std::get_if<int64_t>(&value);
      if (tokens == nullptr || *tokens < 1 || *tokens > std::numeric_limits<uint32_t>::max()) {
        return bad_setting(name, "must be a positive integer");
      }
      settings.context_length = static_cast<uint32_t>(*tokens);
    } else if (name == "chat_template") {
      const auto* format = std::get_if<std::string>(&value);
      if (format == nullptr) return bad_setting(name, "must be a string");
      if (*format == "plain") {
        settings.prompt.plain = true;
      } else if (auto parsed = engine::chat_format_from_name(*format)) {
        settings.prompt.chat_format = *parsed;
      } else {
        return bad_setting(name, "must be plain, chatml, llama3, llama2, mistral or phi3");
      }
    } else {
      return bad_setting(name, "is not one this enclave knows how to enforce");
    }
  }
  if (manifest.upstream_engine) {
    auto origin = loopback_origin(*manifest.upstream_engine);
    if (!origin.ok()) return origin.error().with_context("the manifest's engine.upstream");
    settings.upstream_origin = std::move(origin).value();
  }
  return settings;
}

}  // namespace cloister::enclave
