#include "net/router.h"

#include <gtest/gtest.h>

namespace cloister::net {
namespace {

Handler named(std::string name) {
  return [name](HttpRequest&) { return HttpResponse::text(200, name); };
}

Router sample_router() {
  Router router;
  EXPECT_TRUE(router.add(Method::kGet, "/v1/blobs", named("list")).ok());
  EXPECT_TRUE(router.add(Method::kGet, "/v1/blobs/{id}", named("get")).ok());
  EXPECT_TRUE(router.add(Method::kPut, "/v1/blobs/{id}", named("put")).ok());
  EXPECT_TRUE(router
                  .add_websocket("/v1/session",
                                 [](HttpRequest&) {
                                   return WebSocketUpgrade::refuse(HttpResponse::empty(403));
                                 })
                  .ok());
  EXPECT_TRUE(router.add(Method::kGet, "/{path*}", named("static")).ok());
  return router;
}

std::string body_of(const Router::Match& match) {
  HttpRequest request;
  return match.route->handler(request).body;
}

TEST(Router, MatchesLiteralAndParameterSegments) {
  Router router = sample_router();
  auto match = router.match(Method::kGet, "/v1/blobs/abc%2Fdef", false);
  ASSERT_TRUE(match.ok());
  ASSERT_EQ(match->outcome, Router::Outcome::kFound);
  EXPECT_EQ(body_of(*match), "get");
  ASSERT_EQ(match->params.size(), 1u);
  EXPECT_EQ(match->params[0].first, "id");
  EXPECT_EQ(match->params[0].second, "abc/def");
}

TEST(Router, FirstAddedRouteWins) {
  Router router = sample_router();
  auto match = router.match(Method::kGet, "/v1/blobs", false);
  ASSERT_TRUE(match.ok());
  EXPECT_EQ(body_of(*match), "list");
}

TEST(Router, ReportsAllowedMethods) {
  Router router = sample_router();
  auto match = router.match(Method::kDelete, "/v1/blobs/x", false);
  ASSERT_TRUE(match.ok());
  EXPECT_EQ(match->outcome, Router::Outcome::kMethodNotAllowed);
  EXPECT_EQ(match->allow, "GET, PUT");
}

TEST(Router, ServesHeadFromGetRoutes) {
  Router router = sample_router();
  auto match = router.match(Method::kHead, "/v1/blobs/x", false);
  ASSERT_TRUE(match.ok());
  EXPECT_EQ(match->outcome, Router::Outcome::kFound);
}

TEST(Router, RequiresAnUpgradeForWebSocketRoutes) {
  Router router;
  ASSERT_TRUE(router
                  .add_websocket("/ws",
                                 [](HttpRequest&) {
                                   return WebSocketUpgrade::refuse(HttpResponse::empty(403));
                                 })
                  .ok());
  auto plain = router.match(Method::kGet, "/ws", false);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->outcome, Router::Outcome::kUpgradeRequired);
  auto upgrade = router.match(Method::kGet, "/ws", true);
  ASSERT_TRUE(upgrade.ok());
  EXPECT_EQ(upgrade->outcome, Router::Outcome::kFound);
  EXPECT_TRUE(upgrade->route->websocket);
}

TEST(Router, PrefersWebSocketRouteForUpgradesOnly) {
  Router router = sample_router();
  auto upgrade = router.match(Method::kGet, "/v1/session", true);
  ASSERT_TRUE(upgrade.ok());
  EXPECT_TRUE(upgrade->route->websocket);
  // A plain GET of the session path falls through to the catch-all route.
  auto plain = router.match(Method::kGet, "/v1/session", false);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(body_of(*plain), "static");
}

TEST(Router, RestSegmentCapturesTheRemainder) {
  Router router = sample_router();
  auto match = router.match(Method::kGet, "/assets/app%20v2.js", false);
  ASSERT_TRUE(match.ok());
  EXPECT_EQ(match->params[0].second, "assets/app v2.js");
  auto root = router.match(Method::kGet, "/", false);
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(root->params[0].second, "");
}

TEST(Router, RefusesEncodedSlashesInRestSegments) {
  Router router = sample_router();
  auto match = router.match(Method::kGet, "/a%2F..%2Fb", false);
  EXPECT_FALSE(match.ok());
}

TEST(Router, ReportsUnknownPaths) {
  Router router;
  ASSERT_TRUE(router.add(Method::kGet, "/a/{b}", named("x")).ok());
  for (const char* path : {"/a", "/a/", "/a/b/c", "/b/c"}) {
    auto match = router.match(Method::kGet, path, false);
    ASSERT_TRUE(match.ok());
    EXPECT_EQ(match->outcome, Router::Outcome::kNotFound) << path;
  }
}

TEST(Router, RejectsMalformedPatterns) {
  Router router;
  for (const char* bad : {"", "x", "/{}", "/{a-b}", "/{rest*}/x", "/a{b}", "/{a"}) {
    EXPECT_FALSE(router.add(Method::kGet, bad, named("x")).ok()) << bad;
  }
}

}  // namespace
}  // namespace cloister::net
