#include "attest/provider/configfs_tsm.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <thread>

#include <gtest/gtest.h>

#include "attest/provider/simulated_fixture.h"
#include "attest/snp/cert_table.h"
#include "attest/tdx/collateral.h"
#include "attest/tdx/quote.h"
#include "base/files.h"
#include "testing/temp_dir.h"
#include "testing/test_data.h"

namespace cloister::attest {
namespace {

namespace fs = std::filesystem;

// A stand-in for the kernel's configfs-tsm entry, built from FIFOs so that it
// behaves like the real one: writing inblob bumps "generation", and outblob
// is generated when it is read, from the inblob last written.
class FakeTsmEntry {
 public:
  using Responder = std::function<Bytes(const Bytes& inblob)>;

  FakeTsmEntry(const fs::path& root, const std::string& name, Responder responder,
               const Bytes& auxblob, const std::string& provider)
      : entry_(root / name), responder_(std::move(responder)) {
    fs::create_directories(entry_);
    EXPECT_EQ(::mkfifo((entry_ / "inblob").c_str(), 0600), 0);
    EXPECT_EQ(::mkfifo((entry_ / "outblob").c_str(), 0600), 0);
    EXPECT_TRUE(write_file_atomically(entry_ / "auxblob", auxblob).ok());
    EXPECT_TRUE(write_file_atomically(entry_ / "provider", as_bytes(provider + "\n")).ok());
    EXPECT_TRUE(write_file_atomically(entry_ / "privlevel", as_bytes("0\n")).ok());
    set_generation(0);
  }

  ~FakeTsmEntry() {
    stop_ = true;
    // Unblock a thread still waiting in open() on either FIFO, a bounded number of times.
    for (int i = 0; i < 200 && thread_.joinable() && !done_; ++i) {
      int w = ::open((entry_ / "inblob").c_str(), O_WRONLY | O_NONBLOCK);
      if (w >= 0) ::close(w);
      int r = ::open((entry_ / "outblob").c_str(), O_RDONLY | O_NONBLOCK);
      if (r >= 0) ::close(r);
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (thread_.joinable()) thread_.join();
  }

  // Serves `rounds` requests; in each, other writers bump generation by
  // interference(round) on top of the requester's own write.
  void serve(
      int rounds, std::function<int(int)> interference = [](int) { return 0; }) {
    thread_ = std::thread([this, rounds, interference] {
      for (int round = 0; round < rounds && !stop_; ++round) {
        Bytes inblob;
        if (!read_fifo(entry_ / "inblob", inblob)) break;
        last_inblob_ = inblob;
        set_generation(generation_ + 1 + interference(round));
        Bytes outblob = responder_(inblob);
        if (!write_fifo(entry_ / "outblob", outblob)) break;
        ++served_;
      }
      done_ = true;
    });
  }

  void wait() {
    if (thread_.joinable()) thread_.join();
  }
  int served() const { return served_; }
  const Bytes& last_inblob() const { return last_inblob_; }
  const fs::path& path() const { return entry_; }

 private:
  void set_generation(uint64_t value) {
    generation_ = value;
    EXPECT_TRUE(
        write_file_atomically(entry_ / "generation", as_bytes(std::to_string(value) + "\n")).ok());
  }
  static bool read_fifo(const fs::path& path, Bytes& out) {
    int fd = ::open(path.c_str(), O_RDONLY);
    if (fd < 0) return false;
    uint8_t buffer[4096];
    ssize_t n;
    while ((n = ::read(fd, buffer, sizeof(buffer))) > 0) out.insert(out.end(), buffer, buffer + n);
    ::close(fd);
    return true;
  }
  static bool write_fifo(const fs::path& path, const Bytes& data) {
    int fd = ::open(path.c_str(), O_WRONLY);
    if (fd < 0) return false;
    bool ok = ::write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size());
    ::close(fd);
    return ok;
  }

  fs::path entry_;
  Responder responder_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> done_{false};
  std::atomic<int> served_{0};
  uint64_t generation_ = 0;
  Bytes last_inblob_;
};

ReportData sample_report_data(uint8_t seed) {
  ReportData data{};
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(seed + i);
  return data;
}

// The simulated "firmware": signs a report for whatever inblob says.
Bytes simulated_outblob(const Bytes& inblob) {
  ReportData data{};
  std::copy(inblob.begin(), inblob.begin() + std::min<size_t>(inblob.size(), 64), data.begin());
  auto& provider = testing_support::shared_simulated_provider();
  return *provider.sign(provider.report_template(data));
}

Bytes simulated_cert_table() {
  auto certs =
      *crypto::parse_certificates(testing_support::shared_simulated_provider().certificate_chain());
  return *snp::encode_cert_table({{std::string(snp::kVcekGuid), certs[0].der()},
                                  {std::string(snp::kAskGuid), certs[1].der()},
                                  {std::string(snp::kArkGuid), certs[2].der()}});
}

class ConfigfsTsm : public ::testing::Test {
 protected:
  ConfigfsTsmOptions options() const {
    ConfigfsTsmOptions options;
    options.root = root_.path();
    options.entry_name = "entry";
    return options;
  }
  cloister::testing::TempDir root_{"cloister-tsm"};
};

TEST_F(ConfigfsTsm, ProducesSnpEvidenceThatVerifies) {
  FakeTsmEntry entry(root_.path(), "entry", simulated_outblob, simulated_cert_table(), "sev_guest");
  entry.serve(1);
  ConfigfsTsmOptions opts = options();
  opts.privilege_level = 2;
  ConfigfsTsmProvider provider(opts);
  auto evidence = provider.produce(sample_report_data(1));
  entry.wait();
  ASSERT_TRUE(evidence.ok()) << evidence.error().message();
  EXPECT_EQ(entry.last_inblob(), to_bytes(sample_report_data(1)));
  EXPECT_EQ(*read_text_file(entry.path() / "privlevel"), "2");
  Policy policy;
  policy.allow_simulated(true);
  policy.expect_report_data(sample_report_data(1));
  VerifiedEvidence result = verify_evidence(*evidence, policy, system_clock());
  EXPECT_TRUE(result.verdict.accepted()) << result.verdict.to_text();
  // The GHCB table from auxblob was turned into a PEM bundle.
  EXPECT_TRUE(crypto::looks_like_pem(evidence->collateral));
}

TEST_F(ConfigfsTsm, RetriesWhenAnotherWriterRacesIt) {
  FakeTsmEntry entry(root_.path(), "entry", simulated_outblob, simulated_cert_table(), "sev_guest");
  entry.serve(2, [](int round) { return round == 0 ? 1 : 0; });
  auto report = request_tsm_report(options(), sample_report_data(2));
  entry.wait();
  ASSERT_TRUE(report.ok()) << report.error().message();
  EXPECT_EQ(entry.served(), 2);
  EXPECT_EQ(report->generation, 3u);  // 0 -> 2 (raced) -> 3
  EXPECT_EQ(report->provider, "sev_guest");
}

TEST_F(ConfigfsTsm, PersistentRaceIsAConflict) {
  FakeTsmEntry entry(root_.path(), "entry", simulated_outblob, simulated_cert_table(), "sev_guest");
  entry.serve(2, [](int) { return 1; });
  ConfigfsTsmOptions opts = options();
  opts.max_attempts = 2;
  auto report = request_tsm_report(opts, sample_report_data(3));
  entry.wait();
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error().code(), ErrorCode::kConflict);
}

TEST_F(ConfigfsTsm, TdxQuoteMustCarryTheRequestedReportData) {
  CLOISTER_TEST_DATA(quote_path, "attestation/tdx/go-tdx-guest-spr/quote.dat");
  Bytes quote = testing::read_test_file(quote_path);
  FakeTsmEntry entry(
      root_.path(), "entry", [&](const Bytes&) { return quote; }, Bytes{}, "tdx_guest");
  entry.serve(2);
  ConfigfsTsmOptions opts = options();
  opts.tdx_collateral = tdx::encode_collateral(tdx::TdxCollateral{});
  ConfigfsTsmProvider provider(opts);
  auto wrong = provider.produce(sample_report_data(4));
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code(), ErrorCode::kConflict);
  ReportData quoted{};
  auto parsed = tdx::parse_quote(quote);
  ASSERT_TRUE(parsed.ok());
  quoted = parsed->body.report_data;
  auto evidence = provider.produce(quoted);
  entry.wait();
  ASSERT_TRUE(evidence.ok()) << evidence.error().message();
  EXPECT_EQ(evidence->platform, Platform::kTdx);
  EXPECT_EQ(evidence->collateral, opts.tdx_collateral);
}

TEST_F(ConfigfsTsm, MissingInterfaceSaysSo) {
  ConfigfsTsmOptions opts = options();
  opts.root = root_.path() / "no" / "such" / "dir";
  auto report = request_tsm_report(opts, sample_report_data(5));
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(report.error().message().find("configfs-tsm is not available"), std::string::npos);
}

TEST_F(ConfigfsTsm, RemovesAnEntryItCreatedWhenTheDirectoryIsNotConfigfs) {
  auto report = request_tsm_report(options(), sample_report_data(6));
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error().code(), ErrorCode::kUnavailable);
  EXPECT_FALSE(fs::exists(root_.path() / "entry"));
}

}  // namespace
}  // namespace cloister::attest
