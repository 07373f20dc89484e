#include "session/frame.h"

#include <gtest/gtest.h>

#include "base/encoding.h"

namespace cloister::session {
namespace {

Bytes h(std::string_view hex) { return *hex_decode(hex); }

TEST(Frame, EncodesAsSpecified) {
  Frame frame{FrameType::kStreamDelta, false, 7, 2, to_bytes("hi")};
  EXPECT_EQ(hex_encode(*encode_frame(frame)),
            "03"
            "00"
            "00000007"
            "00000002"
            "0002"
            "6869");
  Frame ping{FrameType::kPing, true, 0, 0, Bytes(8, 0x11)};
  EXPECT_EQ(hex_encode(*encode_frame(ping)), "0701000000000000000000081111111111111111");
  auto decoded = decode_frame(h("0300000000070000000200026869"));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, frame);
}

TEST(Frame, EncodesErrorPayloadAsSpecified) {
  Bytes payload = *encode_error_payload({0x0105, "bad"});
  EXPECT_EQ(hex_encode(payload), "0105626164");
  auto decoded = decode_error_payload(payload);
  EXPECT_EQ(decoded->code, 0x0105);
  EXPECT_EQ(decoded->reason, "bad");
}

TEST(Frame, RejectsMalformedFrames) {
  auto fails = [](std::string_view hex) { return !decode_frame(h(hex)).ok(); };
  EXPECT_FALSE(fails("010100000001000000000000"));     // an empty, final request
  EXPECT_TRUE(fails("090100000001000000000000"));      // unknown type
  EXPECT_TRUE(fails("000100000001000000000000"));      // type 0
  EXPECT_TRUE(fails("010300000001000000000000"));      // reserved flag
  EXPECT_TRUE(fails("0101000000010000000000"));        // short header
  EXPECT_FALSE(fails("01010000000100000000000141"));   // one payload byte
  EXPECT_TRUE(fails("0101000000010000000000014142"));  // a byte past the length
  EXPECT_TRUE(
      fails("010100000001000000000002"
            "41"));  // a byte short of the length
}

TEST(Frame, EnforcesPerTypeRules) {
  auto fails = [](std::string_view hex) { return !decode_frame(h(hex)).ok(); };
  EXPECT_TRUE(
      fails("01010000000000000000"
            "0000"));  // request on stream 0
  EXPECT_TRUE(
      fails("01000000000100000000"
            "0000"));  // empty non-final chunk
  EXPECT_TRUE(
      fails("06010000000100000000"
            "000141"));  // cancel with payload
  EXPECT_TRUE(
      fails("06010000000000000000"
            "0000"));  // cancel on stream 0
  EXPECT_TRUE(
      fails("06000000000100000000"
            "0000"));  // cancel without FIN
  EXPECT_TRUE(
      fails("07010000000000000000"
            "00041111"
            "1111"));  // short ping
  EXPECT_TRUE(
      fails("07010000000100000000"
            "0008"
            "1111111111111111"));  // ping on a stream
  EXPECT_TRUE(
      fails("08010000000000000001"
            "0008"
            "1111111111111111"));  // pong chunk 1
  EXPECT_TRUE(
      fails("05010000000100000000"
            "0001"
            "00"));  // error without full code
  EXPECT_TRUE(
      fails("05010000000100000000"
            "0004"
            "0001c328"));  // error reason not UTF-8
  EXPECT_FALSE(
      fails("05010000000100000000"
            "0002"
            "0105"));  // error with empty reason
}

TEST(Frame, BoundsPayloadLength) {
  Frame largest{FrameType::kRequest, true, 1, 0, Bytes(kMaxFramePayload, 1)};
  auto encoded = encode_frame(largest);
  ASSERT_TRUE(encoded.ok());
  EXPECT_EQ(encoded->size() + noise::kTagSize, noise::kMaxMessageSize);
  EXPECT_TRUE(decode_frame(*encoded).ok());
  largest.payload.push_back(1);
  EXPECT_FALSE(encode_frame(largest).ok());
  // A length field past the largest payload is refused even if the bytes are there.
  Bytes oversized = h("010100000001000000000000");
  oversized[10] = 0xFF;
  oversized[11] = 0xFF;
  oversized.resize(oversized.size() + 0xFFFF, 0);
  EXPECT_EQ(decode_frame(oversized).error().code(), ErrorCode::kMalformed);
}

}  // namespace
}  // namespace cloister::session
