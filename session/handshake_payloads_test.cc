#include "session/handshake_payloads.h"

#include <gtest/gtest.h>

#include "base/encoding.h"

namespace cloister::session {
namespace {

Bytes h(std::string_view hex) { return *hex_decode(hex); }

TEST(ClientHello, EncodesAsSpecified) {
  Nonce nonce{};
  nonce.fill(0xAB);
  EXPECT_EQ(hex_encode(*encode_client_hello({{1}, std::nullopt})), "0101000100");
  std::string ab;
  for (int i = 0; i < 32; ++i) ab += "ab";
  EXPECT_EQ(hex_encode(*encode_client_hello({{1, 3}, nonce})), "01020001000301" + ab);
  auto decoded = decode_client_hello(h("01020001000301" + std::string(64, '0')));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->versions, (std::vector<uint16_t>{1, 3}));
  EXPECT_EQ(*decoded->nonce, Nonce{});
}

TEST(ClientHello, RejectsMalformedHellos) {
  EXPECT_FALSE(decode_client_hello(h("0101000100ff")).ok());    // trailing byte
  EXPECT_FALSE(decode_client_hello(h("010000")).ok());          // no versions
  EXPECT_FALSE(decode_client_hello(h("01020002000100")).ok());  // not increasing
  EXPECT_FALSE(decode_client_hello(h("01020001000100")).ok());  // repeated
  EXPECT_FALSE(decode_client_hello(h("0101000000")).ok());      // version 0
  EXPECT_FALSE(decode_client_hello(h("0101000102")).ok());      // bad nonce flag
  EXPECT_FALSE(decode_client_hello(h("01010001010000")).ok());  // short nonce
  EXPECT_FALSE(decode_client_hello(h("0201000100")).ok());      // wrong type
  EXPECT_FALSE(decode_client_hello({}).ok());
  Bytes seventeen = {1, 17};
  for (uint16_t v = 1; v <= 17; ++v) seventeen.insert(seventeen.end(), {0, uint8_t(v)});
  seventeen.push_back(0);
  EXPECT_FALSE(decode_client_hello(seventeen).ok());
  EXPECT_FALSE(encode_client_hello({{2, 1}, std::nullopt}).ok());
}

TEST(ServerResponse, EncodesHelloAndRejectAsSpecified) {
  EXPECT_EQ(hex_encode(*encode_server_hello({1, to_bytes("B")})),
            "02000100000001"
            "42");
  EXPECT_EQ(hex_encode(*encode_server_reject({2, {1}, "no"})),
            "04"
            "0002"
            "01"
            "0001"
            "0002"
            "6e6f");
  auto hello = decode_server_response(h("0200010000000142"));
  ASSERT_TRUE(hello.ok());
  ASSERT_TRUE(hello->hello);
  EXPECT_EQ(hello->hello->version, 1);
  EXPECT_EQ(hello->hello->evidence_bundle, to_bytes("B"));
  auto reject =
      decode_server_response(h("040002010001"
                               "00026e6f"));
  ASSERT_TRUE(reject.ok());
  ASSERT_TRUE(reject->reject);
  EXPECT_EQ(*reject->reject, (ServerReject{2, {1}, "no"}));
}

TEST(ServerResponse, RejectsMalformedResponses) {
  EXPECT_FALSE(decode_server_response(h("0200010000000142"
                                        "00"))
                   .ok());                                           // trailing
  EXPECT_FALSE(decode_server_response(h("02000100000000")).ok());    // empty bundle
  EXPECT_FALSE(decode_server_response(h("0200000000000142")).ok());  // version 0
  EXPECT_FALSE(decode_server_response(h("04000200"
                                        "0002c328"))
                   .ok());                             // bad UTF-8
  EXPECT_FALSE(decode_server_response(h("03")).ok());  // wrong type
  EXPECT_FALSE(encode_server_reject({2, {}, std::string(1025, 'x')}).ok());
}

TEST(ClientFinish, EncodesAsSpecified) {
  EXPECT_EQ(hex_encode(*encode_client_finish({})), "030000");
  EXPECT_EQ(hex_encode(*encode_client_finish({to_bytes("tok")})), "030003746f6b");
  EXPECT_EQ(decode_client_finish(h("030003746f6b"))->authorization_token, to_bytes("tok"));
  EXPECT_FALSE(decode_client_finish(h("030003746f")).ok());
  EXPECT_FALSE(decode_client_finish(h("030000"
                                      "00"))
                   .ok());
  EXPECT_FALSE(encode_client_finish({Bytes(4097)}).ok());
  Bytes long_token = {3, 0x10, 0x01};
  long_token.resize(3 + 0x1001);
  EXPECT_FALSE(decode_client_finish(long_token).ok());
}

TEST(Utf8, AcceptsOnlyWellFormedText) {
  EXPECT_TRUE(is_valid_utf8(as_bytes("plain ascii")));
  EXPECT_TRUE(is_valid_utf8(h("c3a9e282acf09f9880")));  // é € 😀
  EXPECT_FALSE(is_valid_utf8(h("c0af")));               // overlong
  EXPECT_FALSE(is_valid_utf8(h("eda080")));             // surrogate
  EXPECT_FALSE(is_valid_utf8(h("f4908080")));           // past U+10FFFF
  EXPECT_FALSE(is_valid_utf8(h("e282")));               // truncated
  EXPECT_FALSE(is_valid_utf8(h("80")));                 // stray continuation
  EXPECT_EQ(truncate_reason(std::string(1023, 'a') + "\xc3\xa9"), std::string(1023, 'a'));
}

}  // namespace
}  // namespace cloister::session
