// manifest create|show: building a release manifest from the files of a
// build, and inspecting one.
#include <fstream>
#include <iostream>

#include "base/encoding.h"
#include "base/files.h"
#include "tlog/canonical_json.h"
#include "tlog/manifest.h"
#include "tools/cloister-log/commands.h"

namespace cloister::tools::log {
namespace {

// The attestation component's definition of the development-only measurement:
// SHA-384("cloister/simulated-measurement/v1" || SHA-256(enclave binary)).
constexpr std::string_view kSimulatedMeasurementLabel = "cloister/simulated-measurement/v1";

tlog::Measurement simulated_measurement(const tlog::Sha256Digest& binary_digest) {
  ByteWriter input;
  input.put_string(kSimulatedMeasurementLabel);
  input.put_bytes(binary_digest);
  return crypto::sha384(input.data());
}

// Hashes a file of any size (model files can be gigabytes) in chunks.
Result<tlog::Sha256Digest> sha256_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return Error(ErrorCode::kNotFound, "cannot open " + path);
  crypto::Hasher hasher(crypto::HashAlgorithm::kSha256);
  std::vector<char> buffer(1 << 20);
  while (file) {
    file.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    auto got = static_cast<size_t>(file.gcount());
    hasher.update({reinterpret_cast<const uint8_t*>(buffer.data()), got});
  }
  if (file.bad()) return Error(ErrorCode::kIo, "cannot read " + path);
  Bytes digest = hasher.finish();
  tlog::Sha256Digest out{};
  std::copy(digest.begin(), digest.end(), out.begin());
  return out;
}

template <size_t N>
Result<std::array<uint8_t, N>> parse_hex(const std::string& text, std::string_view what) {
  auto raw = hex_decode(text);
  if (!raw.ok() || raw->size() != N) {
    return Error(ErrorCode::kInvalidArgument,
                 std::string(what) + " must be " + std::to_string(2 * N) + " hex digits");
  }
  std::array<uint8_t, N> out{};
  std::copy(raw->begin(), raw->end(), out.begin());
  return out;
}

Result<std::pair<std::string, std::string>> split_pair(const std::string& text, char separator,
                                                       std::string_view what) {
  size_t at = text.find(separator);
  if (at == std::string::npos || at == 0) {
    return Error(ErrorCode::kInvalidArgument,
                 std::string(what) + " must be NAME" + separator + "VALUE");
  }
  return std::make_pair(text.substr(0, at), text.substr(at + 1));
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t at = text.find(separator, start);
    parts.push_back(text.substr(start, at - start));
    if (at == std::string::npos) return parts;
    start = at + 1;
  }
}

struct CreateOptions {
  std::string version;
  std::string source_commit;
  std::string enclave_binary;
  std::string image;
  std::string image_sha256;
  std::vector<std::string> snp;
  std::vector<std::string> tdx;
  bool no_simulated = false;
  std::vector<std::string> models;
  std::vector<std::string> model_digests;
  std::vector<std::string> settings;
  std::string min_snp_tcb;
  std::string min_tdx_tcb;
  std::string web_app;
  std::string web_app_sha256;
  std::string upstream;
  std::string out;
};

Result<std::optional<tlog::Sha256Digest>> file_or_digest(const std::string& path,
                                                         const std::string& hex,
                                                         std::string_view what) {
  if (!path.empty()) {
    CLOISTER_ASSIGN_OR_RETURN(auto digest, sha256_file(path));
    return std::optional<tlog::Sha256Digest>(digest);
  }
  if (!hex.empty()) {
    CLOISTER_ASSIGN_OR_RETURN(auto digest, parse_hex<32>(hex, what));
    return std::optional<tlog::Sha256Digest>(digest);
  }
  return std::optional<tlog::Sha256Digest>();
}

Status add_platform_fields(const CreateOptions& options, tlog::ReleaseManifest& manifest) {
  for (const auto& hex : options.snp) {
    CLOISTER_ASSIGN_OR_RETURN(auto m, parse_hex<48>(hex, "--snp-measurement"));
    manifest.snp_measurements.push_back(m);
  }
  for (const auto& spec : options.tdx) {
    auto parts = split(spec, ':');
    if (parts.size() > 5)
      return Error(ErrorCode::kInvalidArgument, "--tdx has more than 5 registers");
    tlog::TdxMeasurements tdx;
    CLOISTER_ASSIGN_OR_RETURN(tdx.mrtd, parse_hex<48>(parts[0], "--tdx MRTD"));
    for (size_t i = 1; i < parts.size(); ++i) {
      if (parts[i].empty()) continue;
      CLOISTER_ASSIGN_OR_RETURN(tdx.rtmr[i - 1], parse_hex<48>(parts[i], "--tdx RTMR"));
    }
    manifest.tdx_measurements.push_back(tdx);
  }
  if (!options.min_snp_tcb.empty()) {
    auto parts = split(options.min_snp_tcb, '.');
    std::vector<uint8_t> values;
    for (const auto& part : parts) {
      int value = -1;
      try {
        value = std::stoi(part);
      } catch (const std::exception&) {
      }
      if (value < 0 || value > 255) {
        return Error(ErrorCode::kInvalidArgument,
                     "--min-snp-tcb is BOOTLOADER.TEE.SNP.MICROCODE[.FMC]");
      }
      values.push_back(static_cast<uint8_t>(value));
    }
    if (values.size() != 4 && values.size() != 5) {
      return Error(ErrorCode::kInvalidArgument,
                   "--min-snp-tcb is BOOTLOADER.TEE.SNP.MICROCODE[.FMC]");
    }
    tlog::SnpTcb tcb{values[0], values[1], values[2], values[3], std::nullopt};
    if (values.size() == 5) tcb.fmc = values[4];
    manifest.min_snp_tcb = tcb;
  }
  if (!options.min_tdx_tcb.empty()) {
    CLOISTER_ASSIGN_OR_RETURN(auto svn, parse_hex<16>(options.min_tdx_tcb, "--min-tdx-tcb"));
    manifest.min_tdx_tcb = tlog::TdxTcb{svn};
  }
  return ok_status();
}

Status add_engine_fields(const CreateOptions& options, tlog::ReleaseManifest& manifest) {
  for (const auto& spec : options.models) {
    CLOISTER_ASSIGN_OR_RETURN(auto pair, split_pair(spec, '=', "--model"));
    CLOISTER_ASSIGN_OR_RETURN(auto digest, sha256_file(pair.second));
    manifest.models.push_back({pair.first, digest});
  }
  for (const auto& spec : options.model_digests) {
    CLOISTER_ASSIGN_OR_RETURN(auto pair, split_pair(spec, '=', "--model-sha256"));
    CLOISTER_ASSIGN_OR_RETURN(auto digest, parse_hex<32>(pair.second, "--model-sha256"));
    manifest.models.push_back({pair.first, digest});
  }
  for (const auto& spec : options.settings) {
    CLOISTER_ASSIGN_OR_RETURN(auto pair, split_pair(spec, '=', "--setting"));
    const std::string& value = pair.second;
    bool integer =
        !value.empty() && value.size() <= 15 &&
        std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
        (value == "0" || value[0] != '0');
    if (value == "true" || value == "false") {
      manifest.engine_settings[pair.first] = value == "true";
    } else if (integer) {
      manifest.engine_settings[pair.first] = static_cast<int64_t>(std::stoll(value));
    } else {
      manifest.engine_settings[pair.first] = value;
    }
  }
  if (!options.upstream.empty()) manifest.upstream_engine = options.upstream;
  return ok_status();
}

Result<tlog::ReleaseManifest> build_manifest(const CreateOptions& options) {
  tlog::ReleaseManifest manifest;
  manifest.version = options.version;
  manifest.source_commit = options.source_commit;
  CLOISTER_ASSIGN_OR_RETURN(manifest.enclave_binary_sha256, sha256_file(options.enclave_binary));
  CLOISTER_ASSIGN_OR_RETURN(manifest.enclave_image_sha256,
                            file_or_digest(options.image, options.image_sha256, "--image-sha256"));
  if (!options.no_simulated) {
    manifest.simulated_measurements.push_back(
        simulated_measurement(manifest.enclave_binary_sha256));
  }
  CLOISTER_TRY(add_platform_fields(options, manifest));
  CLOISTER_TRY(add_engine_fields(options, manifest));
  CLOISTER_ASSIGN_OR_RETURN(
      manifest.web_app_sha256,
      file_or_digest(options.web_app, options.web_app_sha256, "--web-app-sha256"));
  return manifest;
}

int run_create(const Program& program, const CreateOptions& options) {
  auto manifest = build_manifest(options);
  if (!manifest.ok()) return program.fail(manifest.error());
  auto text = tlog::encode_manifest(*manifest);
  if (!text.ok()) return program.fail(text.error());
  if (auto written = write_file_atomically(options.out, as_bytes(*text)); !written.ok()) {
    return program.fail(written.error());
  }
  std::cout << hex_encode(tlog::manifest_digest(as_bytes(*text))) << "\n";
  return kExitOk;
}

int run_show(const Program& program, const std::string& path) {
  auto bytes = read_file(path, tlog::kMaxManifestSize + 1);
  if (!bytes.ok()) return program.fail(bytes.error());
  auto manifest = tlog::parse_manifest(*bytes);
  if (!manifest.ok())
    return report_failure(program, Error(ErrorCode::kRejected, manifest.error().message()));
  auto document = tlog::parse_canonical_json(*bytes);
  std::cout << "manifest sha256 " << hex_encode(tlog::manifest_digest(*bytes)) << "\n"
            << document->dump(2) << "\n";
  return kExitOk;
}

}  // namespace

void add_manifest_commands(Program& program) {
  auto* manifest = program.app().add_subcommand("manifest", "Create or inspect release manifests");
  manifest->require_subcommand(1);

  auto options = std::make_shared<CreateOptions>();
  auto* create = manifest->add_subcommand(
      "create", "Write a canonical release manifest from a build; print its digest");
  create->add_option("--version", options->version, "Release version, e.g. 0.1.0")->required();
  create->add_option("--source-commit", options->source_commit, "Full git commit id")->required();
  create->add_option("--enclave-binary", options->enclave_binary, "The enclave binary")->required();
  create->add_option("--image", options->image, "The CVM image file");
  create->add_option("--image-sha256", options->image_sha256, "Or the image's SHA-256 (hex)");
  create
      ->add_option("--snp-measurement", options->snp, "Expected SNP MEASUREMENT (hex, repeatable)")
      ->allow_extra_args(false);
  create->add_option("--tdx", options->tdx, "Expected MRTD[:RTMR0[:RTMR1[:RTMR2[:RTMR3]]]] (hex)")
      ->allow_extra_args(false);
  create->add_flag("--no-simulated", options->no_simulated,
                   "Do not list the simulated measurement of the binary");
  create->add_option("--model", options->models, "NAME=PATH of a GGUF file to hash (repeatable)")
      ->allow_extra_args(false);
  create->add_option("--model-sha256", options->model_digests, "NAME=HEX (repeatable)")
      ->allow_extra_args(false);
  create
      ->add_option("--setting", options->settings,
                   "Engine setting KEY=VALUE; true/false and integers are typed (repeatable)")
      ->allow_extra_args(false);
  create->add_option("--min-snp-tcb", options->min_snp_tcb, "BOOTLOADER.TEE.SNP.MICROCODE[.FMC]");
  create->add_option("--min-tdx-tcb", options->min_tdx_tcb, "Minimum TEE_TCB_SVN (32 hex digits)");
  create->add_option("--web-app", options->web_app, "The web app bundle file to hash");
  create->add_option("--web-app-sha256", options->web_app_sha256, "Or its SHA-256 (hex)");
  create->add_option("--upstream", options->upstream, "Upstream engine URL inside the CVM");
  create->add_option("--out", options->out, "Output manifest file")->required();
  create->footer(
      "The simulated measurement is SHA-384(\"cloister/simulated-measurement/v1\" || "
      "SHA-256(enclave binary)).");
  program.on(create, [&program, options]() { return run_create(program, *options); });

  auto path = std::make_shared<std::string>();
  auto* show = manifest->add_subcommand("show", "Check a manifest; print its digest and contents");
  show->add_option("manifest", *path, "Manifest file")->required();
  program.on(show, [&program, path]() { return run_show(program, *path); });
}

}  // namespace cloister::tools::log
