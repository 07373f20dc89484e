// Test support: one SimulatedProvider per test binary (its RSA-4096 stand-in
// chain takes a while to generate), in a temporary state directory.
#pragma once

#include <filesystem>

#include "attest/provider/simulated_provider.h"

namespace cloister::attest::testing_support {

// The measurement the shared provider reports: the simulated measurement of
// a binary consisting of the bytes "enclave".
crypto::Sha384Digest shared_measurement();

// Returns the shared provider, creating its chain on first use.
SimulatedProvider& shared_simulated_provider();

// The state directory of the shared provider.
const std::filesystem::path& shared_state_directory();

}  // namespace cloister::attest::testing_support
