#include "host/host_service.h"

#include "host/accounts.h"
#include "host/api/context.h"
#include "host/api/routes.h"
#include "net/http_server.h"

namespace cloister::host {

// Members in construction order. Relayed sessions can outlive the server's
// stop (abandoned in an I/O pool) and touch the metrics, the limiters and the
// replica leases when they finally go, so those are constructed first and
// destroyed last.
struct HostService::Parts {
  Parts(const HostConfig& config_in, std::unique_ptr<Store> store_in, const Clock& clock_in)
      : config(config_in),
        clock(clock_in),
        limits(config.limits),
        store(std::move(store_in)),
        accounts(*store, config.auth, clock),
        upstream_io(std::max<size_t>(1, config.io_threads / 2)),
        replicas(config.relay, upstream_io, metrics),
        context{config, *store, accounts, replicas, relays, metrics, limits, clock} {}

  HostConfig config;
  const Clock& clock;
  HostMetrics metrics;
  HostLimits limits;
  std::unique_ptr<Store> store;
  AccountService accounts;
  net::IoPool upstream_io;
  ReplicaPool replicas;
  RelayRegistry relays;
  HostContext context;
  std::unique_ptr<net::HttpServer> server;

  std::mutex purge_mutex;
  std::condition_variable purge_wake;
  bool stopping = false;
  std::thread purger;
};

net::Headers security_headers(bool tls) {
  net::Headers headers;
  std::string policy =
      "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; "
      "img-src 'self' data:; font-src 'self'; connect-src 'self'; manifest-src 'self'; "
      "worker-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
  if (tls) policy += "; upgrade-insecure-requests";
  headers.set("Content-Security-Policy", policy);
  headers.set("X-Content-Type-Options", "nosniff");
  headers.set("X-Frame-Options", "DENY");
  headers.set("Referrer-Policy", "no-referrer");
  headers.set("Cross-Origin-Opener-Policy", "same-origin");
  headers.set("Cross-Origin-Embedder-Policy", "require-corp");
  headers.set("Cross-Origin-Resource-Policy", "same-origin");
  headers.set("Permissions-Policy",
              "camera=(), microphone=(), geolocation=(), payment=(), usb=(), "
              "publickey-credentials-get=(self), publickey-credentials-create=(self)");
  if (tls) headers.set("Strict-Transport-Security", "max-age=63072000; includeSubDomains");
  return headers;
}

Result<std::unique_ptr<HostService>> HostService::start(const HostConfig& config,
                                                        std::unique_ptr<Store> store,
                                                        const Clock& clock) {
  auto parts = std::make_unique<Parts>(config, std::move(store), clock);
  HostContext& context = parts->context;
  net::Router router;
  CLOISTER_TRY(add_service_routes(router, context));
  CLOISTER_TRY(add_auth_routes(router, context));
  CLOISTER_TRY(add_slot_routes(router, context));
  CLOISTER_TRY(add_blob_routes(router, context));
  CLOISTER_TRY(add_session_route(router, context));
  CLOISTER_TRY(add_static_routes(router, context));

  const HostConfig& c = parts->config;
  net::ServerOptions options;
  options.address = c.listen_address;
  options.port = c.port;
  if (!c.tls_cert_file.empty()) options.tls = net::TlsFiles{c.tls_cert_file, c.tls_key_file};
  options.io_threads = c.io_threads;
  options.handler_threads = c.handler_threads;
  options.max_connections = c.limits.max_connections;
  options.max_header_bytes = c.limits.max_header_bytes;
  options.max_body_bytes = c.limits.max_body_bytes;
  options.read_timeout = c.limits.read_timeout;
  options.idle_timeout = c.limits.idle_timeout;
  options.websocket.max_message_bytes = c.limits.max_message_bytes;
  options.default_headers = security_headers(options.tls.has_value());

  parts->replicas.start();
  HostMetrics& metrics = parts->metrics;
  CLOISTER_ASSIGN_OR_RETURN(parts->server,
                            net::HttpServer::start(std::move(router), std::move(options),
                                                   [&metrics](const net::RequestRecord& record) {
                                                     metrics.observe_request(record);
                                                   }));

  Parts* raw = parts.get();
  parts->purger = std::thread([raw] {
    std::unique_lock lock(raw->purge_mutex);
    while (!raw->purge_wake.wait_for(lock, raw->config.purge_interval,
                                     [raw] { return raw->stopping; })) {
      lock.unlock();
      TimePoint now = raw->clock.now();
      (void)raw->store->purge(now, now - raw->config.tombstone_retention);
      lock.lock();
    }
  });
  return std::unique_ptr<HostService>(new HostService(std::move(parts)));
}

HostService::HostService(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

HostService::~HostService() { stop(); }

uint16_t HostService::port() const { return parts_->server->port(); }

void HostService::stop() {
  {
    std::lock_guard lock(parts_->purge_mutex);
    if (parts_->stopping) return;
    parts_->stopping = true;
  }
  parts_->purge_wake.notify_all();
  if (parts_->purger.joinable()) parts_->purger.join();
  parts_->replicas.stop();
  parts_->server->stop();
  // Relays pass the clients' 1001 on to the enclaves; give that a moment.
  for (int i = 0; i < 100 && parts_->metrics.sessions_active.value() > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  parts_->upstream_io.stop();
  // Neither pool runs now; the relays they still hold must not outlive
  // either pool's sockets (RelayRegistry).
  parts_->relays.sever_all();
}

HostMetrics& HostService::metrics() { return parts_->metrics; }
ReplicaPool& HostService::replicas() { return parts_->replicas; }
Store& HostService::store() { return *parts_->store; }

}  // namespace cloister::host
