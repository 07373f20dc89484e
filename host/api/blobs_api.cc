// The encrypted blob store: opaque, versioned ciphertext per account, with
// optimistic concurrency (If-Match / If-None-Match) and a change feed for sync.
#include "host/api/api_support.h"
#include "host/api/request_parsing.h"
#include "host/api/routes.h"

namespace cloister::host {
namespace {

using net::HttpRequest;
using net::HttpResponse;
using net::Method;

constexpr uint64_t kDefaultPageSize = 500;
constexpr uint64_t kMaxPageSize = 1000;

nlohmann::json describe(const BlobMeta& meta) {
  return {{"id", meta.id},
          {"version", meta.version},
          {"size", meta.size},
          {"deleted", meta.deleted},
          {"created_at_ms", meta.created_ms},
          {"updated_at_ms", meta.updated_ms}};
}

HttpResponse put_blob(HostContext& context, HttpRequest& request) {
  auto account = authenticate(context, request);
  if (!account.ok()) return api_error(account.error());
  std::string_view id = request.param("id");
  if (auto valid = check_blob_id(id); !valid.ok()) return api_error(valid.error());
  auto precondition = write_precondition(request);
  if (!precondition.ok()) return api_error(precondition.error());
  Quota quota{context.config.quotas.max_bytes_per_account,
              context.config.quotas.max_blobs_per_account};
  auto written = context.store.put_blob(*account, id, as_bytes(request.body), *precondition, quota,
                                        context.clock.now());
  if (!written.ok()) {
    // Quotas are about storage, not request rates.
    bool quota_hit = written.error().code() == ErrorCode::kResourceExhausted;
    return api_error(written.error(), quota_hit ? 507 : 0);
  }
  bool created = precondition->kind == Precondition::Kind::kMustNotExist;
  HttpResponse response = json_response(created ? 201 : 200, describe(*written));
  response.headers.set("ETag", version_tag(written->version));
  return response;
}

HttpResponse get_blob(HostContext& context, HttpRequest& request) {
  auto account = authenticate(context, request);
  if (!account.ok()) return api_error(account.error());
  std::string_view id = request.param("id");
  if (auto valid = check_blob_id(id); !valid.ok()) return api_error(valid.error());
  auto blob = context.store.get_blob(*account, id);
  if (!blob.ok()) return api_error(blob.error());
  if (auto cached = request.headers.get("If-None-Match")) {
    auto version = parse_version_tag(*cached);
    if (version.ok() && *version == blob->meta.version) {
      HttpResponse not_modified = HttpResponse::empty(304);
      not_modified.headers.set("ETag", version_tag(blob->meta.version));
      return not_modified;
    }
  }
  HttpResponse response = HttpResponse::text(200, std::string(blob->data.begin(), blob->data.end()),
                                             "application/octet-stream");
  response.headers.set("ETag", version_tag(blob->meta.version));
  response.headers.set("Cache-Control", "no-store");
  return response;
}

HttpResponse delete_blob(HostContext& context, HttpRequest& request) {
  auto account = authenticate(context, request);
  if (!account.ok()) return api_error(account.error());
  std::string_view id = request.param("id");
  if (auto valid = check_blob_id(id); !valid.ok()) return api_error(valid.error());
  std::optional<uint64_t> if_match;
  if (auto tag = request.headers.get("If-Match")) {
    auto version = parse_version_tag(*tag);
    if (!version.ok()) return api_error(version.error());
    if_match = *version;
  }
  auto deleted = context.store.delete_blob(*account, id, if_match, context.clock.now());
  if (!deleted.ok()) return api_error(deleted.error());
  HttpResponse response = json_response(200, describe(*deleted));
  response.headers.set("ETag", version_tag(deleted->version));
  return response;
}

HttpResponse list_changes(HostContext& context, HttpRequest& request) {
  auto account = authenticate(context, request);
  if (!account.ok()) return api_error(account.error());
  uint64_t since = 0;
  uint64_t limit = kDefaultPageSize;
  if (auto text = request.query_param("since")) {
    auto value = parse_decimal(*text);
    if (!value) return api_error(Error(ErrorCode::kMalformed, "since must be a cursor number"));
    since = *value;
  }
  if (auto text = request.query_param("limit")) {
    auto value = parse_decimal(*text);
    if (!value || *value == 0 || *value > kMaxPageSize) {
      return api_error(Error(ErrorCode::kMalformed, "limit must be 1 to 1000"));
    }
    limit = *value;
  }
  auto page = context.store.list_changes(*account, since, limit);
  if (!page.ok()) {
    bool expired = page.error().code() == ErrorCode::kFailedPrecondition;
    return api_error(page.error(), expired ? 410 : 0);
  }
  nlohmann::json changes = nlohmann::json::array();
  for (const auto& meta : page->changes) changes.push_back(describe(meta));
  return json_response(200, {{"changes", changes}, {"cursor", page->cursor}, {"more", page->more}});
}

}  // namespace

Status add_blob_routes(net::Router& router, HostContext& context) {
  auto bind = [&context](HttpResponse (*handler)(HostContext&, HttpRequest&)) {
    return limited(context,
                   [&context, handler](HttpRequest& request) { return handler(context, request); });
  };
  net::RouteOptions blob_body;
  blob_body.max_body_bytes = context.config.limits.max_blob_bytes;
  CLOISTER_TRY(router.add(Method::kGet, "/v1/blobs", bind(list_changes)));
  CLOISTER_TRY(router.add(Method::kGet, "/v1/blobs/{id}", bind(get_blob)));
  CLOISTER_TRY(router.add(Method::kPut, "/v1/blobs/{id}", bind(put_blob), blob_body));
  CLOISTER_TRY(router.add(Method::kDelete, "/v1/blobs/{id}", bind(delete_blob)));
  return ok_status();
}

}  // namespace cloister::host
