#include "tests/system/local_stack.h"

#include <fstream>
#include <thread>

#include "base/files.h"
#include "net/http_client.h"

namespace cloister::system_testing {

using namespace std::chrono_literals;
using nlohmann::json;

namespace {

constexpr std::string_view kOrigin = "http://cloister.test";
constexpr std::string_view kEnclaveMallocTunables = "GLIBC_TUNABLES=glibc.malloc.tcache_count=0";

enclave::testing::ReleaseOptions release_options(const std::filesystem::path& model,
                                                 const std::string& enclave_binary) {
  enclave::testing::ReleaseOptions options;
  options.models = {enclave::testing::model_entry(model.stem().string(), model)};
  options.settings["chat_template"] = std::string("plain");
  options.measured_binary = enclave_binary;
  return options;
}

}  // namespace

json EnclaveReplica::replica_config(const std::string& name, uint16_t via_port) const {
  const std::string address = "127.0.0.1:" + std::to_string(via_port != 0 ? via_port : port);
  return {{"name", name},
          {"url", "ws://" + address + "/v1/session"},
          {"health_url", "http://" + address + "/healthz"}};
}

pid_t EnclaveReplica::pid() const { return process->pid(); }

LocalStack::LocalStack(const std::filesystem::path& model, std::string enclave_binary,
                       std::string host_binary)
    : model_(model),
      enclave_binary_(std::move(enclave_binary)),
      host_binary_(std::move(host_binary)),
      release_(std::make_unique<enclave::testing::ReleaseFixture>(
          release_options(model, enclave_binary_))) {}

Result<EnclaveReplica> LocalStack::start_enclave(const std::string& name,
                                                 const std::vector<std::string>& extra) {
  const std::filesystem::path dir = work() / name;
  std::filesystem::create_directories(dir);
  std::vector<std::string> argv = {enclave_binary_,
                                   "--provider",
                                   "simulated",
                                   "--state-dir",
                                   enclave::testing::simulated_state_dir().string(),
                                   "--model",
                                   model_.string(),
                                   "--manifest",
                                   release_->manifest_path().string(),
                                   "--release-proof",
                                   release_->release_proof_path().string(),
                                   "--log-vkey",
                                   release_->log_vkey(),
                                   "--witness-vkey",
                                   release_->policy().witnesses[0].vkey(),
                                   "--witness-threshold",
                                   "1",
                                   "--listen",
                                   "127.0.0.1:0",
                                   "--threads",
                                   "1"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  const std::string home = dir.string();
  // The environment docs/deployment.md gives the enclave (glibc's per-thread
  // cache of freed blocks off), so stack_bench measures what is deployed.
  const std::vector<std::string> environment = {"HOME=" + home, "TMPDIR=" + home,
                                                std::string(kEnclaveMallocTunables)};
  CLOISTER_ASSIGN_OR_RETURN(
      auto process, enclave::testing::ChildProcess::spawn(argv, dir, environment,
                                                          dir / "stdout.txt", dir / "stderr.txt"));
  CLOISTER_ASSIGN_OR_RETURN(std::string ready, process->wait_for_stderr("event=ready", 120s));
  EnclaveReplica replica;
  replica.process = std::move(process);
  replica.port = enclave::testing::port_from_ready_line(ready);
  if (replica.port == 0) return Error(ErrorCode::kInternal, "no port in: " + ready);
  return replica;
}

Status LocalStack::start_host(const json& replicas, const json& limits) {
  const std::filesystem::path dir = work() / "host";
  std::filesystem::create_directories(dir);
  // Limits generous enough for tests and benchmarks, unless `limits` says otherwise.
  json all_limits = {
      {"requests_per_second", 100000}, {"request_burst", 100000}, {"sign_ins_per_minute", 100000}};
  all_limits.update(limits);
  json config = {
      {"auth", {{"origin", kOrigin}}},
      {"limits", all_limits},
      {"relay",
       {{"replicas", replicas}, {"health_interval_seconds", 0.2}, {"failures_before_down", 1}}},
  };
  std::ofstream(dir / "host.json") << config.dump();
  CLOISTER_ASSIGN_OR_RETURN(host_, host::testing::HostProcess::start(
                                       host_binary_,
                                       {"--config", (dir / "host.json").string(), "--database",
                                        "sqlite:" + (dir / "host.db").string(), "--migrate"},
                                       dir));
  CLOISTER_ASSIGN_OR_RETURN(net::HttpClient http, net::HttpClient::create(host_url()));
  return user_.sign_in(http, kOrigin);
}

std::string LocalStack::host_url() const {
  return "http://127.0.0.1:" + std::to_string(host_->port());
}

Status LocalStack::wait_for_replica(const std::string& replica, bool up) {
  const std::string line =
      "cloister_host_replica_up{replica=\"" + replica + "\"} " + (up ? "1" : "0");
  for (int attempt = 0; attempt < 200; ++attempt) {
    auto metrics = net::http_get(host_url() + "/metrics");
    if (metrics.ok() && metrics->body.find(line) != std::string::npos) return ok_status();
    std::this_thread::sleep_for(50ms);
  }
  return Error(ErrorCode::kDeadlineExceeded, "the host never reported " + line);
}

Result<RelayedSession> LocalStack::open_session(uint16_t via_port, bool fresh_evidence) {
  net::WebSocketClientOptions options;
  options.headers.set("Authorization", "Bearer " + user_.token());
  const uint16_t port = via_port != 0 ? via_port : host_->port();
  const std::string url = "ws://127.0.0.1:" + std::to_string(port) + "/v1/session";
  RelayedSession relayed;
  CLOISTER_ASSIGN_OR_RETURN(relayed.transport,
                            session::WebSocketTransport::connect(io_, url, options));
  CLOISTER_ASSIGN_OR_RETURN(
      relayed.client,
      enclave::testing::TestClient::over(*relayed.transport, release_->policy(), fresh_evidence));
  return relayed;
}

Result<std::unique_ptr<client::VerifiedConnection>> LocalStack::connect_client(
    const client::EvidenceOptions& evidence) {
  client::TrustPolicy policy;
  policy.log_keys = {release_->policy().log_key};
  policy.witnesses = release_->policy().witnesses;
  policy.witness_threshold = release_->policy().witness_threshold;
  policy.allow_simulated = true;
  client::ConnectOptions options;
  options.url = host_url();
  options.bearer_token = user_.token();
  options.evidence = evidence;
  return client::VerifiedConnection::connect(io_, options, policy);
}

std::vector<std::pair<std::filesystem::path, std::string>> files_under(
    const std::filesystem::path& root) {
  std::vector<std::pair<std::filesystem::path, std::string>> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file()) continue;
    auto text = read_text_file(entry.path());
    files.emplace_back(entry.path(), text.ok() ? *text : std::string());
  }
  return files;
}

}  // namespace cloister::system_testing
