// Facts about SIMULATED evidence shared by the simulated provider (which
// issues it) and the verifiers (which accept it only when a policy sets
// allow_simulated, and then label every output SIMULATED).
#pragma once

#include <filesystem>
#include <string_view>

#include "crypto/hash.h"

namespace cloister::attest {

// The organization (O) of every certificate in the simulated stand-in chain.
// No vendor root is ever issued under it, and no simulated root is pinned.
inline constexpr std::string_view kSimulatedOrganization = "Cloister SIMULATED (not AMD)";

// Domain separation label of the simulated measurement.
inline constexpr std::string_view kSimulatedMeasurementLabel = "cloister/simulated-measurement/v1";

// Returns SHA-384(label || binary_sha256): the 48-byte MEASUREMENT that the
// simulated provider reports for an enclave binary with that SHA-256. Release
// tooling computes the same value from the released binary.
crypto::Sha384Digest simulated_measurement(const crypto::Sha256Digest& binary_sha256);

// Hashes the file at `binary` (by default the running executable,
// /proc/self/exe) and returns its simulated measurement.
Result<crypto::Sha384Digest> simulated_measurement_of_binary(
    const std::filesystem::path& binary = "/proc/self/exe");

}  // namespace cloister::attest
