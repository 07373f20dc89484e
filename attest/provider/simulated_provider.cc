#include "attest/provider/simulated_provider.h"

#include <algorithm>
#include <system_error>

#include "attest/simulated.h"
#include "base/encoding.h"
#include "base/files.h"
#include "crypto/random.h"
#include "crypto/x509_builder.h"

namespace cloister::attest {
namespace {

namespace fs = std::filesystem;
using crypto::Certificate;
using crypto::CertificateTemplate;
using crypto::PrivateKey;
using std::chrono::hours;

constexpr std::string_view kChainFile = "chain.pem";  // VCEK, ASK, ARK; written last
constexpr std::string_view kVcekKeyFile = "vcek.key.pem";
constexpr std::string_view kChipIdFile = "chip_id.hex";
constexpr auto kDay = hours(24);
constexpr auto kYear = hours(24 * 365);

// Milan's CPUID (family 0x19, model 0x01) and a plausible firmware version.
constexpr snp::CpuId kCpuId{.family = 0x19, .model = 0x01, .stepping = 0x01};
constexpr snp::FirmwareVersion kFirmware{.build = 4, .minor = 55, .major = 1};

Bytes der_integer(uint8_t value) {
  ByteWriter writer;
  writer.put_der_uint64(value);
  return writer.take();
}

Bytes der_ia5(std::string_view text) {
  ByteWriter writer;
  writer.put_der(0x16, [&](ByteWriter& body) { body.put_string(text); });
  return writer.take();
}

std::vector<crypto::RawExtension> vcek_extensions(const std::array<uint8_t, 64>& chip_id) {
  const std::string prefix = "1.3.6.1.4.1.3704.1.";
  return {{prefix + "1", false, der_integer(0)},
          {prefix + "2", false, der_ia5("Milan-SIMULATED")},
          {prefix + "3.1", false, der_integer(SimulatedProvider::kTcb.bootloader)},
          {prefix + "3.2", false, der_integer(SimulatedProvider::kTcb.tee)},
          {prefix + "3.4", false, der_integer(0)},
          {prefix + "3.5", false, der_integer(0)},
          {prefix + "3.6", false, der_integer(0)},
          {prefix + "3.7", false, der_integer(0)},
          {prefix + "3.3", false, der_integer(SimulatedProvider::kTcb.snp)},
          {prefix + "3.8", false, der_integer(SimulatedProvider::kTcb.microcode)},
          {prefix + "4", false, Bytes(chip_id.begin(), chip_id.end())}};
}

std::vector<crypto::NameAttribute> name(std::string common_name) {
  return {{"OU", "Engineering"},
          {"C", "US"},
          {"O", std::string(kSimulatedOrganization)},
          {"CN", std::move(common_name)}};
}

// Creates the stand-in ARK -> ASK -> VCEK once. Only the VCEK's key is kept:
// nothing needs to sign with the ARK or ASK again.
Status create_chain(const fs::path& directory, const Clock& clock) {
  TimePoint now = clock.now();
  CLOISTER_ASSIGN_OR_RETURN(PrivateKey ark_key, PrivateKey::generate_rsa(4096));
  CLOISTER_ASSIGN_OR_RETURN(PrivateKey ask_key, PrivateKey::generate_rsa(4096));
  CLOISTER_ASSIGN_OR_RETURN(PrivateKey vcek_key, PrivateKey::generate_ec(crypto::KeyType::kEcP384));
  std::array<uint8_t, 64> chip_id{};
  crypto::fill_random(chip_id);

  CertificateTemplate ark_spec{.serial = 1,
                               .subject = name("ARK-Simulated"),
                               .not_before = now - kDay,
                               .not_after = now + 25 * kYear,
                               .is_ca = true,
                               .path_length = 1};
  CLOISTER_ASSIGN_OR_RETURN(
      Certificate ark, crypto::issue_certificate(ark_spec, ark_key.public_key(), nullptr, ark_key,
                                                 crypto::CertificateSigner::kRsaPssSha384));
  CertificateTemplate ask_spec{.serial = 2,
                               .subject = name("SEV-Simulated"),
                               .not_before = now - kDay,
                               .not_after = now + 25 * kYear,
                               .is_ca = true,
                               .path_length = 0};
  CLOISTER_ASSIGN_OR_RETURN(Certificate ask,
                            crypto::issue_certificate(ask_spec, ask_key.public_key(), &ark, ark_key,
                                                      crypto::CertificateSigner::kRsaPssSha384));
  CertificateTemplate vcek_spec{.serial = 3,
                                .subject = name("SEV-VCEK"),
                                .not_before = now - kDay,
                                .not_after = now + 7 * kYear,
                                .extensions = vcek_extensions(chip_id)};
  CLOISTER_ASSIGN_OR_RETURN(
      Certificate vcek, crypto::issue_certificate(vcek_spec, vcek_key.public_key(), &ask, ask_key,
                                                  crypto::CertificateSigner::kRsaPssSha384));
  crypto::SecretBytes key_pem = vcek_key.to_pkcs8_pem();
  CLOISTER_TRY(write_file_atomically(directory / kVcekKeyFile, key_pem.span(), 0600));
  CLOISTER_TRY(write_file_atomically(directory / kChipIdFile, as_bytes(hex_encode(chip_id))));
  std::string chain = vcek.to_pem() + ask.to_pem() + ark.to_pem();
  return write_file_atomically(directory / kChainFile, as_bytes(chain));
}

void put_le(std::array<uint8_t, snp::kSignatureComponentSize>& out, ByteSpan big_endian) {
  out.fill(0);
  std::reverse_copy(big_endian.begin(), big_endian.end(), out.begin());
}

}  // namespace

Result<SimulatedProvider> SimulatedProvider::open(const fs::path& state_directory,
                                                  const crypto::Sha384Digest& measurement,
                                                  const Clock& clock) {
  std::error_code error;
  fs::create_directories(state_directory, error);
  if (error) {
    return Error(ErrorCode::kIo,
                 "cannot create " + state_directory.string() + ": " + error.message());
  }
  fs::permissions(state_directory, fs::perms::owner_all, fs::perm_options::replace, error);
  if (!fs::exists(state_directory / kChainFile)) {
    CLOISTER_TRY(create_chain(state_directory, clock));
  }
  CLOISTER_ASSIGN_OR_RETURN(Bytes chain_pem, read_file(state_directory / kChainFile));
  CLOISTER_ASSIGN_OR_RETURN(auto certs, crypto::parse_certificates(chain_pem));
  if (certs.size() != 3) {
    return Error(ErrorCode::kMalformed,
                 (state_directory / kChainFile).string() + " must hold the VCEK, ASK and ARK");
  }
  CLOISTER_ASSIGN_OR_RETURN(Bytes key_pem, read_file(state_directory / kVcekKeyFile));
  auto vcek_key = PrivateKey::from_pkcs8_pem(key_pem);
  crypto::secure_wipe(key_pem);
  if (!vcek_key.ok()) return vcek_key.error().with_context("simulated VCEK key");
  if (vcek_key->public_key().spki_der() != certs[0].public_key()->spki_der()) {
    return Error(ErrorCode::kMalformed, "the simulated VCEK key does not match its certificate");
  }
  CLOISTER_ASSIGN_OR_RETURN(std::string chip_hex, read_text_file(state_directory / kChipIdFile));
  while (!chip_hex.empty() && (chip_hex.back() == '\n' || chip_hex.back() == '\r')) {
    chip_hex.pop_back();
  }
  auto chip_bytes = hex_decode(chip_hex);
  if (!chip_bytes.ok() || chip_bytes->size() != 64) {
    return Error(ErrorCode::kMalformed, "the simulated chip id must be 64 bytes of hex");
  }
  std::array<uint8_t, 64> chip_id{};
  std::copy(chip_bytes->begin(), chip_bytes->end(), chip_id.begin());
  return SimulatedProvider(std::move(vcek_key).value(), certs[2], std::move(chain_pem), chip_id,
                           measurement);
}

Result<SimulatedProvider> SimulatedProvider::open_for_running_binary(
    const fs::path& state_directory, const Clock& clock) {
  CLOISTER_ASSIGN_OR_RETURN(crypto::Sha384Digest measurement, simulated_measurement_of_binary());
  return open(state_directory, measurement, clock);
}

snp::Report SimulatedProvider::report_template(const ReportData& report_data) const {
  const uint64_t tcb = snp::encode_tcb(kTcb, AmdProduct::kMilan);
  snp::Report report;
  report.version = 3;
  report.policy = *snp::decode_guest_policy(uint64_t{1} << 17 | uint64_t{1} << 16);  // SMT
  report.signature_algo = snp::kSignatureAlgoEcdsaP384Sha384;
  report.current_tcb = tcb;
  report.reported_tcb = tcb;
  report.committed_tcb = tcb;
  report.launch_tcb = tcb;
  report.platform_info = 1;  // SMT enabled
  report.signing_key = snp::SigningKey::kVcek;
  report.report_data = report_data;
  std::copy(measurement_.begin(), measurement_.end(), report.measurement.begin());
  crypto::fill_random(report.report_id);
  report.cpuid = kCpuId;
  report.chip_id = chip_id_;
  report.current_version = kFirmware;
  report.committed_version = kFirmware;
  return report;
}

Result<Bytes> SimulatedProvider::sign(snp::Report report) const {
  report.signature_r.fill(0);
  report.signature_s.fill(0);
  Bytes unsigned_bytes = snp::serialize_report(report);
  CLOISTER_ASSIGN_OR_RETURN(Bytes rs, vcek_key_.sign_ecdsa_rs(crypto::HashAlgorithm::kSha384,
                                                              snp::signed_part(unsigned_bytes)));
  put_le(report.signature_r, ByteSpan(rs).first(48));
  put_le(report.signature_s, ByteSpan(rs).last(48));
  return snp::serialize_report(report);
}

Result<EvidenceBytes> SimulatedProvider::produce(const ReportData& report_data) {
  CLOISTER_ASSIGN_OR_RETURN(Bytes report, sign(report_template(report_data)));
  return EvidenceBytes{
      .platform = Platform::kSnp, .report = std::move(report), .collateral = chain_pem_};
}

}  // namespace cloister::attest
