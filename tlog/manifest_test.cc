#include "tlog/manifest.h"

#include <gtest/gtest.h>

#include "base/encoding.h"

namespace cloister::tlog {
namespace {

template <size_t N>
std::array<uint8_t, N> filled(uint8_t byte) {
  std::array<uint8_t, N> out{};
  out.fill(byte);
  return out;
}

ReleaseManifest sample_manifest() {
  ReleaseManifest m;
  m.version = "0.1.0";
  m.source_commit = "2c821c1c0ffee0000000000000000000000000ab";
  m.enclave_binary_sha256 = filled<32>(0x11);
  m.simulated_measurements = {filled<48>(0x22)};
  m.models = {{"stories260K", filled<32>(0x33)}};
  m.engine_settings = {
      {"context", int64_t{2048}}, {"template", std::string("chatml")}, {"greedy", true}};
  return m;
}

std::string hex_of(uint8_t byte, size_t n) { return hex_encode(Bytes(n, byte)); }

// Written out by hand from the layout in manifest.h, in JCS key order.
std::string sample_manifest_text() {
  return "{\"enclave\":{\"binary_sha256\":\"" + hex_of(0x11, 32) +
         "\"},\"engine\":{\"settings\":{\"context\":2048,\"greedy\":true,\"template\":\"chatml\"}},"
         "\"format\":\"cloister/release-manifest/v1\",\"measurements\":{\"simulated\":[\"" +
         hex_of(0x22, 48) +
         "\"],\"snp\":[],\"tdx\":[]},\"models\":[{\"name\":\"stories260K\","
         "\"sha256\":\"" +
         hex_of(0x33, 32) +
         "\"}],\"source_commit\":"
         "\"2c821c1c0ffee0000000000000000000000000ab\",\"version\":\"0.1.0\"}";
}

std::string replace(std::string text, std::string_view from, std::string_view to) {
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

TEST(Manifest, EncodesToTheDocumentedCanonicalForm) {
  auto text = encode_manifest(sample_manifest());
  ASSERT_TRUE(text.ok()) << text.error().message();
  EXPECT_EQ(*text, sample_manifest_text());
  auto parsed = parse_manifest(as_bytes(*text));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  EXPECT_EQ(*parsed, sample_manifest());
  EXPECT_EQ(manifest_digest(as_bytes(*text)), crypto::sha256(as_bytes(sample_manifest_text())));
}

TEST(Manifest, RoundTripsEveryOptionalField) {
  ReleaseManifest m = sample_manifest();
  m.enclave_image_sha256 = filled<32>(0x44);
  m.snp_measurements = {filled<48>(0x55), filled<48>(0x56)};
  TdxMeasurements tdx;
  tdx.mrtd = filled<48>(0x66);
  tdx.rtmr[0] = filled<48>(0x67);
  tdx.rtmr[2] = filled<48>(0x68);
  m.tdx_measurements = {tdx};
  m.upstream_engine = "http://127.0.0.1:8000/v1";
  m.min_snp_tcb = SnpTcb{3, 0, 20, 209, std::nullopt};
  m.min_tdx_tcb = TdxTcb{filled<16>(0x02)};
  m.web_app_sha256 = filled<32>(0x77);
  auto text = encode_manifest(m);
  ASSERT_TRUE(text.ok()) << text.error().message();
  auto parsed = parse_manifest(as_bytes(*text));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  EXPECT_EQ(*parsed, m);
  EXPECT_NE(
      text->find("\"min_tcb\":{\"snp\":{\"bootloader\":3,\"microcode\":209,\"snp\":20,\"tee\":0}"),
      std::string::npos);
  EXPECT_TRUE(allows_snp_measurement(*parsed, filled<48>(0x56)));
  EXPECT_FALSE(allows_snp_measurement(*parsed, filled<48>(0x57)));
  EXPECT_TRUE(allows_simulated_measurement(*parsed, filled<48>(0x22)));
  std::array<Measurement, 4> rtmrs = {filled<48>(0x67), filled<48>(0), filled<48>(0x68),
                                      filled<48>(0x99)};
  EXPECT_TRUE(allows_tdx_measurements(*parsed, filled<48>(0x66), rtmrs));
  rtmrs[2] = filled<48>(0x69);
  EXPECT_FALSE(allows_tdx_measurements(*parsed, filled<48>(0x66), rtmrs));
}

TEST(Manifest, RejectsNonCanonicalOrUnknownContent) {
  const std::string good = sample_manifest_text();
  ASSERT_TRUE(parse_manifest(as_bytes(good)).ok());
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"whitespace", replace(good, "{\"enclave\":", "{ \"enclave\":")},
      {"unknown field", replace(good, "\"version\":\"0.1.0\"}", "\"version\":\"0.1.0\",\"z\":1}")},
      {"unknown nested field",
       replace(good, "\"name\":\"stories260K\",", "\"name\":\"stories260K\",\"path\":\"x\",")},
      {"missing field", replace(good, ",\"version\":\"0.1.0\"", "")},
      {"other format", replace(good, "release-manifest/v1", "release-manifest/v2")},
      {"upper-case hex", replace(good, hex_of(0x11, 32), std::string(64, 'A'))},
      {"short digest", replace(good, hex_of(0x11, 32), hex_of(0x11, 31))},
      {"short measurement", replace(good, hex_of(0x22, 48), hex_of(0x22, 32))},
      {"bad commit", replace(good, "2c821c1c0ffee", "2c821c1c0ffeg")},
      {"float setting", replace(good, "\"context\":2048", "\"context\":2048.5")},
      {"no measurement", replace(good, "[\"" + hex_of(0x22, 48) + "\"]", "[]")},
      {"space in version", replace(good, "\"0.1.0\"", "\"0.1 0\"")},
      {"bad setting name", replace(good, "\"context\":", "\"Context\":")},
      {"null setting", replace(good, "\"context\":2048", "\"context\":null")},
  };
  for (const auto& [what, text] : cases) {
    EXPECT_FALSE(parse_manifest(as_bytes(text)).ok()) << what;
  }
  EXPECT_FALSE(parse_manifest(as_bytes(std::string(kMaxManifestSize + 1, ' '))).ok());
}

TEST(Manifest, EncodingValidatesFields) {
  ReleaseManifest m = sample_manifest();
  m.simulated_measurements.clear();
  EXPECT_FALSE(encode_manifest(m).ok());
  m = sample_manifest();
  m.source_commit = "HEAD";
  EXPECT_FALSE(encode_manifest(m).ok());
  m = sample_manifest();
  m.upstream_engine = "ftp://x";
  EXPECT_FALSE(encode_manifest(m).ok());
  m = sample_manifest();
  m.engine_settings["bad key"] = true;
  EXPECT_FALSE(encode_manifest(m).ok());
}

}  // namespace
}  // namespace cloister::tlog
