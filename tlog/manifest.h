// Release manifests: what a Cloister release is, as canonical JSON. A manifest
// names the source, the enclave's digests, the measurements a TEE reports when
// it runs that enclave, the model files and engine settings, and minimum TCBs.
// Its bytes are a log entry, and its digest is what the enclave binds into
// REPORT_DATA, so a manifest has exactly one encoding (see canonical_json.h).
//
// Layout (keys shown in canonical order; hex is lower case):
//   {"enclave":{"binary_sha256":HEX32,"image_sha256":HEX32?},
//    "engine":{"settings":{KEY:STRING|INTEGER|BOOL,...},"upstream":URL?},
//    "format":"cloister/release-manifest/v1",
//    "measurements":{"simulated":[HEX48...],"snp":[HEX48...],
//                    "tdx":[{"mrtd":HEX48,"rtmr0":HEX48?,...,"rtmr3":HEX48?}...]},
//    "min_tcb":{"snp":{"bootloader":N,"fmc":N?,"microcode":N,"snp":N,"tee":N}?,
//               "tdx":{"tee_tcb_svn":HEX16}?}?,
//    "models":[{"name":STRING,"sha256":HEX32}...],
//    "source_commit":HEX20|HEX32,"version":STRING,"web_app_sha256":HEX32?}
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "base/bytes.h"
#include "crypto/hash.h"

namespace cloister::tlog {

inline constexpr std::string_view kManifestFormat = "cloister/release-manifest/v1";
// A manifest is one log entry, and tlog-tiles entry bundles carry entries
// with a 16-bit length.
inline constexpr size_t kMaxManifestSize = 65535;
// The most entries in any list of a manifest (measurements, models, settings).
inline constexpr size_t kMaxManifestListSize = 64;

using Sha256Digest = crypto::Sha256Digest;
// SNP MEASUREMENT, TDX MRTD and RTMRs, and the simulated measurement: 48 bytes.
using Measurement = crypto::Sha384Digest;

// The TDX registers a release pins. An absent RTMR is not checked.
struct TdxMeasurements {
  Measurement mrtd{};
  std::array<std::optional<Measurement>, 4> rtmr;
  bool operator==(const TdxMeasurements&) const = default;
};

// The lowest SEV-SNP TCB a release accepts (component SVNs as in the report).
struct SnpTcb {
  uint8_t bootloader = 0;
  uint8_t tee = 0;
  uint8_t snp = 0;
  uint8_t microcode = 0;
  std::optional<uint8_t> fmc;  // Turin and later
  bool operator==(const SnpTcb&) const = default;
};

// The lowest TDX TEE_TCB_SVN a release accepts.
struct TdxTcb {
  std::array<uint8_t, 16> tee_tcb_svn{};
  bool operator==(const TdxTcb&) const = default;
};

// One model file the enclave may load: the SHA-256 of the whole GGUF file.
struct ModelFile {
  std::string name;
  Sha256Digest sha256{};
  bool operator==(const ModelFile&) const = default;
};

// An engine setting's value. Floats are not representable: use integers in
// stated units (e.g. thousandths).
using EngineSetting = std::variant<bool, int64_t, std::string>;

struct ReleaseManifest {
  std::string version;        // e.g. "0.1.0"
  std::string source_commit;  // git commit id, 40 (SHA-1) or 64 (SHA-256) hex digits
  Sha256Digest enclave_binary_sha256{};
  std::optional<Sha256Digest> enclave_image_sha256;  // the CVM image, once there is one
  std::vector<Measurement> snp_measurements;
  std::vector<TdxMeasurements> tdx_measurements;
  std::vector<Measurement> simulated_measurements;
  std::vector<ModelFile> models;
  std::map<std::string, EngineSetting> engine_settings;
  std::optional<std::string> upstream_engine;  // OpenAI-compatible URL inside the CVM
  std::optional<SnpTcb> min_snp_tcb;
  std::optional<TdxTcb> min_tdx_tcb;
  std::optional<Sha256Digest> web_app_sha256;
  bool operator==(const ReleaseManifest&) const = default;
};

// Parses a manifest from its canonical bytes. Fails with kMalformed on
// non-canonical JSON, unknown or missing fields, and out-of-range values.
Result<ReleaseManifest> parse_manifest(ByteSpan canonical);

// Returns the canonical bytes of `manifest`, or kInvalidArgument if a field is
// out of range (the same rules parse_manifest applies).
Result<std::string> encode_manifest(const ReleaseManifest& manifest);

// Returns SHA-256 of the canonical manifest bytes: the manifest digest.
Sha256Digest manifest_digest(ByteSpan canonical);

// Returns true if `measurement` is one of the manifest's SNP measurements.
bool allows_snp_measurement(const ReleaseManifest& manifest, ByteSpan measurement);
// Returns true if `measurement` is one of the manifest's simulated measurements.
bool allows_simulated_measurement(const ReleaseManifest& manifest, ByteSpan measurement);
// Returns true if some TDX entry has this MRTD and every RTMR it pins matches.
bool allows_tdx_measurements(const ReleaseManifest& manifest, ByteSpan mrtd,
                             std::span<const Measurement, 4> rtmrs);

}  // namespace cloister::tlog
