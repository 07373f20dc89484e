#include "attest/simulated.h"

#include <fstream>

namespace cloister::attest {

crypto::Sha384Digest simulated_measurement(const crypto::Sha256Digest& binary_sha256) {
  Bytes input = to_bytes(kSimulatedMeasurementLabel);
  input.insert(input.end(), binary_sha256.begin(), binary_sha256.end());
  return crypto::sha384(input);
}

Result<crypto::Sha384Digest> simulated_measurement_of_binary(const std::filesystem::path& binary) {
  std::ifstream in(binary, std::ios::binary);
  if (!in) return Error(ErrorCode::kIo, "cannot open " + binary.string() + " to measure it");
  crypto::Hasher hasher(crypto::HashAlgorithm::kSha256);
  std::vector<char> buffer(1 << 16);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    std::streamsize got = in.gcount();
    if (got > 0) {
      hasher.update(
          ByteSpan(reinterpret_cast<const uint8_t*>(buffer.data()), static_cast<size_t>(got)));
    }
  }
  if (in.bad()) return Error(ErrorCode::kIo, "read error while measuring " + binary.string());
  Bytes digest = hasher.finish();
  crypto::Sha256Digest binary_sha256{};
  std::copy(digest.begin(), digest.end(), binary_sha256.begin());
  return simulated_measurement(binary_sha256);
}

}  // namespace cloister::attest
