#include "attest/provider/simulated_fixture.h"

#include <stdlib.h>

#include <cstdlib>
#include <string>

#include "attest/simulated.h"

namespace cloister::attest::testing_support {

std::filesystem::path make_temp_directory(std::string_view prefix) {
  std::string pattern =
      (std::filesystem::temp_directory_path() / (std::string(prefix) + "-XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr) std::abort();
  return pattern;
}

crypto::Sha384Digest shared_measurement() {
  return simulated_measurement(crypto::sha256(as_bytes("enclave")));
}

const std::filesystem::path& shared_state_directory() {
  static const std::filesystem::path directory = make_temp_directory("cloister-simulated");
  return directory;
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
