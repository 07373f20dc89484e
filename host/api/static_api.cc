// The web app's static files, /healthz and /metrics.
#include <fstream>

#include "base/files.h"
#include "crypto/secret_bytes.h"
#include "host/api/api_support.h"
#include "host/api/routes.h"

namespace cloister::host {
namespace {

using net::HttpRequest;
using net::HttpResponse;
using net::Method;

constexpr size_t kMaxStaticFileBytes = 32 << 20;

std::string_view content_type_for(const std::filesystem::path& path) {
  static const std::pair<std::string_view, std::string_view> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".webmanifest", "application/manifest+json"},
      {".wasm", "application/wasm"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
      {".map", "application/json"},
  };
  std::string extension = path.extension().string();
  for (const auto& [suffix, type] : kTypes) {
    if (extension == suffix) return type;
  }
  return "application/octet-stream";
}

// Returns the file under `root` that `relative` names, refusing anything that
// would resolve outside it (symlinks included) and hidden files.
std::optional<std::filesystem::path> resolve(const std::filesystem::path& root,
                                             std::string_view relative) {
  std::filesystem::path candidate = root;
  std::string_view rest = relative;
  while (!rest.empty()) {
    size_t slash = rest.find('/');
    std::string_view segment = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
    if (segment.empty()) continue;
    if (segment.front() == '.' || segment.find('\\') != std::string_view::npos) return std::nullopt;
    candidate /= std::string(segment);
  }
  std::error_code error;
  auto real = std::filesystem::canonical(candidate, error);
  if (error) return std::nullopt;
  auto real_root = std::filesystem::canonical(root, error);
  if (error) return std::nullopt;
  auto [root_end, real_it] =
      std::mismatch(real_root.begin(), real_root.end(), real.begin(), real.end());
  if (root_end != real_root.end()) return std::nullopt;
  if (std::filesystem::is_directory(real, error)) real /= "index.html";
  if (!std::filesystem::is_regular_file(real, error)) return std::nullopt;
  return real;
}

HttpResponse serve_file(const std::filesystem::path& path, bool immutable) {
  auto data = read_file(path, kMaxStaticFileBytes);
  if (!data.ok()) return net::json_error(404, "not_found", "no such file");
  HttpResponse response = HttpResponse::text(200, std::string(data->begin(), data->end()),
                                             std::string(content_type_for(path)));
  // Bundlers put content hashes in asset names, so those may be cached for
  // good; everything else is revalidated.
  response.headers.set("Cache-Control",
                       immutable ? "public, max-age=31536000, immutable" : "no-cache");
  return response;
}

HttpResponse serve_static(HostContext& context, HttpRequest& request) {
  if (context.config.static_dir.empty()) {
    return net::json_error(404, "not_found", "no web app is configured on this host");
  }
  std::string_view path = request.param("path");
  // Hidden files (.env, .git) are never served, not even as the app shell.
  if (path.starts_with('.') || path.find("/.") != std::string_view::npos) {
    return net::json_error(404, "not_found", "no such file");
  }
  if (auto file = resolve(context.config.static_dir, path)) {
    return serve_file(*file, path.starts_with("assets/"));
  }
  // Client-side routes (no file extension) get the app shell; missing files 404.
  bool looks_like_file = std::filesystem::path(std::string(path)).has_extension();
  if (!looks_like_file && !path.starts_with("v1/")) {
    if (auto index = resolve(context.config.static_dir, "index.html")) {
      return serve_file(*index, false);
    }
  }
  return net::json_error(404, "not_found", "no such file");
}

HttpResponse healthz(HostContext& context) {
  auto version = context.store.schema_version();
  if (!version.ok() || *version != kSchemaVersion) {
    return net::json_error(503, "unavailable", "the database is not reachable or not migrated");
  }
  return HttpResponse::text(200, "ok\n");
}

HttpResponse metrics(HostContext& context, HttpRequest& request) {
  const std::string& expected = context.config.metrics_token;
  if (!expected.empty()) {
    auto token = request.bearer_token();
    if (!token || !crypto::constant_time_equals(as_bytes(*token), as_bytes(expected))) {
      return api_error(Error(ErrorCode::kRejected, "metrics need the configured bearer token"));
    }
  }
  return HttpResponse::text(200, context.metrics.render(), "text/plain; version=0.0.4");
}

}  // namespace

Status add_service_routes(net::Router& router, HostContext& context) {
  CLOISTER_TRY(
      router.add(Method::kGet, "/healthz", [&context](HttpRequest&) { return healthz(context); }));
  CLOISTER_TRY(router.add(Method::kGet, "/metrics",
                          [&context](HttpRequest& request) { return metrics(context, request); }));
  return ok_status();
}

Status add_static_routes(net::Router& router, HostContext& context) {
  return router.add(Method::kGet, "/{path*}", limited(context, [&context](HttpRequest& request) {
                      return serve_static(context, request);
                    }));
}

}  // namespace cloister::host
