#include "attest/roots.h"

#include <algorithm>

#include "base/encoding.h"

namespace cloister::attest {
namespace {

crypto::Sha256Digest digest_from_hex(std::string_view hex) {
  crypto::Sha256Digest out{};
  Bytes bytes = *hex_decode(hex);
  std::copy(bytes.begin(), bytes.end(), out.begin());
  return out;
}

// SHA-256 over the DER certificates AMD publishes at kdsintf.amd.com/vcek/v1/<product>/cert_chain
// (the same ARK signs the ASVK of the VLEK chain), Intel's SGX Root CA from
// certificates.trustedservices.intel.com, and NVIDIA's device identity root.
constexpr std::string_view kArkMilan =
    "69d063b45344d26a2e94e1f4210de49ef555308287d4c174445c95639a540bcd";
constexpr std::string_view kArkGenoa =
    "4c6598d19c18719c5dfd4a7d335f674e5bfe1d8f800cea2cf270c10d103db2f1";
constexpr std::string_view kArkTurin =
    "1f084161a44bb6d93778a904877d4819cafa5d05ef4193b2ded9dd9c73dd3f6a";
constexpr std::string_view kIntelSgxRootCa =
    "44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3";
constexpr std::string_view kNvidiaDeviceIdentityCa =
    "102bf659d5419614c9d8e6aecebc80454eb26b1df6a769ac720b9a690b167b48";

}  // namespace

std::string_view amd_product_name(AmdProduct product) {
  switch (product) {
    case AmdProduct::kMilan: return "Milan";
    case AmdProduct::kGenoa: return "Genoa";
    case AmdProduct::kTurin: return "Turin";
  }
  return "unknown";
}

const TrustedRoots& TrustedRoots::pinned() {
  static const TrustedRoots roots{
      .amd_arks = {{AmdProduct::kMilan, digest_from_hex(kArkMilan)},
                   {AmdProduct::kGenoa, digest_from_hex(kArkGenoa)},
                   {AmdProduct::kTurin, digest_from_hex(kArkTurin)}},
      .intel_roots = {digest_from_hex(kIntelSgxRootCa)},
      .nvidia_roots = {digest_from_hex(kNvidiaDeviceIdentityCa)},
  };
  return roots;
}

std::optional<AmdProduct> TrustedRoots::amd_product_for(
    const crypto::Sha256Digest& fingerprint) const {
  for (const PinnedAmdRoot& root : amd_arks) {
    if (root.fingerprint == fingerprint) return root.product;
  }
  return std::nullopt;
}

bool TrustedRoots::is_intel_root(const crypto::Sha256Digest& fingerprint) const {
  return std::find(intel_roots.begin(), intel_roots.end(), fingerprint) != intel_roots.end();
}

bool TrustedRoots::is_nvidia_root(const crypto::Sha256Digest& fingerprint) const {
  return std::find(nvidia_roots.begin(), nvidia_roots.end(), fingerprint) != nvidia_roots.end();
}

}  // namespace cloister::attest
