#include "enclave/enclave.h"

#include <algorithm>

#include "attest/provider/configfs_tsm.h"
#include "attest/provider/sev_guest_device.h"
#include "attest/provider/simulated_provider.h"
#include "attest/simulated.h"
#include "base/encoding.h"
#include "base/files.h"
#include "enclave/embedded_backend.h"
#include "enclave/event_log.h"
#include "enclave/upstream_backend.h"
#include "noise/protocol.h"
#include "session/websocket_transport.h"

namespace cloister::enclave {
namespace {

using Steady = std::chrono::steady_clock;

Result<Bytes> read_optional(const std::filesystem::path& path) {
  if (path.empty()) return Bytes();
  return read_file(path, size_t{1} << 20);
}

// Logs a boot step that failed and returns its error with the step named.
Error boot_failure(std::string_view step, const Error& error) {
  log_event("boot_failed", {{"code", StaticText::from_table(error_code_name(error.code()))}});
  return error.with_context(step);
}

}  // namespace

EnclaveKeys generate_enclave_keys() {
  return {std::make_shared<const crypto::X25519KeyPair>(crypto::x25519_generate()),
          crypto::ed25519_generate()};
}

Enclave::Enclave(const EnclaveConfig& config, const Clock& clock)
    : config_(config), clock_(clock) {}

Enclave::~Enclave() { stop(); }

Result<std::unique_ptr<Enclave>> Enclave::start(const EnclaveConfig& config, const Clock& clock) {
  CLOISTER_TRY(validate_config(config));
  std::unique_ptr<Enclave> enclave(new Enclave(config, clock));
  CLOISTER_TRY(enclave->boot());
  return enclave;
}

Status Enclave::boot() {
  keys_ = generate_enclave_keys();

  auto release = load_release(config_.release);
  if (!release.ok()) return boot_failure("loading the release", std::move(release).error());
  release_ = std::move(release).value();
  auto settings = engine_settings(release_.manifest);
  if (!settings.ok()) return boot_failure("reading the manifest", std::move(settings).error());
  if (config_.model.empty()) {
    return Error(ErrorCode::kInvalidArgument, "--model is required (the file the engine serves)");
  }
  auto model = verify_model_file(release_.manifest, config_.model);
  if (!model.ok()) return boot_failure("checking the model file", std::move(model).error());
  model_ = std::move(model).value();
  log_event("model_verified", {LogField::config("name", model_.name),
                               LogField::config("sha256", hex_encode(model_.sha256))});

  const bool simulated = config_.provider == ProviderKind::kSimulated;
  EnclaveIdentity identity{std::string(provider_kind_name(config_.provider)),
                           settings->upstream_origin ? "upstream" : "embedded",
                           release_.manifest.version, simulated};
  metrics_ = std::make_unique<EnclaveMetrics>(identity);

  auto sources = open_evidence_sources();
  if (!sources.ok())
    return boot_failure("opening the evidence provider", std::move(sources).error());
  EvidenceBinding binding{keys_.noise_static->public_key,
                          keys_.receipt.public_key,
                          release_.manifest_bytes,
                          {session::TlogProofFormat::kTlogV1, release_.release_proof}};
  evidence_ = std::make_unique<EvidenceService>(std::move(sources).value(), std::move(binding),
                                                metrics_.get());
  if (Status first = evidence_->refresh(); !first.ok()) {
    return boot_failure("obtaining evidence", std::move(first).error());
  }

  if (Status backend = start_backend(*settings); !backend.ok()) {
    return boot_failure("starting the engine", std::move(backend).error());
  }
  serving_.backend = backend_.get();
  serving_.model = {model_.name, model_.sha256, unix_seconds(clock_.now())};
  serving_.manifest_sha256 = release_.manifest_sha256;
  serving_.receipt_key = &keys_.receipt.seed;
  serving_.metrics = metrics_.get();
  serving_.clock = &clock_;
  serving_.limits = config_.serving;

  if (Status server = start_server(); !server.ok()) {
    return boot_failure("listening", std::move(server).error());
  }
  evidence_->start_refreshing(config_.evidence_refresh);
  log_event("ready", {LogField::config("address", parse_listen_address(config_.listen)->first),
                      {"port", unsigned{server_->port()}},
                      {"provider", StaticText::from_table(provider_kind_name(config_.provider))},
                      {"backend", StaticText::from_table(backend_->kind())},
                      {"simulated", simulated}});
  return ok_status();
}

Result<EvidenceSources> Enclave::open_evidence_sources() {
  EvidenceSources sources;
  switch (config_.provider) {
    case ProviderKind::kSimulated: {
      CLOISTER_ASSIGN_OR_RETURN(
          attest::SimulatedProvider provider,
          attest::SimulatedProvider::open_for_running_binary(config_.state_dir, clock_));
      sources.cpu = std::make_unique<attest::SimulatedProvider>(std::move(provider));
      sources.simulated = true;
      log_event("simulated_evidence",
                {{"warning",
                  "SIMULATED evidence: this is NOT a confidential VM and protects nothing; "
                  "clients accept it only in development mode"}});
      auto measurement = attest::simulated_measurement_of_binary();
      if (measurement.ok() &&
          !tlog::allows_simulated_measurement(release_.manifest, *measurement)) {
        log_event("simulated_measurement_not_in_manifest",
                  {{"warning", "clients will reject this binary: the manifest does not list it"}});
      }
      break;
    }
    case ProviderKind::kConfigfsTsm: {
      attest::ConfigfsTsmOptions options;
      options.root = config_.configfs_root;
      CLOISTER_ASSIGN_OR_RETURN(options.snp_extra_certificates,
                                read_optional(config_.snp_extra_certificates));
      CLOISTER_ASSIGN_OR_RETURN(options.tdx_collateral, read_optional(config_.tdx_collateral));
      sources.cpu = std::make_unique<attest::ConfigfsTsmProvider>(std::move(options));
      break;
    }
    case ProviderKind::kSevGuest: {
      attest::SevGuestOptions options;
      options.device = config_.sev_guest_device;
      CLOISTER_ASSIGN_OR_RETURN(options.extra_certificates,
                                read_optional(config_.snp_extra_certificates));
      sources.cpu = std::make_unique<attest::SevGuestDeviceProvider>(std::move(options));
      break;
    }
  }
  if (config_.gpu_evidence) {
    CLOISTER_ASSIGN_OR_RETURN(sources.gpu, attest::NvmlGpuProvider::open());
  }
  return sources;
}

Status Enclave::start_backend(const EngineSettings& settings) {
  const unsigned threads =
      config_.threads != 0 ? config_.threads : std::max(1u, std::thread::hardware_concurrency());
  if (settings.upstream_origin) {
    UpstreamOptions options;
    options.origin = *settings.upstream_origin;
    options.model_name = model_.name;
    options.workers = config_.upstream_workers;
    options.max_queued = config_.max_queued;
    options.max_tokens = config_.max_tokens;
    CLOISTER_ASSIGN_OR_RETURN(backend_, UpstreamBackend::start(std::move(options)));
    return ok_status();
  }
  engine::LoadOptions load;
  load.context_length = settings.context_length;
  CLOISTER_ASSIGN_OR_RETURN(std::shared_ptr<const engine::Model> model,
                            engine::Model::load(model_.verified_path(), load));
  EmbeddedOptions options;
  options.prompt = settings.prompt;
  options.context_length = settings.context_length;
  options.max_batch = config_.max_batch;
  options.threads = threads;
  options.max_queued = config_.max_queued;
  options.max_tokens = config_.max_tokens;
  backend_ = std::make_unique<EmbeddedBackend>(std::move(model), options);
  return ok_status();
}

Status Enclave::start_server() {
  net::Router router;
  CLOISTER_TRY(router.add(net::Method::kGet, "/healthz", [this](net::HttpRequest&) {
    const bool ready = evidence_->ready() && backend_->healthy();
    return ready ? net::HttpResponse::text(200, "ok\n")
                 : net::HttpResponse::text(503, "unavailable\n");
  }));
  CLOISTER_TRY(router.add(net::Method::kGet, "/metrics", [this](net::HttpRequest&) {
    const BackendLoad load = backend_->load();
    metrics_->backend_load(load.queued, load.running);
    return net::HttpResponse::text(200, metrics_->render(), "text/plain; version=0.0.4");
  }));
  net::RouteOptions session_route;
  session_route.max_message_bytes = noise::kMaxMessageSize;
  CLOISTER_TRY(router.add_websocket(
      kSessionPath,
      [this](net::HttpRequest&) {
        return net::WebSocketUpgrade::accept(
            [this](std::shared_ptr<net::WebSocket> socket) { admit(std::move(socket)); });
      },
      session_route));

  CLOISTER_ASSIGN_OR_RETURN(auto address, parse_listen_address(config_.listen));
  net::ServerOptions options;
  options.address = address.first;
  options.port = address.second;
  options.io_threads = config_.io_threads;
  options.handler_threads = 2;
  options.max_connections = config_.max_sessions + 64;  // room for health checks and refusals
  options.max_body_bytes = 1024;                        // no route takes a body
  options.websocket = session::session_websocket_options();
  CLOISTER_ASSIGN_OR_RETURN(server_, net::HttpServer::start(std::move(router), options));
  return ok_status();
}

uint16_t Enclave::port() const { return server_ ? server_->port() : 0; }

void Enclave::reap_sessions() {
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (it->done->load()) {
      it->thread.join();
      it = sessions_.erase(it);
    } else {
      ++it;
    }
  }
}

void Enclave::admit(std::shared_ptr<net::WebSocket> socket) {
  std::lock_guard lock(sessions_mutex_);
  reap_sessions();
  if (stopping_) {
    socket->close({net::CloseCode::kGoingAway, "shutting down"});
    return;
  }
  if (active_sessions_.load() >= config_.max_sessions) {
    metrics_->session_refused();
    socket->close({net::CloseCode::kTryAgainLater, "session limit reached"});
    return;
  }
  ++active_sessions_;
  const uint64_t id = next_session_id_++;
  auto done = std::make_shared<std::atomic<bool>>(false);
  std::weak_ptr<net::WebSocket> weak = socket;
  std::thread thread([this, socket = std::move(socket), id, done]() mutable {
    run_session(std::move(socket), id);
    --active_sessions_;
    *done = true;
  });
  sessions_.push_back({std::move(thread), std::move(done), std::move(weak)});
}

void Enclave::run_session(std::shared_ptr<net::WebSocket> socket, uint64_t session_id) {
  const auto started = Steady::now();
  session::WebSocketTransport transport(std::move(socket), clock_);
  session::ResponderConfig responder;
  responder.static_key = keys_.noise_static;
  responder.produce_evidence = [this](const std::optional<session::Nonce>& nonce) {
    return evidence_->bundle_for(nonce);
  };
  auto session = session::Session::accept(transport, std::move(responder), clock_);
  if (!session.ok()) {
    metrics_->handshake_failed();
    log_event("handshake_failed",
              {{"session", session_id},
               {"code", StaticText::from_table(error_code_name(session.error().code()))}});
    return;
  }
  const double handshake_seconds = std::chrono::duration<double>(Steady::now() - started).count();
  metrics_->handshake_succeeded(handshake_seconds);
  metrics_->session_opened();
  log_event("session_start", {{"session", session_id}, {"handshake_seconds", handshake_seconds}});
  const uint64_t requests = serve_session(**session, session_id, serving_);
  (*session)->close();
  metrics_->session_closed();
  log_event("session_end",
            {{"session", session_id},
             {"requests", requests},
             {"seconds", std::chrono::duration<double>(Steady::now() - started).count()}});
}

void Enclave::stop() {
  std::list<SessionThread> sessions;
  {
    std::lock_guard lock(sessions_mutex_);
    if (stopping_) return;
    stopping_ = true;
    // Close sessions while the server's I/O still runs, so their threads see it.
    for (SessionThread& session : sessions_) {
      if (auto socket = session.socket.lock())
        socket->close({net::CloseCode::kGoingAway, "shutting down"});
    }
    sessions.swap(sessions_);
  }
  for (SessionThread& session : sessions) session.thread.join();
  if (server_) server_->stop();
  if (backend_) backend_->stop();
  evidence_.reset();
}

}  // namespace cloister::enclave
