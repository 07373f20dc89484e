// cloister-enclave: the stateless inference service inside the confidential VM.
// This file only wires flags (and the --config file, whose keys are the same
// option names) to enclave::EnclaveConfig, hardens the process, boots the
// enclave and waits for SIGINT or SIGTERM. See docs/deployment.md.
#include <pthread.h>

#include <csignal>
#include <iostream>

#include "enclave/enclave.h"
#include "enclave/hardening.h"
#include "tools/common/cli.h"

namespace cloister::tools {
namespace {

struct Flags {
  std::string provider = "configfs-tsm";
  int64_t evidence_refresh_seconds = 600;
  int64_t idle_timeout_seconds = 300;
  std::string log_vkey;
};

void add_options(CLI::App& app, enclave::EnclaveConfig& config, Flags& flags) {
  app.set_config("--config", "",
                 "Read options from this TOML file (keys are the long option names without "
                 "dashes, e.g. model = \"/models/m.gguf\"); flags given on the command line win");

  app.add_option("--provider", flags.provider,
                 "Where evidence comes from: configfs-tsm (SEV-SNP or TDX through "
                 "/sys/kernel/config/tsm/report), sev-guest (/dev/sev-guest, SEV-SNP), or "
                 "simulated (DEVELOPMENT ONLY: a locally generated stand-in chain that clients "
                 "accept only with an explicit development flag)")
      ->check(CLI::IsMember({"configfs-tsm", "sev-guest", "simulated"}))
      ->capture_default_str()
      ->group("Evidence");
  app.add_option("--state-dir", config.state_dir,
                 "simulated: directory that keeps the stand-in certificate chain (created on "
                 "first use; holds no keys of sessions and no content)")
      ->group("Evidence");
  app.add_option("--configfs-root", config.configfs_root, "configfs-tsm: the report directory")
      ->capture_default_str()
      ->group("Evidence");
  app.add_option("--sev-guest-device", config.sev_guest_device, "sev-guest: the device")
      ->capture_default_str()
      ->group("Evidence");
  app.add_option("--snp-extra-certificates", config.snp_extra_certificates,
                 "SEV-SNP: PEM file with the ASK and ARK to add when the host supplies only "
                 "the VCEK")
      ->group("Evidence");
  app.add_option("--tdx-collateral", config.tdx_collateral,
                 "TDX: collateral file (tdx::encode_collateral JSON) to attach to quotes")
      ->group("Evidence");
  app.add_flag("--gpu-evidence", config.gpu_evidence,
               "Add NVIDIA GPU evidence (NVML, confidential-computing mode) to every bundle; "
               "refuse to start without a GPU")
      ->group("Evidence");
  app.add_option("--evidence-refresh", flags.evidence_refresh_seconds,
                 "Seconds between refreshes of the cached evidence (clients that send a nonce "
                 "always get fresh evidence)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str()
      ->group("Evidence");

  app.add_option("--model", config.model,
                 "The GGUF model file; its SHA-256 must be one of the manifest's model digests "
                 "or the enclave refuses to start (also required with an upstream engine: the "
                 "file the upstream serves)")
      ->group("Release");
  app.add_option("--manifest", config.release.manifest,
                 "The release manifest (canonical JSON, as logged); it fixes the engine "
                 "settings and the upstream address")
      ->group("Release");
  app.add_option("--release-proof", config.release.release_proof,
                 "The release proof (from 'cloister-log prove release' or scripts/release), "
                 "sent to every client")
      ->group("Release");
  app.add_option("--log-vkey", flags.log_vkey,
                 "Verify the release proof at boot against this log key (optional: clients "
                 "verify it regardless)")
      ->group("Release");
  app.add_option("--witness-vkey", config.release.witness_vkeys,
                 "A witness key for the boot-time check (repeatable)")
      ->group("Release");
  app.add_option("--witness-threshold", config.release.witness_threshold,
                 "How many of --witness-vkey must have cosigned")
      ->capture_default_str()
      ->group("Release");

  app.add_option("--listen", config.listen,
                 "HOST:PORT for the host's connections (GET /v1/session, /healthz, /metrics); "
                 "port 0 picks a free one")
      ->capture_default_str()
      ->group("Serving");
  app.add_option("--io-threads", config.io_threads, "Network I/O threads")
      ->capture_default_str()
      ->group("Serving");
  app.add_option("--max-sessions", config.max_sessions,
                 "Sessions at once; further connections are closed with 1013 (try again later)")
      ->capture_default_str()
      ->group("Serving");
  app.add_option("--max-requests-per-session", config.serving.max_requests_per_session,
                 "Chat requests one session may have in progress")
      ->capture_default_str()
      ->group("Serving");
  app.add_option("--max-request-bytes", config.serving.max_request_bytes,
                 "Largest request body (at most 16 MiB)")
      ->capture_default_str()
      ->group("Serving");
  app.add_option("--max-buffered-output-bytes", config.serving.max_buffered_output_bytes,
                 "Per request: output waiting for a slow client (or a whole non-streamed "
                 "answer); beyond it the request ends with slow_reader")
      ->capture_default_str()
      ->group("Serving");
  app.add_option("--idle-timeout", flags.idle_timeout_seconds,
                 "Seconds a session with nothing in progress may stay silent")
      ->check(CLI::PositiveNumber)
      ->capture_default_str()
      ->group("Serving");

  app.add_option("--max-batch", config.max_batch,
                 "Embedded engine: sequences decoded together (continuous batching)")
      ->capture_default_str()
      ->group("Engine");
  app.add_option("--max-queued", config.max_queued,
                 "Requests waiting for the engine; beyond it requests fail with overloaded")
      ->capture_default_str()
      ->group("Engine");
  app.add_option("--max-tokens", config.max_tokens, "Default and largest max_tokens of a request")
      ->capture_default_str()
      ->group("Engine");
  app.add_option("--threads", config.threads,
                 "Embedded engine: threads for the matrix products (0: one per core)")
      ->capture_default_str()
      ->group("Engine");
  app.add_option("--upstream-workers", config.upstream_workers,
                 "Upstream engine: requests in flight at once")
      ->capture_default_str()
      ->group("Engine");

  app.add_option("--require-memory-lock", config.require_memory_lock,
                 "Refuse to start unless all memory can be locked in RAM (mlockall); "
                 "false is for development machines only")
      ->capture_default_str()
      ->group("Process");
}

int run(Program& program, enclave::EnclaveConfig& config, const Flags& flags) {
  auto hardened = enclave::harden_process(config.require_memory_lock);
  if (!hardened.ok()) return program.fail(hardened.error());
  if (!hardened->memory_locked) {
    std::cerr << "cloister-enclave: WARNING: memory is not locked; secrets may reach swap\n";
  }
  config.provider = *enclave::parse_provider_kind(flags.provider);
  config.evidence_refresh = std::chrono::seconds(flags.evidence_refresh_seconds);
  config.serving.idle_timeout = std::chrono::seconds(flags.idle_timeout_seconds);
  if (!flags.log_vkey.empty()) config.release.log_vkey = flags.log_vkey;

  // Block the stop signals in every thread (the enclave's threads inherit the
  // mask), then wait for one here. Background jobs start with SIGINT
  // ignored, and an ignored signal is discarded, so restore the default first.
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto enclave = enclave::Enclave::start(config);
  if (!enclave.ok()) return program.fail(enclave.error());
  (*enclave)->metrics().memory_locked(hardened->memory_locked);
  int signal = 0;
  sigwait(&stop_signals, &signal);
  (*enclave)->stop();
  return kExitOk;
}

}  // namespace
}  // namespace cloister::tools

int main(int argc, char** argv) {
  using namespace cloister;
  tools::Program program(
      "cloister-enclave",
      "Cloister enclave: attested, stateless inference inside a confidential VM.\n"
      "Terminates Noise sessions from clients (relayed by the host), proves with evidence "
      "which release and model it runs, and answers chat requests with the model; it never "
      "stores or logs content.");
  enclave::EnclaveConfig config;
  tools::Flags flags;
  add_options(program.app(), config, flags);
  program.on(&program.app(), [&] { return tools::run(program, config, flags); });
  return program.run(argc, argv);
}
