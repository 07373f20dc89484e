#include "attest/provider/simulated_fixture.h"

#include <cstdlib>

#include "attest/simulated.h"
#include "testing/temp_dir.h"

namespace cloister::attest::testing_support {

crypto::Sha384Digest shared_measurement() {
  return simulated_measurement(crypto::sha256(as_bytes("enclave")));
}

const std::filesystem::path& shared_state_directory() {
  // Removed when the test binary exits.
  static const cloister::testing::TempDir directory("cloister-simulated");
  return directory.path();
}

SimulatedProvider& shared_simulated_provider() {
  static SimulatedProvider provider = [] {
    auto opened = SimulatedProvider::open(shared_state_directory(), shared_measurement());
    if (!opened.ok()) std::abort();
    return std::move(opened).value();
  }();
  return provider;
}

}  // namespace cloister::attest::testing_support
