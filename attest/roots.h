// The vendor roots Cloister trusts, pinned by the SHA-256 of their DER
// certificates: AMD's ARKs for Milan, Genoa and Turin, Intel's SGX Root CA
// and NVIDIA's Device Identity CA. Evidence carries its own root certificate;
// a verifier accepts it only if its fingerprint is pinned here.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "crypto/hash.h"

namespace cloister::attest {

// AMD EPYC generations with SEV-SNP. The generation fixes the TCB layout.
enum class AmdProduct { kMilan, kGenoa, kTurin };

// Returns "Milan", "Genoa" or "Turin".
std::string_view amd_product_name(AmdProduct product);

struct PinnedAmdRoot {
  AmdProduct product;
  crypto::Sha256Digest fingerprint;
};

struct TrustedRoots {
  std::vector<PinnedAmdRoot> amd_arks;
  std::vector<crypto::Sha256Digest> intel_roots;
  std::vector<crypto::Sha256Digest> nvidia_roots;

  // Returns the roots compiled into Cloister.
  static const TrustedRoots& pinned();

  // Returns the product whose ARK has this fingerprint, or nullopt.
  std::optional<AmdProduct> amd_product_for(const crypto::Sha256Digest& fingerprint) const;
  // Returns true if `fingerprint` is a pinned Intel (resp. NVIDIA) root.
  bool is_intel_root(const crypto::Sha256Digest& fingerprint) const;
  bool is_nvidia_root(const crypto::Sha256Digest& fingerprint) const;
};

}  // namespace cloister::attest
