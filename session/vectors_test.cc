// Replays the checked-in transcripts (tests/vectors/session-*.json) byte for
// byte, and checks their contents against the spec independently of the
// code that generated them.
#include <filesystem>
#include <fstream>
#include <set>

#include <gtest/gtest.h>

#include "base/encoding.h"
#include "base/files.h"
#include "session/frame.h"
#include "session/handshake_payloads.h"
#include "session/vectors/transcript.h"

namespace cloister::session::vectors {
namespace {

using nlohmann::json;

std::filesystem::path vectors_dir() {
  return std::filesystem::path(CLOISTER_SOURCE_DIR) / "tests" / "vectors";
}

json load(const std::string& name) {
  auto text = read_text_file(vectors_dir() / name);
  EXPECT_TRUE(text.ok()) << name;
  return text.ok() ? json::parse(*text) : json();
}

Bytes h(const json& value) { return *hex_decode(value.get<std::string>()); }

TEST(SessionVectors, AllTranscriptsArePresent) {
  std::set<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(vectors_dir())) {
    names.insert(entry.path().filename().string());
  }
  for (const char* name : {"session-basic.json", "session-multiplexed.json",
                           "session-version-rejected.json", "session-rekey.json"}) {
    EXPECT_TRUE(names.contains(name)) << name;
  }
}

class TranscriptTest : public ::testing::TestWithParam<std::string> {};

TEST_P(TranscriptTest, ReplaysByteForByte) {
  json transcript = load(GetParam());
  Status replayed = replay_transcript(transcript);
  EXPECT_TRUE(replayed.ok()) << replayed.error().message();
}

// Every recorded frame is the spec's encoding of its listed fields, written
// out here without the session code's encoder.
TEST_P(TranscriptTest, FramesMatchTheirFields) {
  json transcript = load(GetParam());
  if (!transcript.contains("transport")) return;
  std::map<std::string, uint8_t> types = {
      {"request", 1}, {"response-start", 2}, {"stream-delta", 3}, {"response-end", 4},
      {"error", 5},   {"cancel", 6},         {"ping", 7},         {"pong", 8}};
  size_t count = 0;
  for (const json& step : transcript["transport"]) {
    for (const json& message : step["messages"]) {
      const json& frame = message["frame"];
      Bytes payload = h(frame["payload"]);
      uint32_t stream = frame["stream_id"];
      uint32_t chunk = frame["chunk_index"];
      Bytes expected = {types.at(frame["type"]), static_cast<uint8_t>(frame["fin"] ? 1 : 0)};
      for (uint32_t value : {stream, chunk}) {
        for (int shift = 24; shift >= 0; shift -= 8) expected.push_back(uint8_t(value >> shift));
      }
      expected.push_back(static_cast<uint8_t>(payload.size() >> 8));
      expected.push_back(static_cast<uint8_t>(payload.size()));
      expected.insert(expected.end(), payload.begin(), payload.end());
      EXPECT_EQ(hex_encode(expected), message["plaintext"].get<std::string>());
      EXPECT_EQ(h(message["wire"]).size(), expected.size() + 16);
      ++count;
    }
  }
  EXPECT_GT(count, 0u);
}

// The handshake payloads say what the transcript's fields say, and
// REPORT_DATA is the spec's hash of them.
TEST_P(TranscriptTest, HandshakeMatchesItsFields) {
  json transcript = load(GetParam());
  const json& handshake = transcript["handshake"];
  auto hello = decode_client_hello(h(handshake[0]["payload"]));
  ASSERT_TRUE(hello.ok());
  EXPECT_EQ(hello->versions, transcript["initiator"]["versions"].get<std::vector<uint16_t>>());
  EXPECT_EQ(hello->nonce.has_value(), !transcript["initiator"]["nonce"].is_null());
  // Message 1 is the ephemeral key in clear, then the payload in clear.
  Bytes message1 = h(handshake[0]["wire"]);
  EXPECT_EQ(hex_encode(ByteSpan(message1).subspan(32)), handshake[0]["payload"]);

  auto response = decode_server_response(h(handshake[1]["payload"]));
  ASSERT_TRUE(response.ok());
  if (transcript["outcome"] == "rejected") {
    ASSERT_TRUE(response->reject);
    EXPECT_EQ(response->reject->code, static_cast<uint16_t>(WireError::kUnsupportedVersion));
    return;
  }
  ASSERT_TRUE(response->hello);
  auto bundle = decode_evidence_bundle(response->hello->evidence_bundle);
  ASSERT_TRUE(bundle.ok());
  const json& fields = transcript["evidence_bundle"];
  EXPECT_EQ(bundle->report, h(fields["report"]));
  EXPECT_EQ(bundle->manifest, h(fields["manifest"]));
  EXPECT_EQ(to_bytes(bundle->receipt_public_key), h(fields["receipt_public_key"]));

  // SHA-512(label || enclave key || receipt key || SHA-256(manifest) || nonce or zeros).
  Bytes nonce = transcript["initiator"]["nonce"].is_null() ? Bytes(32, 0)
                                                           : h(transcript["initiator"]["nonce"]);
  auto manifest_sha256 = crypto::sha256(h(fields["manifest"]));
  Bytes input = to_bytes("cloister/report-data/v1");
  for (const Bytes& part :
       {h(transcript["responder"]["static_public"]), h(fields["receipt_public_key"]),
        Bytes(manifest_sha256.begin(), manifest_sha256.end()), nonce}) {
    input.insert(input.end(), part.begin(), part.end());
  }
  EXPECT_EQ(hex_encode(crypto::sha512(input)), transcript["report_data"]);
  Bytes report = h(fields["report"]);
  EXPECT_EQ(hex_encode(ByteSpan(report).subspan(0x50, 64)), transcript["report_data"]);
  EXPECT_EQ(decode_client_finish(h(handshake[2]["payload"]))->authorization_token,
            h(transcript["initiator"]["authorization_token"]));
}

// A single altered byte anywhere on the wire is caught by the replay.
TEST_P(TranscriptTest, ReplayDetectsAlteredBytes) {
  json transcript = load(GetParam());
  json altered = transcript;
  std::string& wire = altered["handshake"][1]["wire"].get_ref<std::string&>();
  wire[wire.size() - 1] = wire.back() == '0' ? '1' : '0';
  EXPECT_FALSE(replay_transcript(altered).ok());
  if (!transcript.contains("transport") || transcript["transport"].empty()) return;
  json altered_transport = transcript;
  std::string& last =
      altered_transport["transport"].back()["messages"][0]["wire"].get_ref<std::string&>();
  last[0] = last[0] == 'f' ? 'e' : 'f';
  EXPECT_FALSE(replay_transcript(altered_transport).ok());
}

INSTANTIATE_TEST_SUITE_P(Transcripts, TranscriptTest,
                         ::testing::Values("session-basic.json", "session-multiplexed.json",
                                           "session-version-rejected.json", "session-rekey.json"),
                         [](const auto& param_info) {
                           std::string name =
                               param_info.param.substr(8, param_info.param.size() - 13);
                           for (char& c : name) c = c == '-' ? '_' : c;
                           return name;
                         });

}  // namespace
}  // namespace cloister::session::vectors
