// The verified connection against the real cloister-enclave (SIMULATED
// provider, stories260K): it verifies and chats, streams, cancels, checks
// receipts, and refuses, each with its reason, when the policy does not
// trust SIMULATED evidence, the log is not pinned, the manifest is not in the
// log, the checkpoint is older than the stored one or from a fork of the log
// (a split view), the TCB is below the policy's floor, and the evidence is
// bound to another session (a report replayed by a man in the middle); and
// that a cached verdict is reused only for the same offer, binding and policy.
#include "client/connect/verified_connection.h"

#include <thread>

#include <gtest/gtest.h>

#include "client/connect/verdict_cache.h"
#include "client/testing/enclave_process.h"
#include "enclave/testing/release_fixture.h"
#include "session/websocket_transport.h"
#include "testing/test_data.h"
#include "tlog/release_proof.h"
#include "tlog/tiles.h"

namespace cloister::client {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

class VerifiedConnectionTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!testing::stories_model().ok()) return;
    dir_ = new enclave::testing::TempDir();
    log_ = new testing::ReleaseLog(dir_->path() / "release");
    auto started =
        testing::EnclaveProcess::start(*log_, dir_->path() / "enclave", CLOISTER_ENCLAVE_BINARY);
    if (!started.ok()) {
      ADD_FAILURE() << started.error().message();
      return;
    }
    enclave_ = started->release();
  }
  static void TearDownTestSuite() {
    delete enclave_;
    delete log_;
    delete dir_;
    enclave_ = nullptr;
    log_ = nullptr;
    dir_ = nullptr;
  }
  void SetUp() override {
    auto model = testing::stories_model();
    if (!model.ok()) {
      if (::cloister::testing::running_in_ci()) FAIL() << model.error().message();
      GTEST_SKIP() << model.error().message();
    }
    ASSERT_NE(enclave_, nullptr);
  }

  ConnectOptions options() const {
    ConnectOptions options;
    // A bare origin means its /v1/session endpoint.
    options.url = "http://127.0.0.1:" + std::to_string(enclave_->port());
    options.log_url = "";  // no host here: no consistency proofs
    return options;
  }

  static json ask(std::string_view prompt, int max_tokens) {
    return json{{"messages", json::array({{{"role", "user"}, {"content", prompt}}})},
                {"max_tokens", max_tokens},
                {"temperature", 0},
                {"seed", 1}};
  }

  // Runs a handshake that captures the enclave's offer and then refuses it;
  // without `fresh`, the client sends no nonce and the enclave offers the
  // evidence it keeps.
  std::pair<session::EvidenceBundle, session::ReportData> capture_offer(bool fresh = true) {
    auto transport = session::WebSocketTransport::connect(pool_, enclave_->session_url());
    EXPECT_TRUE(transport.ok());
    session::EvidenceBundle bundle;
    session::ReportData expected{};
    session::InitiatorConfig config;
    if (fresh) {
      session::Nonce nonce{};
      nonce.fill(7);
      config.nonce = nonce;
    }
    config.verify_evidence = [&](const session::EvidenceBundle& offered,
                                 const session::ReportData& report_data) -> Status {
      bundle = offered;
      expected = report_data;
      return Error(ErrorCode::kRejected, "captured");
    };
    auto session = session::Session::connect(**transport, std::move(config), system_clock());
    EXPECT_FALSE(session.ok());
    return {bundle, expected};
  }

  net::IoPool pool_{1};
  static enclave::testing::TempDir* dir_;
  static testing::ReleaseLog* log_;
  static testing::EnclaveProcess* enclave_;
};

enclave::testing::TempDir* VerifiedConnectionTest::dir_ = nullptr;
testing::ReleaseLog* VerifiedConnectionTest::log_ = nullptr;
testing::EnclaveProcess* VerifiedConnectionTest::enclave_ = nullptr;

TEST_F(VerifiedConnectionTest, VerifiesThenStreamsAnAnswerWithAValidReceipt) {
  auto connection = VerifiedConnection::connect(pool_, options(), log_->policy());
  ASSERT_TRUE(connection.ok()) << connection.error().message();
  const Verification& verified = (*connection)->verification();
  EXPECT_TRUE(verified.simulated);
  EXPECT_EQ(verified.platform, "sev-snp");
  EXPECT_EQ(verified.measurement.size(), 96u);
  EXPECT_EQ(verified.manifest.version, "0.1.0-enclave");
  ASSERT_EQ(verified.manifest.models.size(), 1u);
  EXPECT_EQ(verified.manifest.models[0].name, "stories260K");
  EXPECT_EQ(verified.witnesses, std::vector<std::string>{"witness.client-test.example"});
  EXPECT_TRUE(verified.checkpoint_advanced);  // nothing was stored
  EXPECT_FALSE(verified.checkpoint_note.empty());
  EXPECT_NE(verified.to_text().find("SIMULATED"), std::string::npos);
  EXPECT_EQ(verified.to_json()["simulated"], true);
  // The text lists every check that passed, as the JSON does.
  ASSERT_FALSE(verified.checks.empty());
  for (const std::string& check : verified.checks) {
    EXPECT_NE(verified.to_text().find("  - " + check + "\n"), std::string::npos) << check;
  }

  std::string streamed;
  auto answer = (*connection)->chat(ask("Once upon a time", 24), [&](std::string_view delta) {
    streamed += delta;
  });
  ASSERT_TRUE(answer.ok()) << answer.error().message();
  EXPECT_FALSE(answer->content.empty());
  EXPECT_EQ(streamed, answer->content);
  EXPECT_FALSE(answer->cancelled);
  EXPECT_EQ(answer->receipt.size(), 205u);
  EXPECT_EQ(answer->receipt_claims.manifest_sha256, verified.manifest_digest);

  // A receipt does not cover another text.
  auto forged = (*connection)->check_receipt(answer->receipt, "{}", answer->content);
  ASSERT_FALSE(forged.ok());
  EXPECT_TRUE(forged.error().message().starts_with(kRefuseReceipt));

  auto models = (*connection)->list_models();
  ASSERT_TRUE(models.ok()) << models.error().message();
  ASSERT_EQ(models->size(), 1u);
  EXPECT_EQ((*models)[0]["id"], "stories260K");
}

TEST_F(VerifiedConnectionTest, CancelStopsAGenerationAndTheSessionGoesOn) {
  auto connection = VerifiedConnection::connect(pool_, options(), log_->policy());
  ASSERT_TRUE(connection.ok()) << connection.error().message();
  CancelToken cancel;
  size_t pieces = 0;
  auto answer = (*connection)
                    ->chat(
                        ask("Once upon a time", 1500),
                        [&](std::string_view) {
                          if (++pieces == 2) cancel.cancel();
                        },
                        &cancel);
  ASSERT_TRUE(answer.ok()) << answer.error().message();
  EXPECT_TRUE(answer->cancelled);
  EXPECT_TRUE(answer->receipt.empty());
  // The connection still serves the next request.
  auto next = (*connection)->chat(ask("The cat", 8));
  ASSERT_TRUE(next.ok()) << next.error().message();
  EXPECT_FALSE(next->receipt.empty());
}

TEST_F(VerifiedConnectionTest, AnEnclaveErrorNamesItsCode) {
  auto connection = VerifiedConnection::connect(pool_, options(), log_->policy());
  ASSERT_TRUE(connection.ok()) << connection.error().message();
  auto answer = (*connection)->chat(json{{"messages", json::array()}});
  ASSERT_FALSE(answer.ok());
  EXPECT_NE(answer.error().message().find("invalid_request"), std::string::npos)
      << answer.error().message();
}

TEST_F(VerifiedConnectionTest, RefusesSimulatedEvidenceUnlessThePolicyAllowsIt) {
  TrustPolicy policy = log_->policy();
  policy.allow_simulated = false;  // the default
  auto connection = VerifiedConnection::connect(pool_, options(), policy);
  ASSERT_FALSE(connection.ok());
  EXPECT_EQ(connection.error().code(), ErrorCode::kRejected);
  EXPECT_TRUE(connection.error().message().starts_with(kRefuseSimulated))
      << connection.error().message();
  EXPECT_FALSE(TrustPolicy{}.allow_simulated);
}

TEST_F(VerifiedConnectionTest, RefusesALogItDoesNotPin) {
  enclave::testing::TempDir other_dir;
  testing::ReleaseLog other(other_dir.path());
  auto connection = VerifiedConnection::connect(pool_, options(), other.policy());
  ASSERT_FALSE(connection.ok());
  EXPECT_NE(connection.error().message().find(tlog::kReasonBadSignature), std::string::npos)
      << connection.error().message();
  TrustPolicy nothing_pinned;
  nothing_pinned.allow_simulated = true;
  auto unpinned = VerifiedConnection::connect(pool_, options(), nothing_pinned);
  ASSERT_FALSE(unpinned.ok());
  EXPECT_TRUE(unpinned.error().message().starts_with(tlog::kReasonWrongLog))
      << unpinned.error().message();
}

TEST_F(VerifiedConnectionTest, RefusesAManifestThatIsNotInTheLog) {
  auto [bundle, expected] = capture_offer();
  const TrustPolicy policy = log_->policy();
  ASSERT_TRUE(verify_offer(bundle, expected, policy, {}).ok());
  // Another manifest under the same (valid) proof path and checkpoint.
  auto proof = tlog::parse_release_proof(bundle.tlog_proof.bytes);
  ASSERT_TRUE(proof.ok());
  auto manifest = tlog::parse_manifest(proof->manifest);
  ASSERT_TRUE(manifest.ok());
  manifest->version = "9.9.9-unlogged";
  proof->manifest = to_bytes(*tlog::encode_manifest(*manifest));
  bundle.manifest = proof->manifest;
  bundle.tlog_proof.bytes = *tlog::encode_release_proof(*proof);
  auto refused = verify_offer(bundle, expected, policy, {});
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(refused.error().message().starts_with(tlog::kReasonNotIncluded))
      << refused.error().message();
}

TEST_F(VerifiedConnectionTest, RefusesALoggedReleaseOlderThanThePolicysMinimum) {
  auto [bundle, expected] = capture_offer();
  TrustPolicy policy = log_->policy();
  // The logged release is 0.1.0-enclave, a pre-release of 0.1.0 (semver.org
  // section 11), so it meets a floor of 0.0.9 or of itself but not of 0.1.0.
  for (const char* met : {"0.0.9", "0.1.0-enclave", "0.1.0-alpha"}) {
    policy.min_release = met;
    auto verified = verify_offer(bundle, expected, policy, {});
    ASSERT_TRUE(verified.ok()) << met << ": " << verified.error().message();
    EXPECT_NE(std::find(verified->checks.begin(), verified->checks.end(),
                        "release 0.1.0-enclave is not older than the policy's minimum, " +
                            std::string(met)),
              verified->checks.end());
  }
  for (const char* unmet : {"0.1.0", "0.2.0", "1.0.0-rc.1"}) {
    policy.min_release = unmet;
    auto refused = verify_offer(bundle, expected, policy, {});
    ASSERT_FALSE(refused.ok()) << unmet;
    EXPECT_EQ(refused.error().code(), ErrorCode::kRejected);
    EXPECT_EQ(refused.error().message(),
              std::string(kRefuseOldRelease) +
                  ": release 0.1.0-enclave is older than the policy's minimum, " + unmet);
  }
  // A policy file names the floor, and refuses one that is not a version.
  policy.min_release = "0.2.0";
  auto reread = parse_policy_json(policy_to_json(policy));
  ASSERT_TRUE(reread.ok()) << reread.error().message();
  EXPECT_EQ(reread->min_release, "0.2.0");
  std::string bad = policy_to_json(policy);
  bad.replace(bad.find("\"0.2.0\""), 7, "\"0.2\"");
  auto refused = parse_policy_json(bad);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message().find("min_release"), std::string::npos);
}

TEST_F(VerifiedConnectionTest, RefusesEvidenceBoundToAnotherSession) {
  auto [bundle, expected] = capture_offer();
  const TrustPolicy policy = log_->policy();
  session::ReportData other = expected;
  other[0] ^= 1;
  auto refused = verify_offer(bundle, other, policy, {});
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(refused.error().message().starts_with(kRefuseBinding)) << refused.error().message();

  // Over the wire: a man in the middle replays the real enclave's evidence
  // from its own Noise key. The client computes REPORT_DATA with the key
  // that answered, so the binding fails before message 3.
  session::MemoryPipe pipe(system_clock());
  std::thread server([&, replay = bundle] {
    session::ResponderConfig config;
    config.static_key = std::make_shared<const crypto::X25519KeyPair>(crypto::x25519_generate());
    config.produce_evidence = [replay](const std::optional<session::Nonce>&) {
      return Result<session::EvidenceBundle>(replay);
    };
    auto accepted = session::Session::accept(pipe.server_end(), std::move(config), system_clock());
    EXPECT_FALSE(accepted.ok());
  });
  auto connection = VerifiedConnection::over(pipe.client_end(), policy);
  pipe.client_end().close();
  server.join();
  ASSERT_FALSE(connection.ok());
  EXPECT_TRUE(connection.error().message().find(kRefuseBinding) != std::string::npos)
      << connection.error().message();
}

TEST_F(VerifiedConnectionTest, RefusesACheckpointOlderThanTheStoredOne) {
  enclave::testing::TempDir scratch;
  TrustPolicy policy = log_->policy();
  // First use stores the enclave's checkpoint; the log then grows and a
  // client that saw the newer checkpoint meets the enclave's older one.
  auto first = VerifiedConnection::connect(pool_, options(), policy);
  ASSERT_TRUE(first.ok()) << first.error().message();
  const std::string origin = (*first)->verification().checkpoint.origin;
  policy.checkpoints[origin] = (*first)->verification().checkpoint_note;
  auto again = VerifiedConnection::connect(pool_, options(), policy);
  ASSERT_TRUE(again.ok()) << again.error().message();
  EXPECT_FALSE((*again)->verification().checkpoint_advanced);

  log_->grow();
  policy.checkpoints[origin] = log_->checkpoint();
  auto refused = VerifiedConnection::connect(pool_, options(), policy);
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(refused.error().message().starts_with(tlog::kReasonRollback))
      << refused.error().message();
}

TEST_F(VerifiedConnectionTest, RefusesASplitViewOfTheLog) {
  // The log operator (with its witness) keeps a second tree under the same
  // keys and showed this client a checkpoint of it: same origin, same size
  // as the enclave's, another root.
  auto first = VerifiedConnection::connect(pool_, options(), log_->policy());
  ASSERT_TRUE(first.ok()) << first.error().message();
  const tlog::Checkpoint& offered = (*first)->verification().checkpoint;
  enclave::testing::TempDir fork_dir;
  testing::ReleaseLog fork = log_->fork(fork_dir.path());
  for (uint64_t size = 1; size < offered.size; ++size) fork.grow();
  TrustPolicy policy = log_->policy();
  policy.checkpoints[offered.origin] = fork.checkpoint();
  auto refused = VerifiedConnection::connect(pool_, options(), policy);
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(refused.error().message().starts_with(tlog::kReasonSplitView))
      << refused.error().message();
}

TEST_F(VerifiedConnectionTest, RefusesATcbBelowThePolicyFloor) {
  TrustPolicy policy = log_->policy();
  policy.min_snp_tcb = tlog::SnpTcb{255, 255, 255, 255, std::nullopt};
  auto refused = VerifiedConnection::connect(pool_, options(), policy);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kRejected);
  EXPECT_TRUE(refused.error().message().starts_with(kRefuseTcb)) << refused.error().message();
}

TEST_F(VerifiedConnectionTest, ProvesConsistencyWithTheStoredCheckpointFromTheLogTiles) {
  TrustPolicy policy = log_->policy();
  const std::string origin = "client-test.cloister.example/releases";
  policy.checkpoints[origin] = log_->first_checkpoint();  // older than the enclave's
  // Without tiles, the client cannot prove consistency and does not guess.
  auto unproven = VerifiedConnection::connect(pool_, options(), policy);
  ASSERT_FALSE(unproven.ok());
  EXPECT_TRUE(unproven.error().message().starts_with(tlog::kReasonNoConsistencyProof))
      << unproven.error().message();
  // With the log's tiles (the host serves them at /log/), it proves and advances.
  tlog::DirectoryTileReader tiles(log_->tiles_dir());
  auto consistency = tlog::consistency_from_tiles(tiles);
  auto transport = session::WebSocketTransport::connect(pool_, enclave_->session_url());
  ASSERT_TRUE(transport.ok());
  auto connection = VerifiedConnection::over(**transport, policy, consistency);
  ASSERT_TRUE(connection.ok()) << connection.error().message();
  EXPECT_TRUE((*connection)->verification().checkpoint_advanced);
  EXPECT_GT((*connection)->verification().checkpoint.size, 1u);
  (*connection)->close();
}

TEST_F(VerifiedConnectionTest, ReusesAVerdictOnlyForTheSameOfferBindingAndPolicy) {
  const auto [bundle, expected] = capture_offer(false);
  VerdictCache verdicts;
  TrustPolicy policy = log_->policy();
  auto first = verdicts.verify(bundle, expected, policy, {});
  ASSERT_TRUE(first.ok()) << first.error().message();
  auto again = verdicts.verify(bundle, expected, policy, {});
  ASSERT_TRUE(again.ok()) << again.error().message();
  EXPECT_EQ(verdicts.hits(), 1u);
  EXPECT_EQ(again->measurement, first->measurement);
  EXPECT_EQ(again->manifest_digest, first->manifest_digest);
  EXPECT_EQ(again->receipt_key, first->receipt_key);

  // The same offer relayed into another session: the binding fails.
  session::ReportData elsewhere = expected;
  elsewhere[0] ^= 1;
  auto relayed = verdicts.verify(bundle, elsewhere, policy, {});
  ASSERT_FALSE(relayed.ok());
  EXPECT_TRUE(relayed.error().message().starts_with(kRefuseBinding)) << relayed.error().message();
  // Any other byte of the offer: verified afresh, and refused.
  session::EvidenceBundle altered = bundle;
  altered.report.back() ^= 1;
  EXPECT_FALSE(verdicts.verify(altered, expected, policy, {}).ok());
  // A policy that no longer trusts SIMULATED evidence refuses the cached offer.
  TrustPolicy strict = policy;
  strict.allow_simulated = false;
  auto refused = verdicts.verify(bundle, expected, strict, {});
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(refused.error().message().starts_with(kRefuseSimulated)) << refused.error().message();
  // A checkpoint stored since: verified against it, then kept for it.
  policy.checkpoints[first->checkpoint.origin] = first->checkpoint_note;
  auto stored = verdicts.verify(bundle, expected, policy, {});
  ASSERT_TRUE(stored.ok()) << stored.error().message();
  EXPECT_FALSE(stored->checkpoint_advanced);
  EXPECT_EQ(verdicts.hits(), 1u);
  log_->grow();
  policy.checkpoints[first->checkpoint.origin] = log_->checkpoint();
  auto rolled_back = verdicts.verify(bundle, expected, policy, {});
  ASSERT_FALSE(rolled_back.ok());
  EXPECT_TRUE(rolled_back.error().message().starts_with(tlog::kReasonRollback))
      << rolled_back.error().message();
  EXPECT_EQ(verdicts.hits(), 1u);
}

TEST_F(VerifiedConnectionTest, KeepsAVerdictOnlyWhileItHoldsAndForItsLifetime) {
  const auto [bundle, expected] = capture_offer(false);
  const TrustPolicy policy = log_->policy();
  FixedClock clock(system_clock().now());
  VerdictCache verdicts(std::chrono::minutes(10));
  ASSERT_TRUE(verdicts.verify(bundle, expected, policy, {}, clock).ok());
  clock.advance(std::chrono::minutes(9));
  ASSERT_TRUE(verdicts.verify(bundle, expected, policy, {}, clock).ok());
  EXPECT_EQ(verdicts.hits(), 1u);
  clock.advance(std::chrono::minutes(2));  // past the lifetime: verified again
  ASSERT_TRUE(verdicts.verify(bundle, expected, policy, {}, clock).ok());
  EXPECT_EQ(verdicts.hits(), 1u);
  EXPECT_EQ(verdicts.size(), 1u);

  // The simulated VCEK expires within 30 years, so a 30-year verdict would
  // outlive it: accepted now, but not kept.
  VerdictCache outliving(std::chrono::hours(24 * 365 * 30));
  ASSERT_TRUE(outliving.verify(bundle, expected, policy, {}).ok());
  EXPECT_EQ(outliving.size(), 0u);
  ASSERT_TRUE(outliving.verify(bundle, expected, policy, {}).ok());
  EXPECT_EQ(outliving.hits(), 0u);
}

TEST_F(VerifiedConnectionTest, OpensSessionsOnKeptEvidenceWithACachedVerdict) {
  VerdictCache verdicts;
  ConnectOptions cached = options();
  cached.evidence = {.fresh = false, .verdicts = &verdicts};
  auto first = VerifiedConnection::connect(pool_, cached, log_->policy());
  ASSERT_TRUE(first.ok()) << first.error().message();
  (*first)->close();
  auto second = VerifiedConnection::connect(pool_, cached, log_->policy());
  ASSERT_TRUE(second.ok()) << second.error().message();
  EXPECT_EQ(verdicts.hits(), 1u);
  EXPECT_TRUE((*second)->verification().simulated);
  auto answer = (*second)->chat(ask("Once upon a time", 8));
  ASSERT_TRUE(answer.ok()) << answer.error().message();
  EXPECT_FALSE(answer->receipt.empty());
  // A fresh nonce means a new report: nothing to reuse.
  ConnectOptions fresh = options();
  fresh.evidence.verdicts = &verdicts;
  auto third = VerifiedConnection::connect(pool_, fresh, log_->policy());
  ASSERT_TRUE(third.ok()) << third.error().message();
  EXPECT_EQ(verdicts.hits(), 1u);
}

TEST(TrustPolicyFile, RoundTripsAndRefusesUnknownKeys) {
  enclave::testing::TempDir dir;
  testing::ReleaseLog log(dir.path() / "log");
  TrustPolicy policy = log.policy();
  policy.min_snp_tcb = tlog::SnpTcb{3, 0, 8, 115, std::nullopt};
  policy.checkpoints["x"] = "note";
  auto parsed = parse_policy_json(policy_to_json(policy));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  EXPECT_EQ(policy_to_json(*parsed), policy_to_json(policy));
  EXPECT_FALSE(
      parse_policy_json(R"({"format":"cloister/client-policy/v1","allow_simulate":true})").ok());
  EXPECT_FALSE(
      parse_policy_json(R"({"format":"cloister/client-policy/v1","platforms":["sgx"]})").ok());
  auto defaults = load_policy(dir.path() / "missing.json");
  ASSERT_TRUE(defaults.ok());
  EXPECT_FALSE(defaults->allow_simulated);
  EXPECT_TRUE(defaults->log_keys.empty());
  ASSERT_TRUE(save_policy(dir.path() / "p.json", policy).ok());
  ASSERT_TRUE(record_checkpoint(dir.path() / "p.json", "y", "other").ok());
  auto loaded = load_policy(dir.path() / "p.json");
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->checkpoints.at("y"), "other");
  EXPECT_EQ(loaded->checkpoints.at("x"), "note");
}

}  // namespace
}  // namespace cloister::client
