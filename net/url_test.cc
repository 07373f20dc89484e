#include "net/url.h"

#include <gtest/gtest.h>

namespace cloister::net {
namespace {

TEST(ParseUrl, SplitsAWebSocketUrl) {
  auto url = parse_url("ws://127.0.0.1:8443/v1/session?x=1");
  ASSERT_TRUE(url.ok()) << url.error().message();
  EXPECT_EQ(url->scheme, "ws");
  EXPECT_EQ(url->host, "127.0.0.1");
  EXPECT_EQ(url->port, 8443);
  EXPECT_EQ(url->target, "/v1/session?x=1");
  EXPECT_FALSE(url->secure());
  EXPECT_EQ(url->host_header(), "127.0.0.1:8443");
}

TEST(ParseUrl, AppliesDefaultPortsAndPaths) {
  auto url = parse_url("HTTPS://example.org");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->scheme, "https");
  EXPECT_EQ(url->port, 443);
  EXPECT_EQ(url->target, "/");
  EXPECT_EQ(url->host_header(), "example.org");
}

TEST(ParseUrl, HandlesIpv6Literals) {
  auto url = parse_url("http://[::1]:8080/x");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->port, 8080);
  EXPECT_EQ(url->host_header(), "[::1]:8080");
}

TEST(ParseUrl, RejectsWhatItCannotUse) {
  for (const char* bad :
       {"ftp://host/", "http://user@host/", "http://host:0/", "http://host:99999/", "http://host:/",
        "http://host/a b", "http:///path", "http://[::1/", "http://host/#frag", "host:80"}) {
    EXPECT_FALSE(parse_url(bad).ok()) << bad;
  }
}

TEST(ParseRequestTarget, SplitsPathAndQuery) {
  auto target = parse_request_target("/v1/blobs?since=10&limit=5");
  ASSERT_TRUE(target.ok());
  EXPECT_EQ(target->path, "/v1/blobs");
  EXPECT_EQ(target->query, "since=10&limit=5");
}

TEST(ParseRequestTarget, RejectsDotSegmentsEvenEncoded) {
  for (const char* bad : {"/static/../etc/passwd", "/a/./b", "/%2e%2e/x", "/a/%2E", "/.."}) {
    EXPECT_FALSE(parse_request_target(bad).ok()) << bad;
  }
  EXPECT_TRUE(parse_request_target("/a/..b/c.d").ok());
}

TEST(ParseRequestTarget, RejectsMalformedTargets) {
  for (const char* bad : {"", "v1/x", "http://host/x", "/a%2", "/a%zz", "/a#b", "/a\x01"}) {
    EXPECT_FALSE(parse_request_target(bad).ok()) << bad;
  }
}

TEST(PercentDecode, DecodesEscapesAndOptionallyPlus) {
  EXPECT_EQ(*percent_decode("a%20b%2Fc"), "a b/c");
  EXPECT_EQ(*percent_decode("a+b"), "a+b");
  EXPECT_EQ(*percent_decode("a+b", true), "a b");
  EXPECT_FALSE(percent_decode("%4").ok());
  EXPECT_FALSE(percent_decode("%g0").ok());
  EXPECT_FALSE(percent_decode("%00").ok());
}

TEST(PercentEncode, EscapesAllButUnreserved) {
  EXPECT_EQ(percent_encode("a b/c~_.-"), "a%20b%2Fc~_.-");
  EXPECT_EQ(*percent_decode(percent_encode("\xff\x01 ?&=")), "\xff\x01 ?&=");
}

TEST(ParseQuery, ReturnsDecodedPairsInOrder) {
  auto pairs = parse_query("since=3&flag&name=a%20b+c&&empty=");
  ASSERT_TRUE(pairs.ok());
  ASSERT_EQ(pairs->size(), 4u);
  EXPECT_EQ((*pairs)[0], (std::pair<std::string, std::string>{"since", "3"}));
  EXPECT_EQ((*pairs)[1], (std::pair<std::string, std::string>{"flag", ""}));
  EXPECT_EQ((*pairs)[2], (std::pair<std::string, std::string>{"name", "a b c"}));
  EXPECT_EQ((*pairs)[3], (std::pair<std::string, std::string>{"empty", ""}));
  EXPECT_FALSE(parse_query("a=%zz").ok());
}

}  // namespace
}  // namespace cloister::net
