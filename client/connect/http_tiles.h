// Reads a tiled log's files over HTTP(S) (the host serves its log at /log/),
// so that the client can compute consistency proofs itself. Tiles are not
// trusted: a wrong tile only makes the proof fail (tlog/release_verify.h).
#pragma once

#include <string>

#include "net/http_client.h"
#include "tlog/tiles.h"

namespace cloister::client {

class HttpTileReader final : public tlog::TileReader {
 public:
  // `base_url` is e.g. "http://host:8080/log/" (a trailing slash is added).
  static Result<std::unique_ptr<HttpTileReader>> create(std::string base_url,
                                                        std::string ca_file = "");
  // GETs base_url + path; 404 is kNotFound, other failures kUnavailable.
  Result<Bytes> read(const std::string& path) override;

 private:
  HttpTileReader(net::HttpClient client, std::string prefix)
      : client_(std::move(client)), prefix_(std::move(prefix)) {}
  net::HttpClient client_;
  std::string prefix_;  // the URL's path, ending in '/'
};

}  // namespace cloister::client
