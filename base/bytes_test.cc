#include "base/bytes.h"

#include <gtest/gtest.h>

namespace cloister {
namespace {

TEST(ByteReader, ReadsIntegersInBothByteOrders) {
  const Bytes data = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08};
  ByteReader le(data);
  EXPECT_EQ(*le.read_u16le("a"), 0x0201);
  EXPECT_EQ(*le.read_u16le("b"), 0x0403);
  EXPECT_EQ(*le.read_u32le("c"), 0x08070605u);
  EXPECT_TRUE(le.empty());

  ByteReader be(data);
  EXPECT_EQ(*be.read_u24be("a"), 0x010203u);
  EXPECT_EQ(*be.read_u8("b"), 0x04);
  EXPECT_EQ(*be.read_u32be("c"), 0x05060708u);

  EXPECT_EQ(*ByteReader(data).read_u64le("x"), 0x0807060504030201ull);
  EXPECT_EQ(*ByteReader(data).read_u64be("x"), 0x0102030405060708ull);
}

TEST(ByteReader, TruncatedReadFailsNamingFieldAndOffsetAndConsumesNothing) {
  const Bytes data = {0xaa, 0xbb, 0xcc};
  ByteReader reader(data);
  ASSERT_TRUE(reader.skip(1, "header").ok());
  auto value = reader.read_u32le("version");
  ASSERT_FALSE(value.ok());
  EXPECT_EQ(value.error().code(), ErrorCode::kMalformed);
  EXPECT_NE(value.error().message().find("version"), std::string::npos);
  EXPECT_NE(value.error().message().find("offset 1"), std::string::npos);
  EXPECT_EQ(reader.remaining(), 2u);
  EXPECT_EQ(reader.offset(), 1u);
}

TEST(ByteReader, SubReadersKeepAbsoluteOffsets) {
  const Bytes data = {0x00, 0x03, 0x10, 0x20, 0x30, 0x99};
  ByteReader reader(data);
  auto body = reader.read_u16be_prefixed("body");
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(body->offset(), 2u);
  EXPECT_EQ(body->remaining(), 3u);
  ASSERT_TRUE(body->skip(3, "all").ok());
  auto beyond = body->read_u8("beyond");
  ASSERT_FALSE(beyond.ok());
  EXPECT_NE(beyond.error().message().find("offset 5"), std::string::npos);
  EXPECT_EQ(*reader.read_u8("tail"), 0x99);
  EXPECT_TRUE(reader.expect_end("tail").ok());
}

TEST(ByteReader, LengthPrefixLongerThanInputFailsWithoutConsuming) {
  const Bytes data = {0x05, 0x01, 0x02};
  ByteReader reader(data);
  EXPECT_FALSE(reader.read_u8_prefixed("name").ok());
  EXPECT_EQ(reader.remaining(), 3u);
}

TEST(ByteReader, ExpectEndRejectsTrailingBytes) {
  const Bytes data = {1, 2};
  ByteReader reader(data);
  ASSERT_TRUE(reader.read_u8("a").ok());
  EXPECT_FALSE(reader.expect_end("record").ok());
}

TEST(ByteReader, ParsesDerSequenceOfIntegers) {
  // SEQUENCE { INTEGER 5, INTEGER 128, INTEGER 0 } as any DER encoder writes it.
  const Bytes der = {0x30, 0x0a, 0x02, 0x01, 0x05, 0x02, 0x02, 0x00, 0x80, 0x02, 0x01, 0x00};
  ByteReader reader(der);
  auto seq = reader.read_der(0x30, "seq");
  ASSERT_TRUE(seq.ok());
  EXPECT_EQ(*seq->read_der_uint64("a"), 5u);
  EXPECT_EQ(*seq->read_der_uint64("b"), 128u);
  EXPECT_EQ(*seq->read_der_uint64("c"), 0u);
  EXPECT_TRUE(seq->empty());
  EXPECT_TRUE(reader.empty());
}

TEST(ByteReader, RejectsNonDerEncodings) {
  const Bytes indefinite = {0x30, 0x80, 0x00, 0x00};
  EXPECT_FALSE(ByteReader(indefinite).read_der(0x30, "x").ok());
  const Bytes long_form_for_short = {0x04, 0x81, 0x01, 0xff};
  EXPECT_FALSE(ByteReader(long_form_for_short).read_der(0x04, "x").ok());
  const Bytes padded_integer = {0x02, 0x02, 0x00, 0x05};
  EXPECT_FALSE(ByteReader(padded_integer).read_der_uint64("x").ok());
  const Bytes negative_integer = {0x02, 0x01, 0x80};
  EXPECT_FALSE(ByteReader(negative_integer).read_der_uint64("x").ok());
  const Bytes wrong_tag = {0x04, 0x00};
  EXPECT_FALSE(ByteReader(wrong_tag).read_der(0x30, "x").ok());
  const Bytes too_long = {0x02, 0x09, 0x01, 0, 0, 0, 0, 0, 0, 0, 0};
  EXPECT_FALSE(ByteReader(too_long).read_der_uint64("x").ok());
}

TEST(ByteWriter, WritesWhatReaderReads) {
  ByteWriter w;
  w.put_u8(7);
  w.put_u16le(0x1234);
  w.put_u32be(0xdeadbeef);
  w.put_u64le(42);
  ASSERT_TRUE(w.put_prefixed(2, [](ByteWriter& body) { body.put_string("hello"); }).ok());
  ByteReader r(w.data());
  EXPECT_EQ(*r.read_u8("a"), 7);
  EXPECT_EQ(*r.read_u16le("b"), 0x1234);
  EXPECT_EQ(*r.read_u32be("c"), 0xdeadbeefu);
  EXPECT_EQ(*r.read_u64le("d"), 42u);
  auto body = r.read_u16be_prefixed("e");
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(to_string(body->read_rest()), "hello");
  EXPECT_TRUE(r.empty());
}

TEST(ByteWriter, RefusesBodyTooLongForPrefix) {
  ByteWriter w;
  w.put_u8(1);
  Status status = w.put_prefixed(1, [](ByteWriter& body) { body.put_zeros(256); });
  EXPECT_FALSE(status.ok());
  EXPECT_EQ(w.size(), 1u);
}

TEST(ByteWriter, DerIntegersMatchStandardEncoding) {
  ByteWriter w;
  w.put_der(0x30, [](ByteWriter& seq) {
    seq.put_der_uint64(5);
    seq.put_der_uint64(128);
    seq.put_der_uint64(0);
  });
  const Bytes expected = {0x30, 0x0a, 0x02, 0x01, 0x05, 0x02, 0x02, 0x00, 0x80, 0x02, 0x01, 0x00};
  EXPECT_EQ(w.data(), expected);
}

TEST(ByteWriter, DerLongFormLengthRoundTrips) {
  ByteWriter w;
  w.put_der(0x04, [](ByteWriter& body) { body.put_zeros(300); });
  EXPECT_EQ(w.data()[1], 0x82);
  EXPECT_EQ(w.data()[2], 0x01);
  EXPECT_EQ(w.data()[3], 0x2c);
  auto contents = ByteReader(w.data()).read_der(0x04, "octets");
  ASSERT_TRUE(contents.ok());
  EXPECT_EQ(contents->remaining(), 300u);
}

}  // namespace
}  // namespace cloister
