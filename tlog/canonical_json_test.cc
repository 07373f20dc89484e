#include "tlog/canonical_json.h"

#include <gtest/gtest.h>

namespace cloister::tlog {
namespace {

using nlohmann::json;

// Expected outputs from the JCS reference test data
// (cyberphone/json-canonicalization, testdata/output/), restricted to the
// files without floating-point numbers.
constexpr std::string_view kJcsWeird =
    "{\"1\":\"One\",\"</script>\":\"Browser Challenge\",\"\xc2\x80\":\"Control\x7f\","
    "\"\xc3\xb6\":\"Latin Small Letter O With Diaeresis\",\"\xe2\x82\xac\":\"Euro Sign\","
    "\"\xf0\x9f\x98\x82\":\"Smiley\",\"\xef\xac\xb3\":\"Hebrew Letter Dalet With Dagesh\"}";
constexpr std::string_view kJcsFrench =
    "{\"peach\":\"This sorting order\",\"p\xc3\xa9"
    "ch\xc3\xa9\":\"is wrong according to French\","
    "\"p\xc3\xaa"
    "che\":\"but canonicalization MUST\",\"sin\":\"ingnore locale\"}";
constexpr std::string_view kJcsStructures =
    "{\"\":\"empty\",\"1\":{\"\\n\":56,\"f\":{\"F\":5,\"f\":\"hi\"}},\"10\":{},\"111\":[{}],"
    "\"A\":{},\"a\":{}}";

TEST(CanonicalJson, AcceptsAndReproducesJcsReferenceOutputs) {
  for (std::string_view text : {kJcsWeird, kJcsFrench, kJcsStructures}) {
    auto parsed = parse_canonical_json(as_bytes(text));
    ASSERT_TRUE(parsed.ok()) << text << ": " << parsed.error().message();
    auto again = canonical_json(*parsed);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(*again, text);
  }
}

TEST(CanonicalJson, SortsKeysByUtf16CodeUnits) {
  // U+1F602 (a surrogate pair in UTF-16) sorts before U+FB33, although its
  // UTF-8 bytes sort after.
  json object = {{"\xef\xac\xb3", 1}, {"\xf0\x9f\x98\x82", 2}, {"\xe2\x82\xac", 3}};
  EXPECT_EQ(*canonical_json(object),
            "{\"\xe2\x82\xac\":3,\"\xf0\x9f\x98\x82\":2,\"\xef\xac\xb3\":1}");
  EXPECT_TRUE(utf16_less("\xf0\x9f\x98\x82", "\xef\xac\xb3"));
  EXPECT_FALSE(utf16_less("b", "a"));
}

TEST(CanonicalJson, EscapesOnlyWhatJcsRequires) {
  json value = std::string("\"\\/\b\f\n\r\t\x01\x1f\x7f\xe2\x82\xac");
  EXPECT_EQ(*canonical_json(value), "\"\\\"\\\\/\\b\\f\\n\\r\\t\\u0001\\u001f\x7f\xe2\x82\xac\"");
  auto parsed = parse_canonical_json(as_bytes(*canonical_json(value)));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  EXPECT_EQ(*parsed, value);
}

TEST(CanonicalJson, WritesIntegersAndLiterals) {
  json value = {
      {"a", json::array({0, -1, kMaxJsonInteger, -kMaxJsonInteger, true, false, nullptr})}};
  std::string expected = "{\"a\":[0,-1,9007199254740991,-9007199254740991,true,false,null]}";
  EXPECT_EQ(*canonical_json(value), expected);
  EXPECT_EQ(*parse_canonical_json(as_bytes(expected)), value);
  EXPECT_FALSE(canonical_json(json(1.5)).ok());
  EXPECT_FALSE(canonical_json(json(kMaxJsonInteger + 1)).ok());
  EXPECT_FALSE(canonical_json(json(std::string("\xff"))).ok());
}

TEST(CanonicalJson, RejectsEverythingNonCanonical) {
  for (std::string_view text : {
           "{\"a\": 1}",          // whitespace
           " {}",                 // leading whitespace
           "{}\n",                // trailing newline
           "{\"b\":1,\"a\":2}",   // unsorted keys
           "{\"a\":1,\"a\":2}",   // duplicate keys
           "[1.0]",               // a float
           "[1e3]",               // an exponent
           "[01]",                // a leading zero
           "[-0]",                // negative zero
           "[9007199254740992]",  // beyond 2^53 - 1
           "[\"\\/\"]",           // a needless escape
           "[\"\\u0041\"]",       // a needless \u escape
           "[\"\\u000a\"]",       // \u where a short escape exists
           "[\"\\u001F\"]",       // upper-case hex
           "[\"\x01\"]",          // a raw control character
           "[\"\xc0\xaf\"]",      // overlong UTF-8
           "[\"\xed\xa0\x80\"]",  // a UTF-8 surrogate
           "[\"abc]",             // unterminated string
           "[1,]",                // trailing comma
           "{\"a\"}",             // missing value
           "[tru]",               // truncated literal
           "[True]",              // wrong case
           "",                    // nothing
           "-",                   // sign without digits
       }) {
    EXPECT_FALSE(parse_canonical_json(as_bytes(text)).ok()) << text;
  }
  std::string deep(kMaxJsonDepth + 1, '[');
  deep += std::string(kMaxJsonDepth + 1, ']');
  EXPECT_FALSE(parse_canonical_json(as_bytes(deep)).ok());
  std::string ok_depth(kMaxJsonDepth, '[');
  ok_depth += std::string(kMaxJsonDepth, ']');
  EXPECT_TRUE(parse_canonical_json(as_bytes(ok_depth)).ok());
}

}  // namespace
}  // namespace cloister::tlog
