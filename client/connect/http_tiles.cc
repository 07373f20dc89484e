#include "client/connect/http_tiles.h"

#include "net/url.h"

namespace cloister::client {

Result<std::unique_ptr<HttpTileReader>> HttpTileReader::create(std::string base_url,
                                                               std::string ca_file) {
  if (base_url.empty() || base_url.back() != '/') base_url += '/';
  CLOISTER_ASSIGN_OR_RETURN(net::Url url, net::parse_url(base_url));
  net::HttpClientOptions options;
  options.ca_file = std::move(ca_file);
  options.request_timeout = std::chrono::seconds(20);
  options.max_response_bytes = 1 << 20;
  CLOISTER_ASSIGN_OR_RETURN(net::HttpClient client, net::HttpClient::create(base_url, options));
  std::string prefix = url.target.substr(0, url.target.find('?'));
  if (prefix.back() != '/') prefix += '/';
  return std::unique_ptr<HttpTileReader>(new HttpTileReader(std::move(client), prefix));
}

Result<Bytes> HttpTileReader::read(const std::string& path) {
  if (path.find("..") != std::string::npos || (!path.empty() && path.front() == '/')) {
    return Error(ErrorCode::kInvalidArgument, "tile path " + path + " is not relative");
  }
  Result<net::HttpResponse> response = client_.get(prefix_ + path);
  if (!response.ok()) {
    return Error(ErrorCode::kUnavailable, "log tile " + path + ": " + response.error().message());
  }
  if (response->status == 404)
    return Error(ErrorCode::kNotFound, "log tile " + path + " not found");
  if (response->status != 200) {
    return Error(ErrorCode::kUnavailable,
                 "log tile " + path + ": HTTP " + std::to_string(response->status));
  }
  return to_bytes(response->body);
}

}  // namespace cloister::client
