#include "net/router.h"

#include "net/url.h"

namespace cloister::net {
namespace {

// Splits "/a/b/c" into {"a","b","c"}; "/" gives one empty segment.
std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> segments;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  while (true) {
    size_t slash = path.find('/');
    segments.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return segments;
}

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

Result<std::vector<Router::Segment>> parse_pattern(std::string_view pattern) {
  auto invalid = [&](std::string_view problem) {
    return Error(ErrorCode::kInvalidArgument,
                 "route pattern '" + std::string(pattern) + "' " + std::string(problem));
  };
  if (pattern.empty() || pattern.front() != '/') return invalid("must start with '/'");
  std::vector<Router::Segment> segments;
  auto parts = split_path(pattern);
  for (size_t i = 0; i < parts.size(); ++i) {
    std::string_view part = parts[i];
    if (part.size() >= 2 && part.front() == '{' && part.back() == '}') {
      std::string_view name = part.substr(1, part.size() - 2);
      auto kind = Router::Segment::Kind::kParam;
      if (!name.empty() && name.back() == '*') {
        if (i + 1 != parts.size()) return invalid("has a rest segment before the end");
        kind = Router::Segment::Kind::kRest;
        name.remove_suffix(1);
      }
      if (name.empty()) return invalid("has an unnamed parameter");
      for (char c : name) {
        if (!is_name_char(c)) return invalid("has a parameter name that is not [A-Za-z0-9_]");
      }
      segments.push_back({kind, std::string(name)});
    } else {
      if (part.find_first_of("{}") != std::string_view::npos) return invalid("has a stray brace");
      segments.push_back({Router::Segment::Kind::kLiteral, std::string(part)});
    }
  }
  return segments;
}

enum class SegmentMatch { kYes, kNo, kBadEscape };

// Matches `parts` against a route's segments, filling `params` with decoded
// values.
SegmentMatch match_segments(const std::vector<Router::Segment>& segments,
                            const std::vector<std::string_view>& parts,
                            std::vector<std::pair<std::string, std::string>>& params) {
  params.clear();
  size_t i = 0;
  for (const auto& segment : segments) {
    if (segment.kind == Router::Segment::Kind::kRest) {
      std::string rest;
      for (size_t j = i; j < parts.size(); ++j) {
        auto decoded = percent_decode(parts[j]);
        // An encoded '/' inside a segment would smuggle in extra path levels.
        if (!decoded.ok() || decoded->find('/') != std::string::npos) {
          return SegmentMatch::kBadEscape;
        }
        if (j > i) rest.push_back('/');
        rest += *decoded;
      }
      params.emplace_back(segment.text, std::move(rest));
      return SegmentMatch::kYes;
    }
    if (i >= parts.size()) return SegmentMatch::kNo;
    if (segment.kind == Router::Segment::Kind::kLiteral) {
      if (segment.text != parts[i]) return SegmentMatch::kNo;
    } else {
      if (parts[i].empty()) return SegmentMatch::kNo;
      auto decoded = percent_decode(parts[i]);
      if (!decoded.ok()) return SegmentMatch::kBadEscape;
      params.emplace_back(segment.text, std::move(*decoded));
    }
    ++i;
  }
  return i == parts.size() ? SegmentMatch::kYes : SegmentMatch::kNo;
}

}  // namespace

WebSocketUpgrade WebSocketUpgrade::accept(WebSocketOpenHandler on_open) {
  WebSocketUpgrade upgrade;
  upgrade.on_open = std::move(on_open);
  return upgrade;
}

WebSocketUpgrade WebSocketUpgrade::refuse(HttpResponse response) {
  WebSocketUpgrade upgrade;
  upgrade.refusal = std::move(response);
  return upgrade;
}

Status Router::add(Method method, std::string_view pattern, Handler handler, RouteOptions options) {
  Route route;
  route.method = method;
  route.handler = std::move(handler);
  route.options = options;
  return add_route(std::move(route), pattern);
}

Status Router::add_websocket(std::string_view pattern, UpgradeHandler handler,
                             RouteOptions options) {
  Route route;
  route.method = Method::kGet;
  route.websocket = true;
  route.upgrade = std::move(handler);
  route.options = options;
  return add_route(std::move(route), pattern);
}

Status Router::add_route(Route route, std::string_view pattern) {
  CLOISTER_ASSIGN_OR_RETURN(route.segments, parse_pattern(pattern));
  route.pattern = std::string(pattern);
  routes_.push_back(std::move(route));
  return ok_status();
}

Result<Router::Match> Router::match(Method method, std::string_view path, bool upgrade) const {
  Match result;
  auto parts = split_path(path);
  std::vector<std::pair<std::string, std::string>> params;
  const Route* plain = nullptr;
  std::vector<std::pair<std::string, std::string>> plain_params;
  bool needs_upgrade = false;
  for (const auto& route : routes_) {
    switch (match_segments(route.segments, parts, params)) {
      case SegmentMatch::kNo: continue;
      case SegmentMatch::kBadEscape:
        return Error(ErrorCode::kMalformed, "request path has an undecodable segment");
      case SegmentMatch::kYes: break;
    }
    // HEAD is served by GET routes (the server drops the body).
    bool method_fits = route.method == method || (method == Method::kHead &&
                                                  route.method == Method::kGet && !route.websocket);
    if (!method_fits) {
      std::string_view name = method_name(route.method);
      if (result.allow.find(name) == std::string::npos) {
        if (!result.allow.empty()) result.allow += ", ";
        result.allow += name;
      }
      continue;
    }
    if (route.websocket) {
      if (upgrade) {
        result.outcome = Outcome::kFound;
        result.route = &route;
        result.params = std::move(params);
        result.allow.clear();
        return result;
      }
      needs_upgrade = true;
    } else if (plain == nullptr) {
      // An upgrade request may still be served plainly if no WebSocket route fits.
      plain = &route;
      plain_params = params;
      if (!upgrade) break;
    }
  }
  if (plain != nullptr) {
    result.outcome = Outcome::kFound;
    result.route = plain;
    result.params = std::move(plain_params);
    result.allow.clear();
  } else if (needs_upgrade) {
    result.outcome = Outcome::kUpgradeRequired;
  } else if (!result.allow.empty()) {
    result.outcome = Outcome::kMethodNotAllowed;
  } else {
    result.outcome = Outcome::kNotFound;
  }
  return result;
}

}  // namespace cloister::net
