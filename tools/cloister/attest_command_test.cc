// Runs the real `cloister` binary: the flags, input-form detection, exit
// codes and --json output of `cloister attest`.
#include <sys/wait.h>

#include <cstdio>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "attest/provider/simulated_provider.h"
#include "attest/simulated.h"
#include "base/encoding.h"
#include "base/files.h"
#include "testing/test_data.h"

namespace cloister::tools {
namespace {

namespace fs = std::filesystem;

struct Outcome {
  int exit_code;
  std::string out;
};

std::string quote(const std::string& text) { return "'" + text + "'"; }

Outcome run(const std::vector<std::string>& args) {
  std::string command = quote(CLOISTER_BINARY_PATH);
  for (const std::string& arg : args) command += " " + quote(arg);
  command += " 2>&1";
  Outcome result{-1, ""};
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) result.out.append(buffer, n);
  int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

bool contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

class AttestCli : public ::testing::Test {
 protected:
  void SetUp() override {
    CLOISTER_TEST_DATA(root, "attestation");
    data_ = root;
    std::string pattern = (fs::temp_directory_path() / "cloister-cli-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    temp_ = pattern;
  }
  void TearDown() override {
    if (!temp_.empty()) fs::remove_all(temp_);
  }
  std::string path(const std::string& relative) const { return (data_ / relative).string(); }
  std::string write(const std::string& name, ByteSpan data) const {
    EXPECT_TRUE(write_file_atomically(temp_ / name, data).ok());
    return (temp_ / name).string();
  }
  std::vector<std::string> snp_args(const std::string& vector, const std::string& at,
                                    const std::string& vcek = "vcek.der") const {
    return {"attest",
            "verify",
            "snp",
            "--report",
            path("snp/" + vector + "/report.bin"),
            "--vcek",
            path("snp/" + vector + "/" + vcek),
            "--chain",
            path("snp/roots/ask_ark_milan.pem"),
            "--at",
            at};
  }
  std::vector<std::string> tdx_args(const std::string& root) const {
    std::string dir = "tdx/go-tdx-guest-spr/";
    return {"attest",
            "verify",
            "tdx",
            "--quote",
            path(dir + "quote.dat"),
            "--tcb-info",
            path(dir + "tcb_info.json"),
            "--qe-identity",
            path(dir + "qe_identity.json"),
            "--tcb-signing-chain",
            path(dir + "tcb_signing_chain.pem"),
            "--pck-crl",
            path(dir + "pck_crl.der"),
            "--root-crl",
            path(dir + "root_crl.der"),
            "--root",
            path(root),
            "--at",
            "2023-07-01T00:00:00Z"};
  }
  std::vector<std::string> nvidia_args() const {
    return {"attest",
            "verify",
            "nvidia",
            "--report",
            path("nvidia/nvtrust-hopper/attestation_report.hex"),
            "--certs",
            path("nvidia/nvtrust-hopper/cert_chain.txt"),
            "--root",
            path("nvidia/device_root.pem"),
            "--at",
            "2024-06-01"};
  }
  fs::path data_;
  fs::path temp_;
};

TEST_F(AttestCli, SnpDebugReportIsRejectedUnlessAllowed) {
  Outcome rejected = run(snp_args("go-sev-guest-milan", "2023-06-01"));
  EXPECT_EQ(rejected.exit_code, 1) << rejected.out;
  EXPECT_TRUE(contains(rejected.out, "REJECTED"));
  EXPECT_TRUE(contains(rejected.out, "debug policy set"));
  auto args = snp_args("go-sev-guest-milan", "2023-06-01");
  args.push_back("--allow-debug");
  Outcome accepted = run(args);
  EXPECT_EQ(accepted.exit_code, 0) << accepted.out;
  EXPECT_TRUE(contains(accepted.out, "ACCEPTED"));
}

TEST_F(AttestCli, SnpJsonCarriesClaimsAndVerdict) {
  auto args = snp_args("go-sev-guest-milan", "2023-06-01");
  args.push_back("--json");
  Outcome result = run(args);
  EXPECT_EQ(result.exit_code, 1);
  auto json = nlohmann::json::parse(result.out, nullptr, false);
  ASSERT_FALSE(json.is_discarded()) << result.out;
  EXPECT_EQ(json["verdict"]["failures"][0]["reason"], "debug policy set");
  const auto& snp = json["claims"]["snp"];
  EXPECT_EQ(snp["version"], 2);
  EXPECT_EQ(snp["policy"]["debug"], true);
  EXPECT_EQ(snp["report_data"].get<std::string>().substr(0, 10), "0102030405");
  EXPECT_EQ(snp["tcb"]["reported"]["microcode"], 0x44);
  EXPECT_EQ(snp["chip_id"].get<std::string>().substr(0, 8), "3ac3fe21");
  EXPECT_TRUE(snp.contains("measurement"));
}

TEST_F(AttestCli, TrusteeReportAcceptedAndLegacyVcekRejected) {
  EXPECT_EQ(run(snp_args("trustee-milan", "2024-01-01")).exit_code, 0);
  Outcome legacy = run(snp_args("trustee-milan", "2024-01-01", "vcek-invalid-legacy.der"));
  EXPECT_EQ(legacy.exit_code, 1) << legacy.out;
  EXPECT_TRUE(contains(legacy.out, "certificate chain invalid"));
  Outcome late = run(snp_args("trustee-milan", "2031-01-01"));
  EXPECT_EQ(late.exit_code, 1);
  EXPECT_TRUE(contains(late.out, "certificate not valid at this time"));
}

TEST_F(AttestCli, DetectsHexPemAndDerInputs) {
  Bytes report = *read_file(path("snp/trustee-milan/report.bin"));
  std::string report_hex = write("report.hex", as_bytes(hex_encode(report) + "\n"));
  auto vcek = *crypto::Certificate::from_der(*read_file(path("snp/trustee-milan/vcek.der")));
  std::string vcek_pem = write("vcek.pem", as_bytes(vcek.to_pem()));
  auto chain = *crypto::parse_certificates(*read_file(path("snp/roots/ask_ark_milan.pem")));
  Bytes chain_der = chain[0].der();
  chain_der.insert(chain_der.end(), chain[1].der().begin(), chain[1].der().end());
  std::string chain_hex = write("chain.hex", as_bytes(hex_encode(chain_der)));
  Outcome result = run({"attest", "verify", "snp", "--report", report_hex, "--vcek", vcek_pem,
                        "--chain", chain_hex, "--at", "2024-01-01"});
  EXPECT_EQ(result.exit_code, 0) << result.out;
  std::string report_data = hex_encode(ByteSpan(report).subspan(0x50, 64));
  auto args = snp_args("trustee-milan", "2024-01-01");
  args.insert(args.end(), {"--report-data", report_data});
  EXPECT_EQ(run(args).exit_code, 0);
  args.back()[0] = args.back()[0] == '0' ? '1' : '0';
  Outcome wrong = run(args);
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_TRUE(contains(wrong.out, "report_data mismatch"));
}

TEST_F(AttestCli, TdxQuoteVerifiesButNoTcbLevelMatches) {
  Outcome result = run(tdx_args("tdx/intel_sgx_root_ca.pem"));
  EXPECT_EQ(result.exit_code, 1) << result.out;
  EXPECT_TRUE(contains(result.out, "ok      quote signature"));
  EXPECT_TRUE(contains(result.out, "ok      QE report signature"));
  EXPECT_TRUE(contains(result.out, "no TCB level matched"));
  auto args = tdx_args("tdx/intel_sgx_root_ca.pem");
  args.push_back("--json");
  auto json = nlohmann::json::parse(run(args).out, nullptr, false);
  ASSERT_FALSE(json.is_discarded());
  EXPECT_EQ(json["claims"]["tdx"]["rtmrs"].size(), 4u);
  EXPECT_EQ(json["claims"]["tdx"]["tcb_status"], "no TCB level matched");
  EXPECT_EQ(json["claims"]["tdx"]["td_attributes"]["debug"], false);
}

TEST_F(AttestCli, TdxRootMustBePinned) {
  Outcome result = run(tdx_args("nvidia/device_root.pem"));
  EXPECT_EQ(result.exit_code, 1) << result.out;
  EXPECT_TRUE(contains(result.out, "root not pinned"));
}

TEST_F(AttestCli, NvidiaEvidenceWithNonce) {
  Bytes evidence = *hex_decode(
      std::string_view(to_string(*read_file(path("nvidia/nvtrust-hopper/attestation_report.hex"))))
          .substr(0, 74));
  std::string nonce = hex_encode(ByteSpan(evidence).subspan(4, 32));
  auto args = nvidia_args();
  args.insert(args.end(), {"--nonce", nonce, "--json"});
  Outcome accepted = run(args);
  EXPECT_EQ(accepted.exit_code, 0) << accepted.out;
  auto json = nlohmann::json::parse(accepted.out, nullptr, false);
  ASSERT_FALSE(json.is_discarded());
  EXPECT_EQ(json["claims"]["nvidia"]["measurements"].size(), 64u);
  args[args.size() - 2][0] = nonce[0] == 'f' ? '0' : 'f';
  Outcome wrong = run(args);
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_TRUE(contains(wrong.out, "nonce mismatch"));
}

TEST_F(AttestCli, ShowDecodesEveryPlatform) {
  Outcome snp = run({"attest", "show", "snp", path("snp/go-sev-guest-milan/report.bin")});
  EXPECT_EQ(snp.exit_code, 0);
  EXPECT_TRUE(contains(snp.out, "snp.policy.debug: true")) << snp.out;
  Outcome tdx = run({"attest", "show", "tdx", path("tdx/go-tdx-guest-spr/quote.dat"), "--json"});
  EXPECT_EQ(tdx.exit_code, 0);
  EXPECT_FALSE(nlohmann::json::parse(tdx.out, nullptr, false)["tdx"]["mrtd"].is_null());
  Outcome nvidia =
      run({"attest", "show", "nvidia", path("nvidia/nvtrust-hopper/attestation_report.hex")});
  EXPECT_EQ(nvidia.exit_code, 0);
  EXPECT_TRUE(contains(nvidia.out, "nvidia.measurements[63].index: 64")) << nvidia.out;
}

TEST_F(AttestCli, UnusableInputAndUsageErrorsExitTwo) {
  EXPECT_EQ(
      run({"attest", "verify", "snp", "--report", path("snp/trustee-milan/report.bin")}).exit_code,
      2);
  auto missing = snp_args("trustee-milan", "2024-01-01");
  missing[4] = (temp_ / "missing.bin").string();
  EXPECT_EQ(run(missing).exit_code, 2);
  auto garbage = snp_args("trustee-milan", "2024-01-01");
  garbage[4] = write("garbage.bin", as_bytes("not a report"));
  Outcome malformed = run(garbage);
  EXPECT_EQ(malformed.exit_code, 2) << malformed.out;
  EXPECT_TRUE(contains(malformed.out, "malformed evidence"));
  auto bad_time = snp_args("trustee-milan", "yesterday");
  EXPECT_EQ(run(bad_time).exit_code, 2);
  EXPECT_EQ(run({"attest", "show", "sgx", path("snp/trustee-milan/report.bin")}).exit_code, 2);
  EXPECT_EQ(run({"attest", "show", "tdx", path("snp/trustee-milan/report.bin")}).exit_code, 2);
  auto bad_policy = snp_args("trustee-milan", "2024-01-01");
  bad_policy.insert(bad_policy.end(), {"--policy", write("p.json", as_bytes("{\"debug\":1}"))});
  EXPECT_EQ(run(bad_policy).exit_code, 2);
}

TEST_F(AttestCli, SimulatedEvidenceNeedsAllowSimulatedAndSaysSimulated) {
  auto measurement = attest::simulated_measurement(crypto::sha256(as_bytes("cli")));
  auto provider = attest::SimulatedProvider::open(temp_ / "state", measurement);
  ASSERT_TRUE(provider.ok()) << provider.error().message();
  auto evidence = provider->produce(attest::ReportData{});
  ASSERT_TRUE(evidence.ok());
  std::string report = write("sim-report.bin", evidence->report);
  auto certs = *crypto::parse_certificates(evidence->collateral);
  std::string vcek = write("sim-vcek.pem", as_bytes(certs[0].to_pem()));
  std::string chain = write("sim-chain.pem", as_bytes(certs[1].to_pem() + certs[2].to_pem()));
  std::vector<std::string> args = {"attest", "verify", "snp",     "--report", report,
                                   "--vcek", vcek,     "--chain", chain};
  Outcome refused = run(args);
  EXPECT_EQ(refused.exit_code, 1) << refused.out;
  EXPECT_TRUE(contains(refused.out, "SIMULATED REJECTED"));
  std::string policy =
      write("dev.json", as_bytes(R"({"allow_simulated": true, "measurements": [")" +
                                 hex_encode(measurement) + "\"]}"));
  args.insert(args.end(), {"--policy", policy, "--json"});
  Outcome accepted = run(args);
  EXPECT_EQ(accepted.exit_code, 0) << accepted.out;
  auto json = nlohmann::json::parse(accepted.out, nullptr, false);
  ASSERT_FALSE(json.is_discarded());
  EXPECT_EQ(json["verdict"]["result"], "SIMULATED ACCEPTED");
  EXPECT_TRUE(json["simulated"].get<bool>());
  EXPECT_TRUE(contains(json["warning"].get<std::string>(), "SIMULATED"));
}

}  // namespace
}  // namespace cloister::tools
