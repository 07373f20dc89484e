// Boot-time checks of the release: the manifest and its proof belong
// together, the model file has a digest the manifest lists, and the engine
// settings are ones the enclave knows how to enforce.
#include "enclave/release.h"

#include <gtest/gtest.h>

#include "base/encoding.h"
#include "base/files.h"
#include "enclave/testing/release_fixture.h"
#include "testing/test_data.h"

namespace cloister::enclave {
namespace {

using testing::ReleaseFixture;
using testing::ReleaseOptions;

// The published digest of stories260K.gguf (../shared/data/README.md).
constexpr std::string_view kStoriesDigestPrefix = "270cba1b";

ReleaseFiles files(const std::filesystem::path& manifest, const std::filesystem::path& proof) {
  ReleaseFiles release;
  release.manifest = manifest;
  release.release_proof = proof;
  return release;
}

TEST(Release, LoadsAManifestAndItsProof) {
  ReleaseFixture fixture(ReleaseOptions{});
  auto release = load_release(files(fixture.manifest_path(), fixture.release_proof_path()));
  ASSERT_TRUE(release.ok()) << release.error().message();
  EXPECT_EQ(release->manifest_bytes, fixture.manifest_bytes());
  EXPECT_EQ(release->manifest_sha256, crypto::sha256(fixture.manifest_bytes()));
  EXPECT_EQ(release->manifest.version, "0.1.0-test");
}

TEST(Release, VerifiesTheProofAgainstALogKeyWhenGivenOne) {
  ReleaseFixture fixture(ReleaseOptions{});
  ReleaseFiles checked = files(fixture.manifest_path(), fixture.release_proof_path());
  checked.log_vkey = fixture.log_vkey();
  checked.witness_vkeys = {fixture.policy().witnesses[0].vkey()};
  checked.witness_threshold = 1;
  EXPECT_TRUE(load_release(checked).ok());
  ReleaseFixture other(ReleaseOptions{});
  checked.log_vkey = other.log_vkey();
  checked.witness_vkeys = {other.policy().witnesses[0].vkey()};
  auto wrong_log = load_release(checked);
  ASSERT_FALSE(wrong_log.ok());
  EXPECT_NE(wrong_log.error().message().find("the release proof does not verify"),
            std::string::npos);
}

TEST(Release, RefusesAProofOfAnotherManifest) {
  ReleaseFixture one(ReleaseOptions{});
  ReleaseOptions different;
  different.settings["context"] = int64_t{64};
  ReleaseFixture two(different);
  auto release = load_release(files(one.manifest_path(), two.release_proof_path()));
  ASSERT_FALSE(release.ok());
  EXPECT_EQ(release.error().code(), ErrorCode::kRejected);
}

TEST(Release, RefusesAManifestThatIsNotCanonical) {
  ReleaseFixture fixture(ReleaseOptions{});
  Bytes spaced = fixture.manifest_bytes();
  spaced.insert(spaced.begin() + 1, ' ');
  ASSERT_TRUE(write_file_atomically(fixture.manifest_path(), spaced).ok());
  EXPECT_FALSE(load_release(files(fixture.manifest_path(), fixture.release_proof_path())).ok());
}

TEST(Release, AcceptsTheModelTheManifestLists) {
  CLOISTER_TEST_DATA(model, "models/stories260K.gguf");
  tlog::ReleaseManifest manifest;
  manifest.models = {testing::model_entry("stories260K", model)};
  auto served = verify_model_file(manifest, model);
  ASSERT_TRUE(served.ok()) << served.error().message();
  EXPECT_EQ(served->name, "stories260K");
  EXPECT_TRUE(hex_encode(served->sha256).starts_with(kStoriesDigestPrefix));
  // The checked file stays open and is what the engine will map.
  ASSERT_NE(served->file, nullptr);
  EXPECT_EQ(*sha256_file(served->verified_path()), served->sha256);
}

TEST(Release, RefusesAModelWhoseDigestIsNotInTheManifest) {
  CLOISTER_TEST_DATA(model, "models/stories260K.gguf");
  tlog::ReleaseManifest manifest;
  tlog::ModelFile other{"stories260K", {}};
  other.sha256.fill(0x42);
  manifest.models = {other};
  auto served = verify_model_file(manifest, model);
  ASSERT_FALSE(served.ok());
  EXPECT_EQ(served.error().code(), ErrorCode::kRejected);
  EXPECT_NE(served.error().message().find(kStoriesDigestPrefix), std::string::npos);
  EXPECT_FALSE(verify_model_file(manifest, "/nonexistent/model.gguf").ok());
}

TEST(Release, ReadsTheSettingsItEnforces) {
  tlog::ReleaseManifest manifest;
  manifest.engine_settings = {{"context", int64_t{512}}, {"chat_template", std::string("chatml")}};
  auto settings = engine_settings(manifest);
  ASSERT_TRUE(settings.ok());
  EXPECT_EQ(settings->context_length, 512u);
  EXPECT_EQ(settings->prompt.chat_format, engine::ChatFormat::kChatMl);
  EXPECT_FALSE(settings->prompt.plain);
  EXPECT_FALSE(settings->upstream_origin.has_value());

  manifest.engine_settings = {{"chat_template", std::string("plain")}};
  EXPECT_TRUE(engine_settings(manifest)->prompt.plain);
  manifest.upstream_engine = "http://127.0.0.1:8000/v1";
  EXPECT_EQ(engine_settings(manifest)->upstream_origin, "http://127.0.0.1:8000");
}

TEST(Release, RefusesSettingsItCannotEnforce) {
  tlog::ReleaseManifest manifest;
  manifest.engine_settings = {{"temperature_floor", int64_t{1}}};
  EXPECT_FALSE(engine_settings(manifest).ok());
  manifest.engine_settings = {{"context", std::string("big")}};
  EXPECT_FALSE(engine_settings(manifest).ok());
  manifest.engine_settings = {{"context", int64_t{0}}};
  EXPECT_FALSE(engine_settings(manifest).ok());
  manifest.engine_settings = {{"chat_template", std::string("jinja")}};
  EXPECT_FALSE(engine_settings(manifest).ok());
  manifest.engine_settings.clear();
  manifest.upstream_engine = "http://10.1.2.3:8000";  // outside the VM
  EXPECT_FALSE(engine_settings(manifest).ok());
}

}  // namespace
}  // namespace cloister::enclave
