#include "host/api/request_parsing.h"

#include <gtest/gtest.h>

#include "base/encoding.h"

namespace cloister::host {
namespace {

TEST(CheckBlobId, AcceptsOnlyTheDocumentedAlphabet) {
  EXPECT_TRUE(check_blob_id("conv-01_v.2").ok());
  EXPECT_TRUE(check_blob_id(std::string(128, 'a')).ok());
  for (const std::string& bad : {std::string(), std::string(129, 'a'), std::string("a/b"),
                                 std::string("a b"), std::string("é")}) {
    EXPECT_FALSE(check_blob_id(bad).ok()) << bad;
  }
}

TEST(ParseVersionTag, AcceptsQuotedAndBareNumbers) {
  EXPECT_EQ(*parse_version_tag("\"12\""), 12u);
  EXPECT_EQ(*parse_version_tag("7"), 7u);
  EXPECT_EQ(version_tag(12), "\"12\"");
  for (const char* bad : {"", "\"\"", "W/\"1\"", "-1", "1.5", "\"1", "18446744073709551616"}) {
    EXPECT_FALSE(parse_version_tag(bad).ok()) << bad;
  }
}

TEST(ParseLookupId, NeedsExactly32Bytes) {
  Bytes bytes(32, 0xab);
  auto id = parse_lookup_id(base64url_encode(bytes));
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(Bytes(id->begin(), id->end()), bytes);
  EXPECT_FALSE(parse_lookup_id(base64url_encode(Bytes(31))).ok());
  EXPECT_FALSE(parse_lookup_id(base64_encode(bytes)).ok());  // padded standard alphabet
}

TEST(WritePrecondition, ReadsIfMatchAndIfNoneMatch) {
  net::HttpRequest create;
  create.headers.set("If-None-Match", "*");
  EXPECT_EQ(write_precondition(create)->kind, Precondition::Kind::kMustNotExist);
  net::HttpRequest update;
  update.headers.set("If-Match", "\"4\"");
  EXPECT_EQ(write_precondition(update)->version, 4u);
  net::HttpRequest neither;
  EXPECT_EQ(write_precondition(neither).error().code(), ErrorCode::kFailedPrecondition);
  net::HttpRequest both = update;
  both.headers.set("If-None-Match", "*");
  EXPECT_EQ(write_precondition(both).error().code(), ErrorCode::kMalformed);
  net::HttpRequest wrong;
  wrong.headers.set("If-None-Match", "\"3\"");
  EXPECT_FALSE(write_precondition(wrong).ok());
}

TEST(ReadOfferedProtocols, FindsTheProtocolAndTheToken) {
  net::HttpRequest request;
  request.headers.set("Sec-WebSocket-Protocol", "chat, cloister.v1 ,cloister.bearer.t0k3n");
  auto offered = read_offered_protocols(request);
  EXPECT_TRUE(offered.cloister);
  EXPECT_EQ(offered.token, "t0k3n");
  request.headers.set("Sec-WebSocket-Protocol", "cloister.bearer.");
  EXPECT_FALSE(read_offered_protocols(request).token.has_value());
}

}  // namespace
}  // namespace cloister::host
