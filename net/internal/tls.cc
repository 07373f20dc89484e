// TLS contexts for servers (from certificate and key files) and clients.
#include <map>
#include <mutex>

#include "net/internal/websocket_impl.h"

namespace cloister::net {
namespace {

constexpr auto kTlsOptions = asio::ssl::context::default_workarounds |
                             asio::ssl::context::no_sslv2 | asio::ssl::context::no_sslv3 |
                             asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1 |
                             asio::ssl::context::single_dh_use;

}  // namespace

Result<std::shared_ptr<asio::ssl::context>> make_server_tls_context(const std::string& cert_file,
                                                                    const std::string& key_file) {
  auto context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  boost::system::error_code error;
  context->set_options(kTlsOptions, error);
  if (!error) context->use_certificate_chain_file(cert_file, error);
  if (error) {
    return Error(ErrorCode::kInvalidArgument,
                 "cannot load TLS certificate chain '" + cert_file + "': " + error.message());
  }
  context->use_private_key_file(key_file, asio::ssl::context::pem, error);
  if (error) {
    return Error(ErrorCode::kInvalidArgument,
                 "cannot load TLS private key '" + key_file + "': " + error.message());
  }
  return context;
}

Result<std::shared_ptr<asio::ssl::context>> client_tls_context(const std::string& ca_file,
                                                               bool verify_peer) {
  static std::mutex mutex;
  static std::map<std::pair<std::string, bool>, std::shared_ptr<asio::ssl::context>> cache;
  std::lock_guard lock(mutex);
  auto key = std::make_pair(ca_file, verify_peer);
  if (auto it = cache.find(key); it != cache.end()) return it->second;

  auto context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  boost::system::error_code error;
  context->set_options(kTlsOptions, error);
  if (!error) {
    if (ca_file.empty()) {
      context->set_default_verify_paths(error);
    } else {
      context->load_verify_file(ca_file, error);
    }
  }
  if (error) {
    return Error(ErrorCode::kInvalidArgument, "cannot load TLS trust roots '" +
                                                  (ca_file.empty() ? "system" : ca_file) +
                                                  "': " + error.message());
  }
  context->set_verify_mode(verify_peer ? asio::ssl::verify_peer : asio::ssl::verify_none);
  cache.emplace(key, context);
  return context;
}

}  // namespace cloister::net
