#include "attest/snp/chain.h"

#include "attest/simulated.h"
#include "attest/snp/cert_table.h"
#include "base/encoding.h"
#include "crypto/x509_chain.h"

namespace cloister::attest::snp {
namespace {

using crypto::Certificate;
using crypto::KeyType;
using crypto::SignatureAlgorithm;

struct ClassifiedChain {
  Certificate leaf;
  Certificate ask;
  Certificate ark;
};

bool has_ec_key(const Certificate& cert) {
  auto key = cert.public_key();
  return key.ok() && (key->type() == KeyType::kEcP384 || key->type() == KeyType::kEcP256);
}

// Finds leaf, ASK and ARK by structure: the leaf holds the only EC key, the
// ARK is the only self-issued certificate, the ASK is what remains.
Result<ClassifiedChain> classify(const std::vector<Certificate>& certs) {
  std::vector<const Certificate*> leaves, roots, middles;
  for (const Certificate& cert : certs) {
    if (has_ec_key(cert)) {
      leaves.push_back(&cert);
    } else if (cert.is_self_issued()) {
      roots.push_back(&cert);
    } else {
      middles.push_back(&cert);
    }
  }
  if (leaves.size() != 1 || roots.size() != 1 || middles.size() != 1) {
    return Error(ErrorCode::kMalformed,
                 "SNP chain needs exactly one VCEK/VLEK, one ASK/ASVK and one ARK; found " +
                     std::to_string(leaves.size()) + " EC leaf, " + std::to_string(middles.size()) +
                     " intermediate and " + std::to_string(roots.size()) + " self-signed");
  }
  return ClassifiedChain{*leaves[0], *middles[0], *roots[0]};
}

bool is_amd_signature(const SignatureAlgorithm& algorithm) {
  return algorithm.kind == SignatureAlgorithm::Kind::kRsaPss &&
         algorithm.hash == crypto::HashAlgorithm::kSha384 && algorithm.pss_salt_length == 48 &&
         algorithm.pss_mgf1_matches_hash;
}

// AMD signs every certificate with RSASSA-PSS/SHA-384/salt 48; ARK and ASK are
// RSA-4096, the VCEK/VLEK is EC P-384.
bool check_algorithms(const ClassifiedChain& chain, Verdict& verdict) {
  struct Expect {
    const Certificate* cert;
    std::string_view name;
    KeyType key;
    int bits;
  };
  const Expect expectations[] = {{&chain.ark, "ARK", KeyType::kRsa, 4096},
                                 {&chain.ask, "ASK", KeyType::kRsa, 4096},
                                 {&chain.leaf, "VCEK/VLEK", KeyType::kEcP384, 384}};
  bool ok = true;
  for (const Expect& expect : expectations) {
    SignatureAlgorithm algorithm = expect.cert->signature_algorithm();
    if (!is_amd_signature(algorithm)) {
      verdict.fail(Reason::kCertificateAlgorithm, std::string(expect.name) + " is signed with " +
                                                      algorithm.describe() +
                                                      ", not RSASSA-PSS SHA-384 salt 48");
      ok = false;
    }
    auto key = expect.cert->public_key();
    if (!key.ok() || key->type() != expect.key || key->bits() != expect.bits) {
      verdict.fail(Reason::kCertificateAlgorithm,
                   std::string(expect.name) + " key is not " +
                       std::string(crypto::key_type_name(expect.key)) + " " +
                       std::to_string(expect.bits));
      ok = false;
    }
  }
  return ok;
}

Reason reason_for(crypto::ChainErrorKind kind) {
  switch (kind) {
    case crypto::ChainErrorKind::kNotYetValid:
    case crypto::ChainErrorKind::kExpired: return Reason::kCertificateNotValidNow;
    case crypto::ChainErrorKind::kRevoked: return Reason::kCertificateRevoked;
    case crypto::ChainErrorKind::kCrlProblem: return Reason::kCrlInvalid;
    default: return Reason::kChainInvalid;
  }
}

bool product_name_matches(const std::string& name, AmdProduct product) {
  return name.rfind(amd_product_name(product), 0) == 0;
}

}  // namespace

Result<std::vector<Certificate>> parse_snp_certificates(ByteSpan data) {
  if (crypto::looks_like_pem(data) || (!data.empty() && data[0] == 0x30)) {
    return crypto::parse_certificates(data);
  }
  CLOISTER_ASSIGN_OR_RETURN(auto entries, parse_cert_table(data));
  std::vector<Certificate> certs;
  for (const CertTableEntry& entry : entries) {
    auto parsed = crypto::parse_certificates(entry.data);
    if (!parsed.ok()) return parsed.error().with_context("certificate table entry " + entry.guid);
    certs.insert(certs.end(), parsed->begin(), parsed->end());
  }
  if (certs.empty()) return Error(ErrorCode::kMalformed, "certificate table is empty");
  return certs;
}

std::optional<VerifiedChain> verify_snp_chain(ByteSpan certificates, bool allow_simulated,
                                              TimePoint at, const TrustedRoots& roots,
                                              Verdict& verdict) {
  auto parsed = parse_snp_certificates(certificates);
  if (!parsed.ok()) {
    verdict.fail(Reason::kMalformedEvidence, "certificates: " + parsed.error().message());
    return std::nullopt;
  }
  auto classified = classify(*parsed);
  if (!classified.ok()) {
    verdict.fail(Reason::kMalformedEvidence, classified.error().message());
    return std::nullopt;
  }
  const ClassifiedChain& chain = *classified;

  std::optional<AmdProduct> product = roots.amd_product_for(chain.ark.fingerprint());
  bool simulated = false;
  if (!product) {
    if (chain.ark.subject_attribute("O") == kSimulatedOrganization) {
      simulated = true;
      verdict.simulated = true;
      if (!allow_simulated) {
        verdict.fail(Reason::kSimulatedNotAllowed,
                     "the ARK is the SIMULATED provider's stand-in (" + chain.ark.subject() +
                         "); only a development policy with allow_simulated accepts it");
        return std::nullopt;
      }
      product = AmdProduct::kMilan;  // the stand-in uses Milan's TCB layout
      verdict.note("SIMULATED chain accepted because the policy sets allow_simulated");
    } else {
      verdict.fail(Reason::kRootNotPinned, "ARK " + chain.ark.subject() + " with SHA-256 " +
                                               hex_encode(chain.ark.fingerprint()) +
                                               " is not a pinned AMD root");
      return std::nullopt;
    }
  }
  if (!check_algorithms(chain, verdict)) return std::nullopt;

  std::vector<Certificate> intermediates{chain.ask};
  if (auto error = crypto::verify_chain(chain.leaf, intermediates, chain.ark, {.at = at})) {
    verdict.fail(reason_for(error->kind), "VCEK/VLEK -> ASK -> ARK: " + error->message);
    return std::nullopt;
  }
  auto endorsement = decode_endorsement_key(chain.leaf, *product);
  if (!endorsement.ok()) {
    verdict.fail(Reason::kMalformedEvidence, endorsement.error().message());
    return std::nullopt;
  }
  if (!product_name_matches(endorsement->product_name, *product)) {
    verdict.fail(Reason::kProductMismatch, "the endorsement key is for \"" +
                                               endorsement->product_name + "\" but the ARK is " +
                                               std::string(amd_product_name(*product)) + "'s");
    return std::nullopt;
  }
  std::string leaf_name = endorsement->kind == EndorsementKind::kVcek ? "VCEK" : "VLEK";
  verdict.pass("chain: " + leaf_name + " -> " + chain.ask.subject_attribute("CN").value_or("ASK") +
               " -> " + chain.ark.subject_attribute("CN").value_or("ARK") +
               (simulated ? " (SIMULATED stand-in root)" : " (pinned AMD root)") + ", valid at " +
               format_rfc3339(at));
  return VerifiedChain{*product, simulated, chain.leaf, *endorsement};
}

}  // namespace cloister::attest::snp
